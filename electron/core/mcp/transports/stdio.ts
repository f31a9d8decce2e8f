// stdio for Claude Desktop style clients. stdout carries only MCP messages; logs go to stderr.
//   serveStdio: an in-process server (aegisflow mcp --standalone) on this process's stdin/stdout.
//   bridgeStdioToHttp: relay every message between stdin/stdout and the running app's /mcp, so the
//   app's gateway, sessions and operator approvals apply exactly as for HTTP clients.
import type { Readable, Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createTransportFetch } from './fetch';
import { AGENT_HEADER } from './streamableHttp';

export async function serveStdio(server: McpServer, io: { stdin?: Readable; stdout?: Writable } = {}): Promise<{ closed: Promise<void> }> {
  const transport = new StdioServerTransport(io.stdin, io.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  // The SDK's stdio transport does not notice EOF on stdin: the client closing its pipe ends the session.
  (io.stdin ?? process.stdin).once('end', () => void server.close());
  return { closed };
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
  const stdio = new StdioServerTransport(o.stdin, o.stdout);
  const headers: Record<string, string> = { authorization: `Bearer ${o.token}` };
  if (o.agent) headers[AGENT_HEADER] = o.agent;
  let initialize: JSONRPCMessage | null = null;
  /** Ids of replayed initialize requests: their answers are for the bridge, not the client. */
  const internal = new Set<string | number>();
  let reinitSeq = 0;
  let http: StreamableHTTPClientTransport;
  const transportFetch = createTransportFetch();
  const open = async () => {
    const t = new StreamableHTTPClientTransport(new URL(o.url), { requestInit: { headers }, fetch: transportFetch });
    t.onmessage = (msg) => {
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
    if ('method' in msg && msg.method === 'initialize') initialize = msg;
    void (async () => {
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
      }
    })();
  };
  stdio.onclose = () => void shutdown();
  await open();
  await stdio.start();
  (o.stdin ?? process.stdin).once('end', () => void shutdown());
  return { closed };
}
