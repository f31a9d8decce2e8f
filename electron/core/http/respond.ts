// What a route handler gets and how it answers: a context with a size-limited body, JSON replies, and
// HttpError for a status the dispatcher sends.
import type http from 'node:http';
import type { Caller } from '../../../shared/operators';

export interface RouteContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  /** The operator session behind the request (null on public and agent routes without one). */
  caller: Caller | null;
  /** Reads and size-limits the body; rejects with HttpError(413/400). */
  body(): Promise<Buffer>;
  json(): Promise<unknown>;
}
export type RouteHandler = (ctx: RouteContext) => void | Promise<void>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) return reject(new HttpError(413, `body larger than ${maxBytes} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new HttpError(413, `body larger than ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The route context of one request; the body is read once, on first use. */
export function routeContext(req: http.IncomingMessage, res: http.ServerResponse, url: URL, caller: Caller | null, maxBytes: number): RouteContext {
  let bodyPromise: Promise<Buffer> | null = null;
  const body = () => (bodyPromise ??= readBody(req, maxBytes));
  return {
    req,
    res,
    url,
    caller,
    body,
    json: async () => {
      const b = await body();
      try {
        return JSON.parse(b.toString('utf8')) as unknown;
      } catch (err) {
        throw new HttpError(400, `body is not valid JSON: ${(err as Error).message}`);
      }
    },
  };
}
