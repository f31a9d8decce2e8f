// stdio for Claude Desktop style clients. stdout carries only MCP messages; logs go to stderr.
//   serveStdio: an in-process server (aegisflow mcp --standalone) on this process's stdin/stdout.
//   bridgeStdioToHttp: relay every message between stdin/stdout and the running app's /mcp, so the
//   app's gateway, sessions and operator approvals apply exactly as for HTTP clients.
import type { Readable, Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
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
 * 403) are answered as JSON-RPC errors to the pending request, so the client shows why.
 */
export async function bridgeStdioToHttp(o: BridgeOptions): Promise<{ closed: Promise<void> }> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const stdio = new StdioServerTransport(o.stdin, o.stdout);
  const headers: Record<string, string> = { authorization: `Bearer ${o.token}` };
  if (o.agent) headers[AGENT_HEADER] = o.agent;
  const http = new StreamableHTTPClientTransport(new URL(o.url), { requestInit: { headers } });
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
  stdio.onmessage = (msg: JSONRPCMessage) => {
    http.send(msg).catch((err: Error) => {
      log(`aegisflow mcp: ${err.message}`);
      if ('id' in msg && msg.id !== undefined && 'method' in msg) {
        void stdio.send({ jsonrpc: '2.0', id: msg.id, error: { code: -32000, message: `AegisFlow at ${o.url}: ${err.message}` } });
      }
    });
  };
  http.onmessage = (msg) => void stdio.send(msg).catch(() => {});
  http.onerror = (err) => log(`aegisflow mcp: ${err.message}`);
  stdio.onclose = () => void shutdown();
  await http.start();
  await stdio.start();
  (o.stdin ?? process.stdin).once('end', () => void shutdown());
  return { closed };
}
