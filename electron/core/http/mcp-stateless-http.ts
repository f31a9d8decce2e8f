// Revision 2026-07-28 on /mcp: one POST is one request, authenticated on its own (the agent's bearer
// token, Host and Origin checked by mcp-streamable-http.ts before this runs), no session. The answer is
// one JSON body unless the request streams first (progress while a call waits for an operator, a
// subscriptions/listen stream), then SSE. The client closing the response cancels the request.
import type http from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SSE_HEADERS, envelopeRevision, jsonRpcShape, type ModernEndpoint, type ModernSink } from '../mcp';

const KEEP_ALIVE_MS = 15_000;

/**
 * Is this a 2026-07-28 request? Body first (the `_meta` envelope names the revision, as the SDK's
 * classifier does); a POST without one is still modern when it names a 2026 revision in its
 * MCP-Protocol-Version header and has no session (a probe the server answers with the version error).
 */
export function isModernRequest(req: http.IncomingMessage, body: unknown): boolean {
  if (req.method !== 'POST') return false;
  if (Array.isArray(body)) return body.some((m) => envelopeRevision(m) !== null);
  if (envelopeRevision(body) !== null) return true;
  const v = req.headers['mcp-protocol-version'];
  return typeof v === 'string' && v >= '2026-' && req.headers['mcp-session-id'] === undefined;
}

function fail(res: http.ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

/**
 * Serve one 2026-07-28 POST. `onRefused` hears a request refused before it reached the endpoint (the
 * agent's invalid call, as the 2025 transport's refusals are).
 */
export function serveModern(
  endpoint: ModernEndpoint,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: unknown,
  agentId: string,
  onRefused?: (message: string) => void,
): void {
  const refuse = (status: number, code: number, message: string) => {
    onRefused?.(message);
    fail(res, status, code, message);
  };
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream'))
    return refuse(406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
  const ct = (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
  if (ct !== 'application/json') return refuse(415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
  if (Array.isArray(body)) return refuse(400, -32600, 'Invalid Request: revision 2026-07-28 has no JSON-RPC batches; send one message per POST');
  const kind = jsonRpcShape(body);
  if (kind === null) return refuse(400, -32600, 'Invalid Request: not a JSON-RPC 2.0 message');
  const message = body as JSONRPCMessage;
  const auth: AuthInfo = { token: '(agent bearer token)', clientId: agentId, scopes: [], extra: { agentId } };
  const extra = { requestInfo: { headers: req.headers }, authInfo: auth };
  if (kind !== 'request') {
    res.writeHead(202).end();
    endpoint.handle(message, { notify: () => {}, answer: () => {} }, extra);
    return;
  }
  let sse = false;
  let done = false;
  const sink: ModernSink = {
    notify(m) {
      if (done) return;
      if (!sse) {
        sse = true;
        res.writeHead(200, SSE_HEADERS);
      }
      res.write(`event: message\ndata: ${JSON.stringify(m)}\n\n`);
    },
    answer(m) {
      if (done) return;
      done = true;
      const json = JSON.stringify(m);
      if (sse) res.end(`event: message\ndata: ${json}\n\n`);
      else res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
    },
    end() {
      // Cancelled by a notifications/cancelled on another POST (a stdio bridge has no stream to close): no answer.
      if (done) return;
      done = true;
      if (!sse) res.writeHead(200, SSE_HEADERS);
      res.end();
    },
  };
  const call = endpoint.handle(message, sink, extra);
  if (!call || done) return;
  // A subscription stream stays open for hours: comments keep idle proxies and sockets from closing it.
  const keepAlive =
    'method' in message && message.method === 'subscriptions/listen'
      ? setInterval(() => {
          if (sse && !done) res.write(': keep-alive\n\n');
        }, KEEP_ALIVE_MS)
      : null;
  keepAlive?.unref?.();
  res.on('close', () => {
    if (keepAlive) clearInterval(keepAlive);
    if (done) return;
    done = true;
    call.cancel('the client closed the response stream');
  });
}
