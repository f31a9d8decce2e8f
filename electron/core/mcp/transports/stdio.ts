// stdio for Claude Desktop style clients. stdout carries only MCP messages; logs go to stderr.
//   serveStdio: an in-process server (aegisflow mcp --standalone) on this process's stdin/stdout, both
//   revisions (2026-07-28 requests by their `_meta` envelope, the rest as a 2025-11-25 session).
//   bridgeStdioToHttp: relay every message between stdin/stdout and the running app's /mcp, so the
//   app's gateway, sessions and operator approvals apply exactly as for HTTP clients. A 2026-07-28
//   message goes out as it came (no session, its own POST) and /mcp serves it statelessly.
import type { Readable, Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { envelopeRevision, type ModernEndpoint } from '../modern';
import { createTransportFetch } from './fetch';
import { AGENT_HEADER } from './endpoint';

/**
 * With `modern`, a message carrying a revision 2026-07-28 `_meta` envelope is served by it (stateless,
 * answered on the same stdout); everything else is the 2025-11-25 session of `server`.
 */
export async function serveStdio(
  server: McpServer,
  io: { stdin?: Readable; stdout?: Writable } = {},
  modern?: ModernEndpoint,
): Promise<{ closed: Promise<void> }> {
  const transport = new StdioServerTransport(io.stdin, io.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => {
      void modern?.close();
      resolve();
    };
  });
  await server.connect(transport);
  if (modern) {
    const legacy = transport.onmessage;
    const out = (m: JSONRPCMessage) => void transport.send(m).catch(() => {});
    const sink = { notify: out, answer: out };
    transport.onmessage = (msg: JSONRPCMessage) => {
      if (envelopeRevision(msg) === null) legacy?.(msg);
      else modern.handle(msg, sink);
    };
  }
  // The SDK's stdio transport does not notice EOF on stdin: the client closing its pipe ends the session.
  (io.stdin ?? process.stdin).once('end', () => void server.close());
  return { closed };
}

/**
 * Line-delimited JSON-RPC on stdio for the bridge. Unlike the SDK's stdio transport, a line that is not
 * JSON is answered with a JSON-RPC parse error (-32700, id null) and a JSON value that is not a
 * JSON-RPC message with invalid request (-32600), instead of being dropped with no answer (issue 19).
 */
class LineStdio {
  onmessage?: (msg: JSONRPCMessage) => void;
  onclose?: () => void;
  private buf = '';
  private closed = false;
  constructor(
    private readonly stdin: Readable,
    private readonly stdout: Writable,
  ) {}
  private readonly onData = (chunk: Buffer | string) => {
    this.buf += chunk.toString();
    let i;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '');
      this.buf = this.buf.slice(i + 1);
      this.line(line);
    }
  };
  private readonly onEnd = () => void this.close();
  private line(line: string): void {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      void this.send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${(err as Error).message}` } } as unknown as JSONRPCMessage);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const id = raw && typeof raw === 'object' && 'id' in raw && (typeof raw.id === 'string' || typeof raw.id === 'number') ? raw.id : null;
      void this.send({ jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid Request: not a JSON-RPC 2.0 message' } } as unknown as JSONRPCMessage);
      return;
    }
    this.onmessage?.(parsed.data);
  }
  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('end', this.onEnd);
  }
  send(msg: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      if (this.stdout.write(JSON.stringify(msg) + '\n')) resolve();
      else this.stdout.once('drain', () => resolve());
    });
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onEnd);
    this.stdin.pause();
    this.onclose?.();
  }
}

export interface BridgeOptions {
  url: string;
  token: string;
  /** Sent as X-AegisFlow-Agent; the server refuses a token of another agent. */
  agent?: string;
  stdin?: Readable;
  stdout?: Writable;
  log?: (msg: string) => void;
}

/**
 * Relay JSON-RPC between stdio and Streamable HTTP. Transport-level failures (app not running, 401,
 * 403) are answered as JSON-RPC errors to the pending request, so the client shows why. A desktop
 * client stays open for hours while the app closes idle sessions (and may restart): on 404 the
 * bridge opens a new session by replaying the client's initialize, then resends the message.
 */
export async function bridgeStdioToHttp(o: BridgeOptions): Promise<{ closed: Promise<void> }> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const stdio = new LineStdio(o.stdin ?? process.stdin, o.stdout ?? process.stdout);
  const headers: Record<string, string> = { authorization: `Bearer ${o.token}` };
  if (o.agent) headers[AGENT_HEADER] = o.agent;
  let initialize: JSONRPCMessage | null = null;
  /**
   * A pipelined client sends its next messages before the initialize reply, which carries the session
   * id: they wait here until that reply (or the initialize's failure) instead of failing for want of a
   * session (issue 19).
   */
  let initGate: { id: string | number; open: () => void; promise: Promise<void> } | null = null;
  /** Ids of replayed initialize requests: their answers are for the bridge, not the client. */
  const internal = new Set<string | number>();
  let reinitSeq = 0;
  let http: StreamableHTTPClientTransport;
  const transportFetch = createTransportFetch();
  const open = async () => {
    const t = new StreamableHTTPClientTransport(new URL(o.url), { requestInit: { headers }, fetch: transportFetch });
    t.onmessage = (msg) => {
      if (initGate && 'id' in msg && msg.id === initGate.id && !('method' in msg)) {
        const g = initGate;
        void stdio
          .send(msg)
          .catch(() => {})
          .finally(() => g.open());
        return;
      }
      if ('id' in msg && msg.id !== undefined && internal.delete(msg.id)) return;
      void stdio.send(msg).catch(() => {});
    };
    t.onerror = (err) => log(`aegisflow mcp: ${err.message}`);
    await t.start();
    http = t;
  };
  const reopen = async () => {
    const old = http;
    await old.close().catch(() => {});
    await open();
    if (!initialize) return;
    const id = `aegisflow-bridge-reinit-${++reinitSeq}`;
    internal.add(id);
    await http.send({ ...(initialize as object), id } as JSONRPCMessage);
    await http.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    log('aegisflow mcp: the app closed the session; opened a new one');
  };
  let done!: () => void;
  const closed = new Promise<void>((r) => (done = r));
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await http.terminateSession().catch(() => {});
    await http.close().catch(() => {});
    await stdio.close().catch(() => {});
    done();
  };
  const fail = (msg: JSONRPCMessage, err: Error) => {
    log(`aegisflow mcp: ${err.message}`);
    if ('id' in msg && msg.id !== undefined && 'method' in msg) {
      void stdio.send({ jsonrpc: '2.0', id: msg.id, error: { code: -32000, message: `AegisFlow at ${o.url}: ${err.message}` } });
    }
  };
  // Messages go out concurrently (a client may have many calls in flight); only a re-initialisation
  // holds them back, so that nothing is sent on a session that is being replaced.
  let reopening: Promise<void> | null = null;
  stdio.onmessage = (msg: JSONRPCMessage) => {
    const isInit = 'method' in msg && msg.method === 'initialize';
    const waitFor = isInit ? null : initGate?.promise;
    if (isInit && 'id' in msg) {
      initialize = msg;
      let open!: () => void;
      const promise = new Promise<void>((r) => (open = r));
      const gate = {
        id: msg.id,
        open: () => {
          if (initGate === gate) initGate = null;
          open();
        },
        promise,
      };
      initGate = gate;
    }
    void (async () => {
      if (waitFor) await waitFor;
      if (reopening) await reopening.catch(() => {});
      const used = http;
      try {
        await used.send(msg);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 404 && initialize && !('method' in msg && msg.method === 'initialize')) {
          try {
            // The first 404 reopens; messages that failed on the same old session wait for it.
            if (http === used && !reopening) reopening = reopen().finally(() => (reopening = null));
            if (reopening) await reopening;
            await http.send(msg);
            return;
          } catch (err2) {
            return fail(msg, err2 as Error);
          }
        }
        fail(msg, err as Error);
        if (isInit) initGate?.open();
      }
    })();
  };
  stdio.onclose = () => void shutdown();
  await open();
  await stdio.start();
  (o.stdin ?? process.stdin).once('end', () => void shutdown());
  return { closed };
}
