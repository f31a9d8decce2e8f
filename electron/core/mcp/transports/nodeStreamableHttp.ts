// A Node-native server transport for MCP's Streamable HTTP (spec 2025-03-26 … 2025-11-25), plugged
// into the SDK's McpServer through the SDK's own Transport interface.
//
// Why not the SDK's StreamableHTTPServerTransport: since 1.2x it wraps the web-standard transport with
// @hono/node-server, so every call builds a WHATWG Request, a ReadableStream for its SSE response, an
// AbortSignal and a Response, and converts them back to node:http. In bench:mcp that conversion cost
// more server CPU per call than the whole governance layer. This transport writes to the
// ServerResponse directly and answers a request with one JSON body unless it has something to stream:
//   - a POST holding requests gets `application/json` when its responses are the only messages; the
//     moment the server sends a message related to one of its requests before the answer (progress
//     while a call waits for an operator), the response switches to `text/event-stream` and carries
//     the notifications and then the answer as SSE events. The spec lets the server pick either, per
//     POST; the SDK client (and any conforming client) accepts both.
//   - a POST holding only notifications or responses gets 202.
//   - GET opens the session's one standalone SSE stream (409 if one is open), with keep-alive comments.
//   - DELETE ends the session.
// Checks kept from the SDK transport: Accept (406), Content-Type (415), batch size, session id (400
// missing / 404 unknown), MCP-Protocol-Version (400 unsupported), one initialize per session. Messages
// are checked for JSON-RPC shape here; the SDK's Protocol validates each request against its
// method's schema, and McpServer validates tool arguments, as with any transport.
// Ids are checked here too (finding 10): the SDK's Protocol drops a request whose id is not a string
// or an integer without answering, and a batch with one id twice never completed, so both hung. Now
// either is refused at once (400, -32600) before anything runs.
// A batch does not hold the event loop: its messages are handed to the server one per turn
// (../turns.ts), so ingest, approvals and other agents' requests run between them, and each answer is
// serialised when it arrives instead of the whole batch at the end.
// Not supported: resumability (Last-Event-ID replay) — the SDK transport only offers it with an event
// store, which AegisFlow does not configure either.
import type http from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { onNextTurn } from '../turns';
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/** The SDK transport's batch limit (the default of mcp.maxBatch). */
export const MAX_BATCH = 100;
const MAX_ABANDONED = 1000;
/** The response headers of an SSE stream (no proxy buffering or transforming it), for both revisions' /mcp. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

export interface NodeStreamableHttpOptions {
  sessionIdGenerator: () => string;
  onsessioninitialized?: (sessionId: string) => void;
  onsessionclosed?: (sessionId: string) => void;
  /** Interval of SSE keep-alive comments on open streams (ms); 0 turns them off. */
  keepAliveMs?: number;
  /** Most messages in one POST (default MAX_BATCH). */
  maxBatch?: number;
}

type Message = Record<string, unknown>;

/** One POST that carried requests: where their answers (and related messages) go. */
interface PendingPost {
  res: http.ServerResponse;
  /** Request ids this POST carried, in order, and the answers received so far (serialised on arrival). */
  ids: RequestId[];
  answers: Map<RequestId, Buffer>;
  sse: boolean;
  /** The HTTP response is over (all answered, or the client went away). */
  done: boolean;
}

const isObject = (v: unknown): v is Message => typeof v === 'object' && v !== null && !Array.isArray(v);
/** MCP's RequestId: a string or an integer (the SDK ignores any other id without answering). */
const isId = (v: unknown): v is RequestId => typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));

/** JSON-RPC 2.0 shape: a request (method + id), a notification (method), or a response (id + result|error). */
export function jsonRpcShape(m: unknown): 'request' | 'notification' | 'response' | null {
  if (!isObject(m) || m.jsonrpc !== '2.0') return null;
  if (typeof m.method === 'string') {
    if (m.params !== undefined && !isObject(m.params)) return null;
    if (!('id' in m)) return 'notification';
    return isId(m.id) ? 'request' : null;
  }
  if (isId(m.id) && ('result' in m ? isObject(m.result) && !('error' in m) : isObject(m.error))) return 'response';
  if (m.id === null && isObject(m.error)) return 'response';
  return null;
}

const isResponse = (m: JSONRPCMessage): boolean => 'id' in m && ('result' in m || 'error' in m);

function sendRpcError(res: http.ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

const SSE_HEAD = Buffer.from('event: message\ndata: ');
const SSE_TAIL = Buffer.from('\n\n');
const sseEvent = (m: JSONRPCMessage) => `event: message\ndata: ${JSON.stringify(m)}\n\n`;
const sseWrite = (res: http.ServerResponse, json: Buffer) => res.write(Buffer.concat([SSE_HEAD, json, SSE_TAIL]));
const COMMA = Buffer.from(',');

export class NodeStreamableHttpTransport implements Transport {
  sessionId: string | undefined;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private initialized = false;
  private closed = false;
  private readonly pending = new Map<RequestId, PendingPost>();
  /** Requests whose client closed the connection before their answer: late answers are dropped. */
  private readonly abandoned = new Set<RequestId>();
  private standalone: { res: http.ServerResponse; timer?: NodeJS.Timeout } | null = null;

  constructor(private readonly opts: NodeStreamableHttpOptions) {}

  /** A request of this session is still running (a session with a call in flight is never evicted). */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  async start(): Promise<void> {}

  /** Serve one HTTP request of this session. `body` is the parsed JSON of a POST. */
  async handleRequest(req: http.IncomingMessage, res: http.ServerResponse, body?: unknown, authInfo?: AuthInfo): Promise<void> {
    if (this.closed) return sendRpcError(res, 404, -32001, 'Session not found');
    switch (req.method) {
      case 'POST':
        return this.post(req, res, body, authInfo);
      case 'GET':
        return this.get(req, res);
      case 'DELETE':
        return this.delete(req, res);
      default:
        return sendRpcError(res, 405, -32000, 'Method not allowed.', { allow: 'GET, POST, DELETE' });
    }
  }

  private fail(res: http.ServerResponse, status: number, code: number, message: string): void {
    this.onerror?.(new Error(message));
    sendRpcError(res, status, code, message);
  }

  /** Session id and protocol version headers of every request after initialize. */
  private checkSession(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (!this.initialized) {
      this.fail(res, 400, -32000, 'Bad Request: Server not initialized');
      return false;
    }
    const sid = req.headers['mcp-session-id'];
    if (typeof sid !== 'string' || sid === '') {
      this.fail(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return false;
    }
    if (sid !== this.sessionId) {
      this.fail(res, 404, -32001, 'Session not found');
      return false;
    }
    const v = req.headers['mcp-protocol-version'];
    if (typeof v === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(v)) {
      this.fail(res, 400, -32000, `Bad Request: Unsupported protocol version: ${v} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`);
      return false;
    }
    return true;
  }

  private post(req: http.IncomingMessage, res: http.ServerResponse, body: unknown, authInfo: AuthInfo | undefined): void {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return this.fail(res, 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    const ct = (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
    if (ct !== 'application/json') return this.fail(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    const raw = Array.isArray(body) ? body : [body];
    const maxBatch = this.opts.maxBatch ?? MAX_BATCH;
    if (raw.length === 0 || raw.length > maxBatch)
      return this.fail(res, 400, -32600, `Invalid Request: a batch holds 1 to ${maxBatch} messages (mcp.maxBatch)`);
    let requests = 0;
    let init = false;
    const seen = new Set<RequestId>();
    for (let i = 0; i < raw.length; i++) {
      const m = raw[i];
      const kind = jsonRpcShape(m);
      if (kind === null) {
        const badId = isObject(m) && 'id' in m && m.id !== null && !isId(m.id);
        const where = raw.length > 1 ? ` (message ${i} of the batch)` : '';
        return this.fail(
          res,
          400,
          -32600,
          badId ? `Invalid Request: the id must be a string or an integer${where}` : `Invalid Request: not a JSON-RPC 2.0 message${where}`,
        );
      }
      if (kind === 'request') {
        requests++;
        const id = (m as { id: RequestId }).id;
        if (seen.has(id)) return this.fail(res, 400, -32600, `Invalid Request: request id ${JSON.stringify(id)} appears twice in the batch`);
        seen.add(id);
        if ((m as Message).method === 'initialize') init = true;
      }
    }
    const messages = raw as JSONRPCMessage[];
    if (init) {
      if (this.initialized) return this.fail(res, 400, -32600, 'Invalid Request: Server already initialized');
      if (messages.length > 1) return this.fail(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed');
      this.sessionId = this.opts.sessionIdGenerator();
      this.initialized = true;
      this.opts.onsessioninitialized?.(this.sessionId);
    } else if (!this.checkSession(req, res)) {
      return;
    }
    const extra: MessageExtraInfo = { requestInfo: { headers: req.headers }, ...(authInfo ? { authInfo } : {}) };
    if (requests === 0) {
      res.writeHead(202).end();
      this.dispatch(messages, extra, null);
      return;
    }
    const post: PendingPost = { res, ids: [], answers: new Map(), sse: false, done: false };
    for (const m of messages)
      if ('method' in m && 'id' in m) {
        if (this.pending.has(m.id)) return this.fail(res, 400, -32600, `Invalid Request: request id ${String(m.id)} is already in flight`);
        post.ids.push(m.id);
      }
    for (const id of post.ids) this.pending.set(id, post);
    // The client went away before every answer was written. Its requests are cancelled, as if it had
    // sent notifications/cancelled: a call waiting for an operator stops watching its pending call,
    // which stays (issue 20): approved, it runs once, and a retry or get_approval_status collects the
    // outcome. Answers still arriving are dropped.
    res.on('close', () => {
      if (post.done) return;
      this.finish(post);
      for (const id of post.ids) {
        if (post.answers.has(id)) continue;
        if (this.abandoned.size >= MAX_ABANDONED) this.abandoned.clear();
        this.abandoned.add(id);
        this.onmessage?.(
          { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the client closed the HTTP connection' } },
          extra,
        );
      }
    });
    this.dispatch(messages, extra, post);
  }

  /**
   * Hand a POST's messages to the server: the first now, each further one on a later turn of the event
   * loop, so a batch of heavy calls interleaves with everything else instead of running back to back.
   * Requests not yet handed over when their client goes away (or the session closes) are dropped.
   */
  private dispatch(messages: JSONRPCMessage[], extra: MessageExtraInfo, post: PendingPost | null): void {
    let i = 0;
    const next = () => {
      while (i < messages.length) {
        const m = messages[i++];
        if (this.closed) return;
        if (post?.done && 'id' in m && 'method' in m) {
          this.abandoned.delete(m.id); // never started: nothing will answer it
          continue;
        }
        try {
          this.onmessage?.(m, extra);
        } catch (err) {
          this.onerror?.(err as Error);
        }
        if (i < messages.length) {
          onNextTurn(next);
          return;
        }
      }
    };
    next();
  }

  private get(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) return this.fail(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    if (!this.checkSession(req, res)) return;
    if (this.standalone) return this.fail(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    res.writeHead(200, { ...SSE_HEADERS, ...this.sessionHeader() });
    res.flushHeaders();
    const stream: { res: http.ServerResponse; timer?: NodeJS.Timeout } = { res };
    const every = this.opts.keepAliveMs ?? 15_000;
    if (every > 0) {
      stream.timer = setInterval(() => res.write(': keep-alive\n\n'), every);
      stream.timer.unref?.();
    }
    this.standalone = stream;
    res.on('close', () => {
      if (stream.timer) clearInterval(stream.timer);
      if (this.standalone === stream) this.standalone = null;
    });
  }

  private delete(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.checkSession(req, res)) return;
    const id = this.sessionId!;
    res.writeHead(200).end();
    this.opts.onsessionclosed?.(id);
    void this.close();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const answer = isResponse(message);
    const requestId = answer ? (message as { id: RequestId }).id : options?.relatedRequestId;
    if (requestId === undefined) {
      if (answer) throw new Error('Cannot send a response on a standalone SSE stream unless resuming a previous client request');
      // Server-initiated (list changed, logging without a request): the GET stream if one is open.
      if (this.standalone && !this.standalone.res.writableEnded) this.standalone.res.write(sseEvent(message));
      return;
    }
    const post = this.pending.get(requestId);
    if (!post) {
      if (this.closed) return;
      // An answer (or progress) for a request whose client went away: drop it quietly.
      if (this.abandoned.has(requestId)) {
        if (answer) this.abandoned.delete(requestId);
        return;
      }
      throw new Error(`No connection established for request ID: ${String(requestId)}`);
    }
    if (!answer) {
      // Something to stream before the answer: switch this POST's response to SSE.
      this.toSse(post);
      post.res.write(sseEvent(message));
      return;
    }
    const json = Buffer.from(JSON.stringify(message));
    post.answers.set(requestId, json);
    if (post.sse) sseWrite(post.res, json);
    if (post.answers.size < post.ids.length) return;
    if (post.sse) post.res.end();
    else this.answerAsJson(post);
    this.finish(post);
  }

  /** The POST's answers as one JSON body: the answer itself, or an array in request order for a batch. */
  private answerAsJson(post: PendingPost): void {
    let body: Buffer;
    if (post.ids.length === 1) body = post.answers.get(post.ids[0])!;
    else {
      const parts: Buffer[] = [Buffer.from('[')];
      post.ids.forEach((id, i) => parts.push(...(i > 0 ? [COMMA] : []), post.answers.get(id)!));
      parts.push(Buffer.from(']'));
      body = Buffer.concat(parts);
    }
    post.res.writeHead(200, { ...this.sessionHeader(), 'content-type': 'application/json', 'content-length': body.length }).end(body);
  }

  private sessionHeader(): Record<string, string> {
    return this.sessionId !== undefined ? { 'mcp-session-id': this.sessionId } : {};
  }

  private toSse(post: PendingPost): void {
    if (post.sse) return;
    post.sse = true;
    post.res.writeHead(200, { ...SSE_HEADERS, ...this.sessionHeader() });
    // Answers already collected for this POST go out first.
    for (const id of post.ids) {
      const a = post.answers.get(id);
      if (a) sseWrite(post.res, a);
    }
  }

  private finish(post: PendingPost): void {
    post.done = true;
    for (const id of post.ids) if (this.pending.get(id) === post) this.pending.delete(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Requests still running get an answer instead of a hanging connection.
    for (const post of new Set(this.pending.values())) {
      const missing = post.ids.filter((id) => !post.answers.has(id));
      for (const id of missing)
        post.answers.set(
          id,
          Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: 'MCP session closed before the request finished' } })),
        );
      if (post.sse) {
        for (const id of missing) sseWrite(post.res, post.answers.get(id)!);
        post.res.end();
      } else this.answerAsJson(post);
      this.finish(post);
    }
    if (this.standalone) {
      if (this.standalone.timer) clearInterval(this.standalone.timer);
      this.standalone.res.end();
      this.standalone = null;
    }
    this.onclose?.();
  }
}
