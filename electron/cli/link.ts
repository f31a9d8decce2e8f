// How a CLI command reaches the core (issue 14): the RUNNING app through its authenticated API (log in
// as an operator, then contract requests over the WebSocket bridge, each checked by the core's request
// registry), or, when no app runs on the data dir, a core this command starts itself with the network
// parts off. Never the live database behind the app's back.
import os from 'node:os';
import { WebSocket } from 'ws';
import type { RequestName, RequestParams, RequestResult, Reply } from '../../shared/contract';
import type { Caller } from '../../shared/operators';
import { createCore, readRunFile, runFilePath, type Config, type RunInfo } from '../core';
import { askHidden } from './prompt';

/** A contract request the core refused (its reply's code and message). */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** Login refused (wrong password, locked account, no such operator): exit code 3. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
}

/** The running app cannot be used (unreachable, no HTTP, no operator given): exit code 2 with the reason. */
export class LinkError extends Error {
  override readonly name = 'LinkError';
}

export interface CoreLink {
  /** 'app': the running app's API; 'local': a core this command started (no app runs on the data dir). */
  readonly mode: 'app' | 'local';
  /** Who the requests run as (an operator name, or the local user for a local core without --operator). */
  readonly actor: string;
  call<N extends RequestName>(name: N, params: RequestParams<N>): Promise<RequestResult<N>>;
  close(): Promise<void>;
}

export const LINK_OPTIONS = { operator: { type: 'string' } } as const;

export const LINK_HELP = `Where it acts: when the app runs on this data dir (npm start / aegisflow serve: it leaves
<data-dir>/aegisflow.run.json), the command logs in to the app's API as an operator and every change goes
through it, role-checked and audited like a click in the control room. When no app runs, the command
starts a core of its own on the data dir (no broker, HTTP, simulator, MCP or agent; it logs errors only
unless --log-level says otherwise) and stops it after.
      --operator NAME     log in as this operator (env AEGISFLOW_OPERATOR); the password comes from
                          AEGISFLOW_PASSWORD or a prompt that does not echo. Required while the app runs.
                          With no app running and no --operator, you act as the local user (cli:<user>),
                          an admin: whoever may write the data dir may change its database anyway.
Exit codes: 0 done, 1 refused or failed, 2 usage or config error (or the app cannot be reached),
3 login refused (wrong name or password, account locked).`;

function localUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown'; // no passwd entry (containers)
  }
}

/** The password: AEGISFLOW_PASSWORD, else a no-echo prompt on a terminal. */
export async function loginPassword(name: string): Promise<string> {
  const env = process.env.AEGISFLOW_PASSWORD;
  if (env !== undefined && env !== '') return env;
  if (!process.stdin.isTTY) throw new LinkError(`no password for ${name}: set AEGISFLOW_PASSWORD (no terminal to ask on)`);
  // Asked once per command: `operator passwd` on one's own account proves the current password with it.
  const asked = askedPasswords.get(name) ?? askHidden(`Password for ${name}: `);
  askedPasswords.set(name, asked);
  return asked;
}
const askedPasswords = new Map<string, Promise<string>>();

/** A wildcard bind address is not a name a client can use; the loopback name reaches it and passes the Host check. */
function reachable(url: string): string {
  return url.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://[::1]:');
}

async function postJson(
  url: string,
  body: unknown,
  cookie?: string,
): Promise<{ status: number; json: { error?: string; code?: string }; cookie: string | null }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { error?: string; code?: string };
  const set = res.headers.get('set-cookie');
  return { status: res.status, json, cookie: set ? set.split(';')[0] : null };
}

export interface OpenOptions {
  operator?: string;
  /**
   * aegisflow operator add on a fresh install while the app runs: no account exists, so nobody can log
   * in; the first admin is created through the app's one-time setup with the code from the run file.
   */
  setup?: () => Promise<{ name: string; password: string }>;
}

/** Reach the core for this data dir: the running app, or a local core when none runs. */
export async function openCore(config: Config, opts: OpenOptions = {}): Promise<CoreLink> {
  const operator = opts.operator ?? (process.env.AEGISFLOW_OPERATOR || undefined);
  const run = readRunFile(config.dataDir);
  if (run) return openApp(run, config, operator, opts.setup);
  return openLocal(config, operator);
}

async function openApp(run: RunInfo, config: Config, operator: string | undefined, setup: OpenOptions['setup']): Promise<CoreLink> {
  if (!run.url)
    throw new LinkError(`the app (pid ${run.pid}) runs on ${config.dataDir} without HTTP, so the CLI cannot reach it: use its window, or enable http`);
  const base = reachable(run.url);
  let state: { setupRequired?: boolean };
  try {
    state = (await (await fetch(`${base}/api/v1/auth`)).json()) as { setupRequired?: boolean };
  } catch (err) {
    throw new LinkError(
      `the app (pid ${run.pid}) does not answer at ${base}: ${(err as Error).message}. If no AegisFlow runs, remove ${runFilePath(config.dataDir)}`,
    );
  }
  let login: Awaited<ReturnType<typeof postJson>>;
  let actor: string;
  if (state.setupRequired && setup) {
    const first = await setup();
    if (!run.setupCode) throw new LinkError('the app has no setup code in its run file: restart it, or use its setup link');
    login = await postJson(`${base}/api/v1/auth/setup`, { code: run.setupCode, name: first.name, password: first.password });
    actor = first.name;
  } else {
    if (state.setupRequired) throw new LinkError('no operator account exists yet: create the first admin (aegisflow operator add NAME --roles admin)');
    if (!operator) throw new LinkError(`the app runs on this data dir (pid ${run.pid}, ${base}): log in with --operator NAME`);
    login = await postJson(`${base}/api/v1/auth/login`, { name: operator, password: await loginPassword(operator) });
    actor = operator;
  }
  if (login.status === 401 || login.status === 429) throw new AuthError(`login refused for ${actor}: ${login.json.error ?? `HTTP ${login.status}`}`);
  if (login.status !== 200 || !login.cookie) throw new RequestError(login.json.code ?? 'refused', login.json.error ?? `HTTP ${login.status}`);
  const cookie = login.cookie;
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, { headers: { cookie } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new LinkError(`the app refused the WebSocket: HTTP ${res.statusCode}`)));
  });
  const pending = new Map<number, (reply: Reply<unknown>) => void>();
  let next = 1;
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString('utf8')) as { type?: string; id?: number; reply?: Reply<unknown> };
    if (msg.type !== 'reply' || typeof msg.id !== 'number' || !msg.reply) return; // events: not ours
    pending.get(msg.id)?.(msg.reply);
    pending.delete(msg.id);
  });
  ws.on('close', (code, why) => {
    for (const done of pending.values()) done({ ok: false, error: { code: 'closed', message: `the app closed the connection (${code} ${why.toString()})` } });
    pending.clear();
  });
  return {
    mode: 'app',
    actor,
    async call(name, params) {
      const id = next++;
      const reply = await new Promise<Reply<unknown>>((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, type: 'request', name, params }));
      });
      if (!reply.ok) throw new RequestError(reply.error.code, reply.error.message);
      return reply.result as RequestResult<typeof name>;
    },
    async close() {
      ws.close();
      await postJson(`${base}/api/v1/auth/logout`, {}, cookie).catch(() => undefined);
    },
  };
}

async function openLocal(config: Config, operator: string | undefined): Promise<CoreLink> {
  const core = createCore(config, { network: false });
  try {
    await core.start();
    let caller: Caller;
    if (operator) {
      const r = await core.services.operators.login(operator, await loginPassword(operator));
      if (!r.ok) throw new AuthError(`login refused for ${operator}: ${r.message}`);
      const c = core.services.operators.callerFor(r.session.key, 'internal');
      if (!c) throw new AuthError(`the session of ${operator} ended at once`);
      caller = c;
    } else {
      // The local user owns the data dir (and so its database): an admin here, named in the audit as cli:<user>.
      const user = `cli:${localUser()}`;
      caller = { operator: { id: user, name: user, roles: ['admin'] }, via: 'internal' };
    }
    return {
      mode: 'local',
      actor: caller.operator?.name ?? 'unknown',
      async call(name, params) {
        const reply = await core.api.call(name, params, caller);
        if (!reply.ok) throw new RequestError(reply.error.code, reply.error.message);
        return reply.result;
      },
      close: () => core.stop(),
    };
  } catch (err) {
    await core.stop().catch(() => undefined);
    throw err;
  }
}

/** The config of a core started for one command: nothing that listens, publishes or runs on its own. */
export const LOCAL_CORE_OVERRIDES = {
  http: { enabled: false },
  simulator: { enabled: false },
  mcp: { enabled: false },
  agent: { enabled: false },
  immune: { enabled: false },
  broker: { port: 0, wsPort: null },
  governance: { watchPolicy: false },
  store: { checkpointWorkerMs: 0 },
};
