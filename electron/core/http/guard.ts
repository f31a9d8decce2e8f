// The door of serve mode (issue 13): loopback is not authentication. Every request and upgrade must
// name an allowed Host exactly (DNS rebinding) and carry a same-origin Origin when it carries one; the
// operator session travels in an HttpOnly, SameSite=Strict cookie.
import type http from 'node:http';

/** Loopback names, exactly: no prefix matching (127.0.0.1.nip.io resolves anywhere). */
export const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopbackHost = (h: string) => LOOPBACK.has(h.toLowerCase());

/** A Host header as name (lower case, IPv6 without brackets) and port, or null when malformed. */
export function parseHostHeader(h: string | undefined): { name: string; port: number | null } | null {
  if (!h || h.length > 260) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m) return null;
  return { name: m[1].replace(/^\[|\]$/g, '').toLowerCase(), port: m[2] !== undefined ? Number(m[2]) : null };
}

/**
 * The exact Host allowlist: localhost, 127.0.0.1 and [::1], the bind address when it is a specific one,
 * and configured names. An entry "name" matches that name on the server's own port (or with no port
 * only when that port is 80); "name:port" matches exactly.
 */
export function hostAllowed(host: string | undefined, serverPort: number | null, bindHost: string, allowed: readonly string[]): boolean {
  const h = parseHostHeader(host);
  if (!h) return false;
  const names = new Set([...LOOPBACK, ...(bindHost === '0.0.0.0' || bindHost === '::' ? [] : [bindHost.toLowerCase()])]);
  for (const a of allowed) {
    const e = parseHostHeader(a);
    if (!e) continue;
    if (e.port !== null) {
      if (e.name === h.name && e.port === (h.port ?? 80)) return true;
    } else names.add(e.name);
  }
  if (!names.has(h.name)) return false;
  return h.port === serverPort || (h.port === null && serverPort === 80);
}

/** Origin, when a browser sends one, must be this very server as the client named it (scheme://Host). */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true; // non-browser clients (CLI, tests, agents) send none
  try {
    const o = new URL(origin);
    return (o.protocol === 'http:' || o.protocol === 'https:') && o.host.toLowerCase() === String(host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

export const SESSION_COOKIE = 'aegisflow_session';

export function sessionSecretOf(req: http.IncomingMessage): string | null {
  const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([A-Za-z0-9_-]{1,100})(?:;|$)`).exec(req.headers.cookie ?? '');
  return m ? m[1] : null;
}

export const sessionCookie = (secret: string, maxAgeS: number) => `${SESSION_COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}`;
