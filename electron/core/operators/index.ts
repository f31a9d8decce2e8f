// Operators: the people who run the plant (issue 13). Accounts with roles and scrypt credentials,
// sessions with idle and absolute limits, the first-run setup, and login throttling. Every operator
// surface (the WebSocket bridge and REST in serve mode, IPC in the desktop shell) turns its session
// secret into a Caller here; the core's request registry then checks the request's role.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { AuthState, Caller, OperatorIdentity } from '../../../shared/operators';
import type { Clock } from '../clock';
import { safeEqual } from '../crypto';
import type { Logger } from '../observability';
import type { Db } from '../store';
import { OperatorError, OperatorRegistry } from './registry';
import { SessionStore, type Session } from './sessions';

export { OperatorError, OperatorRegistry, OperatorNameSchema, RolesSchema, type OperatorView } from './registry';
export { SessionStore, type Session } from './sessions';
export { operatorMigrations } from './migrations';
export { hashPassword, verifyPassword, PASSWORD_MIN } from './credentials';
export { registerOperatorsApi } from './api';

export const OperatorsConfigSchema = z
  .object({
    /** A session with no request for this long ends (the control room's own polling keeps an open one alive). */
    sessionIdleS: z.number().int().positive().default(3600),
    /** No session outlives this: a 12 h shift and its handover. */
    sessionMaxS: z
      .number()
      .int()
      .positive()
      .default(13 * 3600),
    /** The console locks after this many seconds without keyboard or pointer input (0: never). */
    idleLockS: z.number().int().min(0).default(900),
    /** Failed logins for one name before it is locked for lockoutS (scrypt already makes each guess slow). */
    maxFailedLogins: z.number().int().positive().default(5),
    lockoutS: z.number().int().positive().default(60),
    /** scrypt cost as log2(N); tests lower it, production keeps 15 (~60 ms a check). */
    scryptLogN: z.number().int().min(10).max(20).default(15),
  })
  .strict()
  .prefault({});
export type OperatorsConfig = z.infer<typeof OperatorsConfigSchema>;

export type LoginResult =
  { ok: true; secret: string; session: Session } | { ok: false; code: 'invalid_credentials' | 'locked' | 'setup_required'; message: string };

export class OperatorAuth {
  readonly registry: OperatorRegistry;
  readonly sessions: SessionStore;
  private code: string | null = null;
  private readonly failures = new Map<string, { n: number; until: number }>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly deps: { db: Db; clock: Clock; log: Logger; config: OperatorsConfig }) {
    this.registry = new OperatorRegistry(deps.db, deps.clock, { N: 1 << deps.config.scryptLogN });
    this.sessions = new SessionStore(deps.clock, { idleS: deps.config.sessionIdleS, maxS: deps.config.sessionMaxS });
  }

  start(): void {
    if (this.registry.count() === 0) {
      this.code = crypto.randomBytes(12).toString('base64url');
      this.deps.log.warn('no operator account exists yet: open the one-time setup link (printed at start) or run `aegisflow operator add`');
    }
    // Lapsed sessions end on time even when nobody calls (their sockets are closed through onEnd).
    this.sweeper = setInterval(() => this.sessions.sweep(), 30_000);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** The one-time code of the first-run setup while no operator exists, else null. */
  setupCode(): string | null {
    if (this.code && this.registry.count() > 0) this.code = null;
    return this.code;
  }

  state(session: Session | null): AuthState {
    return { setupRequired: this.registry.count() === 0, operator: session?.operator ?? null, idleLockS: this.deps.config.idleLockS };
  }

  async login(name: unknown, password: unknown): Promise<LoginResult> {
    if (this.registry.count() === 0) return { ok: false, code: 'setup_required', message: 'no operator account exists yet: complete the first-run setup' };
    const key = typeof name === 'string' ? name.trim().toLowerCase().slice(0, 64) : '';
    const now = this.deps.clock.now();
    const f = this.failures.get(key);
    if (f && f.until > now)
      return { ok: false, code: 'locked', message: `too many failed logins for this name: try again in ${Math.ceil((f.until - now) / 1000)} s` };
    const who = await this.registry.verify(typeof name === 'string' ? name : '', typeof password === 'string' ? password : '');
    if (!who) {
      const n = (f && f.until > 0 && f.until <= now ? 0 : (f?.n ?? 0)) + 1;
      this.failures.set(key, { n, until: n >= this.deps.config.maxFailedLogins ? now + this.deps.config.lockoutS * 1000 : 0 });
      this.deps.log.warn({ name: key, failures: n }, 'operator login refused');
      return { ok: false, code: 'invalid_credentials', message: 'wrong name or password' };
    }
    this.failures.delete(key);
    const s = this.sessions.create(who);
    this.deps.log.info({ operator: who.name }, 'operator logged in');
    return { ok: true, ...s };
  }

  /** First-run setup: the first admin, with the one-time code (IPC passes the code it was given by the core). */
  async setup(code: unknown, name: unknown, password: unknown): Promise<LoginResult> {
    const expected = this.setupCode();
    if (!expected) throw new OperatorError('invalid', 'setup is done: an operator account exists; log in instead');
    if (typeof code !== 'string' || !safeEqual(code, expected))
      throw new OperatorError('invalid', 'the setup code is wrong (it is printed when the core starts)');
    const op = await this.registry.add({ name, password, roles: ['admin'] });
    this.code = null;
    this.deps.log.info({ operator: op.name }, 'first operator created by the setup');
    return this.login(name, password);
  }

  logout(secret: string | null | undefined): void {
    if (secret) this.sessions.end(secret, 'logout');
  }

  /**
   * The caller behind a session key (what a transport keeps once authenticated): the operator as the
   * registry knows them now — removed accounts end their sessions, changed roles apply at once.
   */
  callerFor(key: string | null | undefined, via: Caller['via']): Caller | null {
    if (!key) return null;
    const s = this.sessions.live(key);
    if (!s) return null;
    const now = this.registry.get(s.operator.id);
    if (!now) {
      this.sessions.end(key, 'account removed');
      return null;
    }
    if (now.roles.join() !== s.operator.roles.join() || now.name !== s.operator.name) s.operator = { id: now.id, name: now.name, roles: now.roles };
    this.sessions.touch(key);
    return { operator: s.operator, via, sessionId: key };
  }

  /** Session key for a secret (a cookie or the shell's copy), without touching it. */
  keyFor(secret: string | null | undefined): string | null {
    return this.sessions.peek(secret)?.key ?? null;
  }
}

export type { OperatorIdentity };
