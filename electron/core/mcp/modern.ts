// MCP revision 2026-07-28 (stateless) beside the session-based 2025-11-25 serving, from the same /mcp and
// stdio. A 2026-07-28 request carries its protocol version, client info and capabilities in its own
// `_meta` envelope: no initialize, no session. ModernEndpoint answers such requests for one caller:
//   - server/discover, subscriptions/listen (tool/resource/prompt list changes) and the Tasks extension
//     (io.modelcontextprotocol/tasks: tasks/get, tasks/update, tasks/cancel over the durable pending
//     calls, pending.ts) are answered here;
//   - every other request goes, envelope lifted, to the same SDK 1.x McpServer the sessions use
//     (server.ts: the governance, the refused-call counts, the list filters, the task-augmented call),
//     over an in-process transport; its answer gets the 2026 result shape (resultType, serverInfo,
//     ttlMs/cacheScope on cacheable results, no `execution` on tools).
// A gated tools/call of a client that declares the Tasks extension is answered with a server-directed
// task at once (resultType "task"): the same pending record a 2025-11-25 task-augmented call gets.
// Closing a request's response stream (or notifications/cancelled) cancels that request; a waiting
// call's pending record stays, so a retry collects it.
// Why not the SDK 2.x server: docs/ARCHITECTURE.md (MCP), measured by bench/mcp-stateless.ts.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { PendingCallRecord } from './pending';
import { isSettled } from './pending';
import { recordInvalidCall } from './record';
import { instructionsFor, SERVER_NAME, SERVER_VERSION } from './server';
import { GATED_TOOLS } from './tasks';
import type { CallerIdentity, McpDeps } from './types';

export const MODERN_REVISION = '2026-07-28';
export const MODERN_REVISIONS: readonly string[] = [MODERN_REVISION];
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
export const META = {
  version: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  capabilities: 'io.modelcontextprotocol/clientCapabilities',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;
const ENVELOPE_KEYS: readonly string[] = [META.version, META.clientInfo, META.capabilities, META.logLevel];
/** 2026-07-28 error codes: unsupported protocol version, missing required client capability. */
export const UNSUPPORTED_VERSION = -32022;
export const MISSING_CAPABILITY = -32021;
/** Results clients may cache (SEP-2549): they carry ttlMs and cacheScope. Ours are never cached (policy can change them). */
const CACHEABLE = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The revision a message's `_meta` envelope names, or null for a 2025-era message (no envelope). */
export function envelopeRevision(m: unknown): string | null {
  if (!isObj(m) || !isObj(m.params) || !isObj(m.params._meta)) return null;
  const v = m.params._meta[META.version];
  return typeof v === 'string' ? v : null;
}

/** Where a request's messages go: related notifications before the answer, then the answer. */
export interface ModernSink {
  notify(message: JSONRPCMessage): void;
  answer(message: JSONRPCMessage): void;
  /** The request was cancelled: end its stream without an answer (HTTP); nothing to do on a shared channel. */
  end?(): void;
}

export interface ModernCall {
  /** The client closed the response stream (or sent notifications/cancelled): the request is cancelled. */
  cancel(reason: string): void;
}

interface InFlight {
  clientId: RequestId;
  method: string;
  sink: ModernSink;
  tasks: boolean;
  done: boolean;
}

interface Listener {
  clientId: RequestId;
  sink: ModernSink;
  filter: { toolsListChanged?: boolean; resourcesListChanged?: boolean; promptsListChanged?: boolean };
}

const rpcError = (id: RequestId, code: number, message: string, data?: unknown): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  error: { code, message, ...(data !== undefined ? { data } : {}) },
});

/**
 * The in-process transport between ModernEndpoint and its SDK 1.x server: requests go in under an id of
 * their own (two stateless clients of one agent may both use id 1), and whatever the server sends for
 * that id comes back to the request's sink.
 */
class InProcessTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  constructor(private readonly route: (internalId: RequestId, message: JSONRPCMessage, isAnswer: boolean) => void) {}
  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.onclose?.();
  }
  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isAnswer = 'id' in message && ('result' in message || 'error' in message);
    const id = isAnswer ? (message as { id: RequestId }).id : options?.relatedRequestId;
    // Server-initiated messages without a request (a 2025 list_changed, logging) have no stream here.
    if (id !== undefined) this.route(id, message, isAnswer);
  }
}

export class ModernEndpoint {
  private readonly transport: InProcessTransport;
  private readonly inflight = new Map<string, InFlight>();
  private readonly listeners = new Map<string, Listener>();
  private seq = 0;
  private readonly offPolicy: () => void;
  private closed = false;

  constructor(
    private readonly deps: McpDeps,
    private readonly caller: CallerIdentity,
    private readonly server: McpServer,
  ) {
    this.transport = new InProcessTransport((id, m, isAnswer) => this.route(String(id), m, isAnswer));
    void server.connect(this.transport);
    // The resource and prompt lists are filtered by policy (server.ts showOnlyReadable): a new policy changes them.
    this.offPolicy = deps.bus.on('policy.loaded', (ev) => {
      if (ev.ok) this.listChanged(['resourcesListChanged', 'promptsListChanged']);
    });
  }

  /**
   * One 2026-07-28 message. A request's answer goes to `sink` (nothing for a notification); the handle
   * cancels the request. `extra` carries the transport's request info (headers, auth) to the server.
   */
  handle(message: JSONRPCMessage, sink: ModernSink, extra?: MessageExtraInfo): ModernCall | null {
    if (!('method' in message)) return null; // a response: 2026-07-28 servers send no requests
    if (this.closed) {
      if ('id' in message) sink.answer(rpcError(message.id, -32000, 'the server is stopping'));
      return null;
    }
    const params = isObj(message.params) ? message.params : {};
    if (!('id' in message)) {
      if (message.method === 'notifications/cancelled' && (typeof params.requestId === 'string' || typeof params.requestId === 'number'))
        this.cancelByClientId(params.requestId, typeof params.reason === 'string' ? params.reason : 'notifications/cancelled');
      return null;
    }
    const id = message.id;
    const meta = isObj(params._meta) ? params._meta : {};
    const version = meta[META.version];
    if (typeof version !== 'string' || !MODERN_REVISIONS.includes(version)) {
      this.refused(message.method, params, `unsupported protocol version ${String(version)}`);
      sink.answer(
        rpcError(
          id,
          UNSUPPORTED_VERSION,
          `Unsupported protocol version: ${String(version)} (supported: ${MODERN_REVISIONS.join(', ')}; 2025-era clients initialize a session)`,
          {
            supported: [...MODERN_REVISIONS],
            requested: version ?? null,
          },
        ),
      );
      return null;
    }
    const caps = isObj(meta[META.capabilities]) ? (meta[META.capabilities] as Obj) : {};
    const tasks = isObj(caps.extensions) && isObj(caps.extensions[TASKS_EXTENSION]);
    switch (message.method) {
      case 'server/discover':
        sink.answer({ jsonrpc: '2.0', id, result: this.complete(this.discover(), true) });
        return null;
      case 'subscriptions/listen':
        return this.listen(id, params, sink);
      case 'tasks/get':
      case 'tasks/update':
      case 'tasks/cancel':
        sink.answer(this.task(id, message.method, params, tasks));
        return null;
      case 'initialize':
        this.refused(message.method, params, 'initialize in a 2026-07-28 request');
        sink.answer(rpcError(id, -32600, 'initialize is not part of revision 2026-07-28: send requests with the _meta envelope, no session'));
        return null;
    }
    const lifted: Obj = {};
    for (const [k, v] of Object.entries(meta)) if (!ENVELOPE_KEYS.includes(k)) lifted[k] = v;
    const forward: Obj = { ...params };
    if (Object.keys(lifted).length > 0) forward._meta = lifted;
    else delete forward._meta;
    // The server decides per call (Tasks extension): a gated call becomes a task for a client that can poll one.
    const asTask = tasks && message.method === 'tools/call' && typeof params.name === 'string' && GATED_TOOLS.has(params.name);
    if (asTask) forward.task = {};
    const internal = `m${++this.seq}`;
    const f: InFlight = { clientId: id, method: message.method, sink, tasks: asTask, done: false };
    this.inflight.set(internal, f);
    this.transport.onmessage?.({ jsonrpc: '2.0', id: internal, method: message.method, params: forward }, extra);
    return { cancel: (reason) => this.cancel(internal, reason) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.offPolicy();
    // Graceful end of every subscription: the empty subscriptions/listen result.
    for (const [key, l] of this.listeners) {
      this.listeners.delete(key);
      l.sink.answer({ jsonrpc: '2.0', id: l.clientId, result: this.complete({ _meta: { [META.subscriptionId]: l.clientId } }) });
    }
    for (const [key, f] of this.inflight) {
      this.inflight.delete(key);
      f.done = true;
      f.sink.answer(rpcError(f.clientId, -32000, 'the server is stopping; retry the same call to collect a pending one'));
    }
    await this.server.close().catch(() => {});
  }

  private route(internal: string, m: JSONRPCMessage, isAnswer: boolean): void {
    const f = this.inflight.get(internal);
    if (!f || f.done) return;
    if (!isAnswer) {
      if ('id' in m) return; // a server-to-client request: not part of 2026-07-28 (input requests are MRTR)
      f.sink.notify(m);
      return;
    }
    f.done = true;
    this.inflight.delete(internal);
    if ('error' in m) {
      f.sink.answer({ ...m, id: f.clientId });
      return;
    }
    const result = (m as { result: Obj }).result;
    f.sink.answer({ jsonrpc: '2.0', id: f.clientId, result: this.shape(f, result) });
  }

  /** A 2025-shaped result as revision 2026-07-28 has it. */
  private shape(f: InFlight, result: Obj): Obj {
    if (f.tasks && isObj(result.task)) {
      const t = result.task;
      const { ttl, pollInterval, ...rest } = t;
      return this.complete({ ...rest, ttlMs: typeof ttl === 'number' ? ttl : null, pollIntervalMs: pollInterval, resultType: 'task' });
    }
    if (f.method === 'tools/list' && Array.isArray(result.tools)) {
      result = { ...result, tools: result.tools.map((t: Obj) => (isObj(t) ? withoutKey(t, 'execution') : t)) };
    }
    return this.complete(result, CACHEABLE.has(f.method));
  }

  /** resultType and the server's identity on every result; ttlMs 0 (never served from a cache) where results are cacheable. */
  private complete(result: Obj, cacheable = false): Obj {
    const meta = isObj(result._meta) ? result._meta : {};
    return {
      ...result,
      resultType: typeof result.resultType === 'string' ? result.resultType : 'complete',
      ...(cacheable ? { ttlMs: 0, cacheScope: 'private' } : {}),
      _meta: { ...meta, [META.serverInfo]: this.serverInfo() },
    };
  }

  private serverInfo(): { name: string; version: string } {
    return { name: this.deps.serverInfo?.name ?? SERVER_NAME, version: this.deps.serverInfo?.version ?? SERVER_VERSION };
  }

  private discover(): Obj {
    return {
      supportedVersions: [...MODERN_REVISIONS],
      capabilities: {
        tools: { listChanged: true },
        resources: { listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        extensions: { [TASKS_EXTENSION]: {} },
      },
      instructions: instructionsFor(this.deps.model()),
    };
  }

  private listen(id: RequestId, params: Obj, sink: ModernSink): ModernCall | null {
    const asked = isObj(params.notifications) ? params.notifications : {};
    const filter: Listener['filter'] = {};
    for (const k of ['toolsListChanged', 'resourcesListChanged', 'promptsListChanged'] as const) if (asked[k] === true) filter[k] = true;
    if (Array.isArray(asked.taskIds)) {
      sink.answer(
        rpcError(id, -32602, 'task status notifications are not offered: poll tasks/get (pollIntervalMs)', {
          unsupported: ['taskIds'],
        }),
      );
      return null;
    }
    const key = `l${++this.seq}`;
    this.listeners.set(key, { clientId: id, sink, filter });
    // resourceSubscriptions are not honoured (resources change with every reading): the ack names what is.
    sink.notify({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: filter, _meta: { [META.subscriptionId]: id } },
    });
    return { cancel: () => this.listeners.delete(key) };
  }

  private listChanged(kinds: Array<keyof Listener['filter']>): void {
    const method = { toolsListChanged: 'tools', resourcesListChanged: 'resources', promptsListChanged: 'prompts' } as const;
    for (const l of this.listeners.values())
      for (const k of kinds)
        if (l.filter[k])
          l.sink.notify({ jsonrpc: '2.0', method: `notifications/${method[k]}/list_changed`, params: { _meta: { [META.subscriptionId]: l.clientId } } });
  }

  private cancel(internal: string, reason: string): void {
    const f = this.inflight.get(internal);
    if (!f || f.done) return;
    f.done = true;
    this.inflight.delete(internal);
    // As for a 2025 client that went away: a call waiting for an operator stops watching; its pending call stays.
    this.transport.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: internal, reason } });
  }

  private cancelByClientId(clientId: RequestId, reason: string): void {
    for (const [key, l] of this.listeners)
      if (l.clientId === clientId) {
        this.listeners.delete(key);
        l.sink.end?.();
      }
    for (const [internal, f] of this.inflight)
      if (f.clientId === clientId) {
        this.cancel(internal, reason);
        f.sink.end?.();
      }
  }

  /** A request refused before any server code ran: this agent's invalid call, as on the 2025 sessions (an abuse signal). */
  private refused(method: string, params: Obj, why: string): void {
    recordInvalidCall(this.deps, this.caller, `(rpc) ${method.slice(0, 100)}`, params, why);
  }

  /** tasks/get, tasks/update, tasks/cancel of the Tasks extension, over the agent's own pending calls. */
  private task(id: RequestId, method: string, params: Obj, declared: boolean): JSONRPCMessage {
    if (!declared) this.refused(method, params, 'missing required client capability io.modelcontextprotocol/tasks');
    if (!declared)
      return rpcError(id, MISSING_CAPABILITY, 'Missing required client capability', {
        requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
      });
    const taskId = params.taskId;
    const rec = typeof taskId === 'string' ? this.deps.pending.get(taskId) : null;
    if (!rec || rec.agentId !== this.caller.agentId) this.refused(method, params, `unknown task ${String(taskId)}`);
    if (!rec || rec.agentId !== this.caller.agentId) return rpcError(id, -32602, `Failed to retrieve task: Task not found (${String(taskId)})`);
    if (method === 'tasks/cancel') {
      this.deps.pending.cancel(rec.id, `agent:${this.caller.agentId}`, 'tasks/cancel');
      return { jsonrpc: '2.0', id, result: this.complete({}) };
    }
    // No task of ours asks the client for input (input_required): responses to nothing are ignored.
    if (method === 'tasks/update') return { jsonrpc: '2.0', id, result: this.complete({}) };
    return { jsonrpc: '2.0', id, result: this.complete(detailedTask(this.deps, rec)) };
  }
}

/** A pending record as the Tasks extension's DetailedTask: a settled one carries its tool result. */
export function detailedTask(deps: McpDeps, r: PendingCallRecord): Obj {
  const base: Obj = {
    taskId: r.id,
    status: r.status,
    statusMessage: r.statusMessage,
    createdAt: new Date(r.createdAt).toISOString(),
    lastUpdatedAt: new Date(r.updatedAt).toISOString(),
    ttlMs: r.ttlMs,
    pollIntervalMs: deps.config.tasks.pollIntervalMs,
  };
  if (!isSettled(r)) return base;
  // A denial or expiry is a completed task whose tool result is an isError naming the rule and the operator.
  if (r.status === 'failed') return { ...base, error: { code: -32603, message: r.statusMessage, data: r.result ?? null } };
  return r.status === 'completed' && r.result ? { ...base, result: r.result } : base;
}

function withoutKey(o: Obj, key: string): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (k !== key) out[k] = v;
  return out;
}
