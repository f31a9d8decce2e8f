// Operator sessions at the door, and the two routes every client may ask first. The page logs in here
// and then opens /ws with the cookie; the secret never reaches page script (HttpOnly) or a URL.
import type http from 'node:http';
import { z } from 'zod';
import type { CoreApi } from '../api';
import type { OperatorAuth } from '../operators';
import { sessionCookie, sessionSecretOf } from './guard';
import { HttpError, sendJson } from './respond';
import type { HttpServer } from './index';

const Credentials = z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(256) });

async function credentials(json: () => Promise<unknown>) {
  const p = Credentials.safeParse(await json());
  if (!p.success) throw new HttpError(400, 'send {"name": …, "password": …}');
  return p.data;
}

export function mountSessionRoutes(srv: Pick<HttpServer, 'route'>, deps: { api: CoreApi; operators: OperatorAuth; sessionMaxS: number }): void {
  const { api, operators, sessionMaxS } = deps;
  const loggedIn = (res: http.ServerResponse, r: Awaited<ReturnType<OperatorAuth['login']>>) => {
    if (!r.ok) return sendJson(res, r.code === 'locked' ? 429 : r.code === 'setup_required' ? 409 : 401, { error: r.message, code: r.code });
    res.setHeader('set-cookie', sessionCookie(r.secret, sessionMaxS));
    sendJson(res, 200, operators.state(r.session));
  };
  srv.route('/api/v1/health', ({ res }) => sendJson(res, 200, { ok: true, name: 'aegisflow' }), 'GET', { public: true });
  srv.route(
    '/api/v1/status',
    async ({ res, caller }) => {
      const reply = await api.call('plant.snapshot', {}, caller ?? undefined);
      sendJson(res, reply.ok ? 200 : 500, reply);
    },
    'GET',
  );
  srv.route('/api/v1/auth', ({ req, res }) => sendJson(res, 200, operators.state(operators.sessions.peek(sessionSecretOf(req)))), 'GET', { public: true });
  srv.route(
    '/api/v1/auth/login',
    async ({ res, json }) => {
      const c = await credentials(json);
      loggedIn(res, await operators.login(c.name, c.password));
    },
    'POST',
    { public: true },
  );
  srv.route(
    '/api/v1/auth/setup',
    async ({ res, json }) => {
      const body = (await json()) as { code?: unknown } | null;
      const c = await credentials(async () => body);
      loggedIn(res, await operators.setup(body?.code, c.name, c.password));
    },
    'POST',
    { public: true },
  );
  srv.route(
    '/api/v1/auth/logout',
    ({ req, res }) => {
      operators.logout(sessionSecretOf(req));
      res.setHeader('set-cookie', sessionCookie('', 0));
      sendJson(res, 200, operators.state(null));
    },
    'POST',
  );
}
