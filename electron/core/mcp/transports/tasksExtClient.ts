// The client side of the Tasks extension (io.modelcontextprotocol/tasks, revision 2026-07-28) for the
// SDK 2.x Client, which does not implement it yet: its 2026 codec refuses a tools/call answered with
// resultType "task" (UnsupportedResultType). Wrapped around any SDK 2.x client transport, this layer
// declares the extension on every request's `_meta` envelope, and when a tools/call comes back as a
// server-directed task it polls tasks/get (at the task's pollIntervalMs) and hands the Client the
// task's final tool result as that call's answer. Aborting the call (its request signal, or
// notifications/cancelled) sends tasks/cancel. Used by the tests and bench:mcp as a Tasks-capable
// 2026-07-28 client; an agent host could use it the same way.
import type { JSONRPCMessage, MessageExtraInfo, Transport, TransportSendOptions } from '@modelcontextprotocol/client';

export const TASKS_EXTENSION_ID = 'io.modelcontextprotocol/tasks';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';

type Obj = Record<string, unknown>;
type Id = string | number;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export interface TaskSeen {
  taskId: string;
  status: string;
  statusMessage?: string;
}

export interface TasksExtOptions {
  /** Every task status this client saw (the CreateTaskResult and each tasks/get), in order. */
  onTask?(t: TaskSeen): void;
  /** Poll interval when the task names none (ms). */
  pollIntervalMs?: number;
}

interface Call {
  envelope: Obj;
  taskId?: string;
  stopped: boolean;
}

export class TasksExtensionTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private readonly calls = new Map<Id, Call>();
  private readonly internal = new Map<string, (m: Obj) => void>();
  private seq = 0;

  constructor(
    private readonly inner: Transport,
    private readonly opts: TasksExtOptions = {},
  ) {}

  get hasPerRequestStream(): boolean | undefined {
    return this.inner.hasPerRequestStream;
  }
  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }
  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  async start(): Promise<void> {
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (e) => this.onerror?.(e);
    this.inner.onmessage = (m, extra) => this.incoming(m, extra);
    await this.inner.start();
  }

  async close(): Promise<void> {
    for (const c of this.calls.values()) c.stopped = true;
    await this.inner.close();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const m = withExtension(message);
    if (m.method === 'tools/call' && (typeof m.id === 'string' || typeof m.id === 'number')) {
      const id = m.id;
      const envelope = isObj(m.params) && isObj(m.params._meta) ? m.params._meta : {};
      this.calls.set(id, { envelope, stopped: false });
      options?.requestSignal?.addEventListener('abort', () => this.stop(id, 'the call was aborted'), { once: true });
    }
    if (m.method === 'notifications/cancelled' && isObj(m.params)) {
      const rid = m.params.requestId;
      if (typeof rid === 'string' || typeof rid === 'number') this.stop(rid, 'notifications/cancelled');
    }
    return this.inner.send(m as JSONRPCMessage, options);
  }

  private incoming(m: Obj, extra?: MessageExtraInfo): void {
    const id = m.id;
    if (typeof id === 'string' && this.internal.has(id) && !('method' in m)) {
      const resolve = this.internal.get(id);
      this.internal.delete(id);
      resolve?.(m);
      return;
    }
    if ((typeof id === 'string' || typeof id === 'number') && this.calls.has(id) && !('method' in m)) {
      const call = this.calls.get(id);
      const result = m.result;
      if (call && isObj(result) && result.resultType === 'task' && typeof result.taskId === 'string') {
        call.taskId = result.taskId;
        this.opts.onTask?.(seen(result));
        void this.follow(id, call, result);
        return;
      }
      this.calls.delete(id);
    }
    this.onmessage?.(m as JSONRPCMessage, extra);
  }

  private request(method: string, params: Obj): Promise<Obj> {
    const id = `tasks-ext-${++this.seq}`;
    return new Promise((resolve, reject) => {
      this.internal.set(id, resolve);
      this.inner.send({ jsonrpc: '2.0', id, method, params }).catch((e: unknown) => {
        this.internal.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      });
    });
  }

  /** Poll the task until it ends; its outcome becomes the original tools/call's answer. */
  private async follow(id: Id, call: Call, task: Obj): Promise<void> {
    let t = task;
    try {
      while (!TERMINAL.has(String(t.status))) {
        const every = typeof t.pollIntervalMs === 'number' ? t.pollIntervalMs : (this.opts.pollIntervalMs ?? 1000);
        await new Promise((r) => setTimeout(r, every));
        if (call.stopped) return;
        const answer = await this.request('tasks/get', { taskId: call.taskId, _meta: call.envelope });
        if (call.stopped) return;
        if (isObj(answer.error)) return this.deliver(id, { jsonrpc: '2.0', id, error: answer.error });
        t = isObj(answer.result) ? answer.result : {};
        this.opts.onTask?.(seen(t));
      }
    } catch (err) {
      return this.deliver(id, { jsonrpc: '2.0', id, error: { code: -32603, message: `tasks/get failed: ${(err as Error).message}` } });
    }
    if (t.status === 'completed' && isObj(t.result)) return this.deliver(id, { jsonrpc: '2.0', id, result: { ...t.result, resultType: 'complete' } });
    if (t.status === 'failed' && isObj(t.error)) return this.deliver(id, { jsonrpc: '2.0', id, error: t.error });
    this.deliver(id, {
      jsonrpc: '2.0',
      id,
      error: { code: -32800, message: `task ${String(call.taskId)} ${String(t.status)}: ${typeof t.statusMessage === 'string' ? t.statusMessage : ''}` },
    });
  }

  private deliver(id: Id, m: Obj): void {
    this.calls.delete(id);
    this.onmessage?.(m as JSONRPCMessage);
  }

  private stop(id: Id, reason: string): void {
    const call = this.calls.get(id);
    if (!call || call.stopped) return;
    call.stopped = true;
    this.calls.delete(id);
    if (call.taskId)
      void this.request('tasks/cancel', { taskId: call.taskId, _meta: call.envelope }).catch((e: unknown) =>
        this.onerror?.(new Error(`tasks/cancel (${reason}): ${String(e)}`)),
      );
  }
}

const seen = (t: Obj): TaskSeen => ({
  taskId: String(t.taskId),
  status: String(t.status),
  ...(typeof t.statusMessage === 'string' ? { statusMessage: t.statusMessage } : {}),
});

/** The message with the Tasks extension declared in its request envelope (when it has one). */
function withExtension(m: Obj): Obj {
  if (!isObj(m.params) || !isObj(m.params._meta) || !isObj(m.params._meta[CAPS])) return m;
  const caps = m.params._meta[CAPS];
  const extensions = isObj(caps.extensions) ? caps.extensions : {};
  return {
    ...m,
    params: { ...m.params, _meta: { ...m.params._meta, [CAPS]: { ...caps, extensions: { ...extensions, [TASKS_EXTENSION_ID]: {} } } } },
  };
}
