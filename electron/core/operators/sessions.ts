// Operator sessions: random bearer secrets held by the browser as an HttpOnly cookie (or by the Electron
// shell in its main process). Only their SHA-256 is kept, in memory: a restart logs everyone out, and a
// heap dump does not hand out a live session. Authority expires: idle and absolute limits on the clock.
import crypto from 'node:crypto';
import type { OperatorIdentity } from '../../../shared/operators';
import type { Clock } from '../clock';

export interface Session {
  key: string;
  operator: OperatorIdentity;
  createdAt: number;
  lastSeen: number;
}

export interface SessionLimits {
  /** A session with no request for this long ends. */
  idleS: number;
  /** No session lives longer than this (a shift). */
  maxS: number;
}

const keyOf = (secret: string) => crypto.createHash('sha256').update(secret).digest('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly endListeners = new Set<(key: string, why: string) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: SessionLimits,
  ) {}

  /** A new session; the returned secret is the only copy. */
  create(operator: OperatorIdentity): { secret: string; session: Session } {
    const secret = crypto.randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const session: Session = { key: keyOf(secret), operator, createdAt: now, lastSeen: now };
    this.sessions.set(session.key, session);
    return { secret, session };
  }

  /** The live session for a secret (and mark it used), or null when unknown, idle too long or too old. */
  use(secret: string | undefined | null): Session | null {
    const s = this.peek(secret);
    if (s) s.lastSeen = this.clock.now();
    return s;
  }

  /** Like use() without counting as activity. */
  peek(secret: string | undefined | null): Session | null {
    if (!secret || secret.length > 100) return null;
    return this.live(keyOf(secret));
  }

  /** By key (what transports hold once authenticated). */
  live(key: string): Session | null {
    const s = this.sessions.get(key);
    if (!s) return null;
    const now = this.clock.now();
    if (now - s.lastSeen > this.limits.idleS * 1000) return (this.drop(s.key, 'idle'), null);
    if (now - s.createdAt > this.limits.maxS * 1000) return (this.drop(s.key, 'expired'), null);
    return s;
  }

  touch(key: string): void {
    const s = this.sessions.get(key);
    if (s) s.lastSeen = this.clock.now();
  }

  end(secretOrKey: string, why = 'logout'): boolean {
    const key = this.sessions.has(secretOrKey) ? secretOrKey : keyOf(secretOrKey);
    return this.drop(key, why);
  }

  /** End every session of one operator (removed, password changed, roles changed). */
  endFor(operatorId: string, why: string): number {
    let n = 0;
    for (const s of [...this.sessions.values()]) if (s.operator.id === operatorId && this.drop(s.key, why)) n++;
    return n;
  }

  /** Drop what has lapsed (transports close their connections through onEnd). */
  sweep(): void {
    for (const key of [...this.sessions.keys()]) this.live(key);
  }

  onEnd(listener: (key: string, why: string) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  count(): number {
    return this.sessions.size;
  }

  private drop(key: string, why: string): boolean {
    if (!this.sessions.delete(key)) return false;
    for (const l of this.endListeners) l(key, why);
    return true;
  }
}
