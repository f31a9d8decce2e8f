// The built renderer, served as files. The page and its code are public: they hold no data, and the
// page logs in before it asks for any.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendJson } from './respond';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export function defaultStaticDir(): string {
  // electron/core/http → repo root → out/renderer
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'out', 'renderer');
}

export function serveStatic(staticDir: string, url: URL, res: http.ServerResponse): void {
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    return sendJson(res, 400, { error: 'bad path encoding' });
  }
  // A NUL byte made fs throw synchronously and took the whole process down (issue 19 fuzz: GET /%00).
  if (rel.includes('\0')) return sendJson(res, 400, { error: 'bad path' });
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = path.resolve(staticDir, '.' + rel);
  if (!file.startsWith(staticDir + path.sep)) return sendJson(res, 403, { error: 'forbidden' });
  fs.readFile(file, (err, data) => {
    if (err) {
      if (rel === '/index.html') {
        res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<!doctype html><title>AegisFlow</title><body style="font-family:sans-serif;background:#d9d9d9">' +
            '<h1>AegisFlow core is running</h1><p>The control room UI is not built yet. Run <code>npm run build</code>, then reload.</p>' +
            '<p>Live status: <a href="/api/v1/status">/api/v1/status</a></p></body>',
        );
        return;
      }
      return sendJson(res, 404, { error: 'not found' });
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'content-security-policy':
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'",
    });
    res.end(data);
  });
}
