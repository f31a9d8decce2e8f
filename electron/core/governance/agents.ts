// Agents registry: identity, role, status (kill switch / quarantine), bearer token (stored as a
// SHA-256 hash), scope and the immune system's per-agent overlays.
// Reads are cached, and the cache can never be stale by a call: the CLI may pause an agent in the same
// database while the app runs, and that must bite on the next call. Every write of this connection goes
// through this class and empties the cache; a commit by any other connection (another process) changes
// SQLite's `PRAGMA data_version`, which every read checks first (~1 µs, against ~4 µs for the row read
// and JSON parsing it replaces, and far more under load).
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AgentScope, AgentStatus, AgentView } from '../../../shared/governance';
import { AgentScopeSchema } from '../../../shared/schemas/governance';
import type { Clock } from '../clock';
import type { Db } from '../store';

export const AgentIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'agent id: letters, digits, ".", "_" and "-", starting with a letter or digit');

// The contract's schema (agents.setScope, agents.create): one definition.
export { AgentScopeSchema };

export const NewAgentSchema = z
  .object({
    id: AgentIdSchema.optional(),
    name: z.string().min(1).max(200),
    role: z.string().min(1).max(64).default('assistant'),
    model: z.string().max(200).optional(),
    scope: AgentScopeSchema.default({}),
  })
  .strict();
export type NewAgent = z.input<typeof NewAgentSchema>;

export const AGENT_STATUSES = ['active', 'paused', 'quarantined'] as const satisfies readonly AgentStatus[];

/**
 * Bearer tokens are 32 random bytes from the OS CSPRNG (not the injected seeded rng: they are
 * secrets). With that much entropy a plain SHA-256 is a sound password hash.
 */
export function newAgentToken(): string {
  return `afa_${randomBytes(32).toString('base64url')}`;
}
export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

interface AgentRow {
  id: string;
  name: string;
  role: string;
  model: string | null;
  created_at: number;
  status: AgentStatus;
  status_reason: string | null;
  token_hash: string;
  last_seen: number | null;
  scope_json: string;
  reduced_autonomy: number;
  revoked_tools_json: string;
}

/** Views are shared by the cache: frozen, so no caller can change another's copy. */
function frozen(v: AgentView): AgentView {
  for (const x of Object.values(v.scope ?? {})) if (typeof x === 'object' && x !== null) Object.freeze(x);
  Object.freeze(v.scope);
  Object.freeze(v.revokedTools);
  return Object.freeze(v);
}

function toView(r: AgentRow): AgentView {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    model: r.model,
    createdAt: r.created_at,
    status: r.status,
    statusReason: r.status_reason,
    lastSeen: r.last_seen,
    scope: JSON.parse(r.scope_json) as AgentScope,
    reducedAutonomy: r.reduced_autonomy === 1,
    revokedTools: JSON.parse(r.revoked_tools_json) as string[],
  };
}

export class AgentError extends Error {
  constructor(
    public readonly code: 'not_found' | 'exists' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/** Most agents a cache holds before it starts over. */
const CACHE_MAX = 1000;

/** SQL for gov_agents, prepared once. */
export class AgentRegistry {
  private readonly q;
  /** last_seen is written at most this often per agent: a hot agent must not turn reads into writes. */
  private readonly lastSeenWritten = new Map<string, number>();
  /** id → view, and bearer token → view (valid tokens only), both valid for `version`. */
  private readonly byIdCache = new Map<string, AgentView>();
  private readonly byTokenCache = new Map<string, AgentView>();
  private version: number | null = null;
  private readonly dataVersion;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly lastSeenEveryMs = 5_000,
  ) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO gov_agents (id, name, role, model, created_at, status, token_hash, scope_json)
         VALUES (@id, @name, @role, @model, @created_at, 'active', @token_hash, @scope_json)`,
      ),
      byId: db.prepare<[string], AgentRow>('SELECT * FROM gov_agents WHERE id = ?'),
      byToken: db.prepare<[string], AgentRow>('SELECT * FROM gov_agents WHERE token_hash = ?'),
      all: db.prepare<[], AgentRow>('SELECT * FROM gov_agents ORDER BY id'),
      setStatus: db.prepare('UPDATE gov_agents SET status = ?, status_reason = ? WHERE id = ?'),
      setStatusAll: db.prepare(`UPDATE gov_agents SET status = 'paused', status_reason = ? WHERE status = 'active'`),
      activeIds: db.prepare<[], { id: string }>(`SELECT id FROM gov_agents WHERE status = 'active'`),
      setToken: db.prepare('UPDATE gov_agents SET token_hash = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM gov_agents WHERE id = ?'),
      touch: db.prepare('UPDATE gov_agents SET last_seen = ? WHERE id = ?'),
      setScope: db.prepare('UPDATE gov_agents SET scope_json = ? WHERE id = ?'),
      setReduced: db.prepare('UPDATE gov_agents SET reduced_autonomy = ? WHERE id = ?'),
      setRevoked: db.prepare('UPDATE gov_agents SET revoked_tools_json = ? WHERE id = ?'),
    };
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  /** Empty the caches if another connection committed since the last read. */
  private fresh(): void {
    const v = this.dataVersion.get() as number;
    if (v !== this.version) {
      this.invalidate();
      this.version = v;
    }
  }

  /** After every write of this connection (including ones later rolled back: dropping is always safe). */
  private invalidate(): void {
    this.byIdCache.clear();
    this.byTokenCache.clear();
  }

  /** Register an agent. The bearer token is returned once and never stored in clear. */
  add(input: NewAgent): { agent: AgentView; token: string } {
    const parsed = NewAgentSchema.safeParse(input);
    if (!parsed.success) throw new AgentError('invalid', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const a = parsed.data;
    const id = a.id ?? `agent-${randomBytes(4).toString('hex')}`;
    if (this.q.byId.get(id)) throw new AgentError('exists', `agent ${id} already exists`);
    const token = newAgentToken();
    this.invalidate();
    this.q.insert.run({
      id,
      name: a.name,
      role: a.role,
      model: a.model ?? null,
      created_at: this.clock.now(),
      token_hash: hashAgentToken(token),
      scope_json: JSON.stringify(a.scope),
    });
    return { agent: this.require(id), token };
  }

  get(id: string): AgentView | null {
    this.fresh();
    const hit = this.byIdCache.get(id);
    if (hit) return hit;
    const r = this.q.byId.get(id);
    if (!r) return null;
    const v = frozen(toView(r));
    if (this.byIdCache.size >= CACHE_MAX) this.byIdCache.clear();
    this.byIdCache.set(id, v);
    return v;
  }

  require(id: string): AgentView {
    const a = this.get(id);
    if (!a) throw new AgentError('not_found', `no agent ${id}`);
    return a;
  }

  /** The agent a bearer token belongs to, or null. Constant-time enough: the lookup is by hash. */
  byToken(token: string): AgentView | null {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return null;
    this.fresh();
    const hit = this.byTokenCache.get(token);
    if (hit) return hit;
    const r = this.q.byToken.get(hashAgentToken(token));
    if (!r) return null; // unknown tokens are not cached: guessing must not fill the map
    const v = frozen(toView(r));
    if (this.byTokenCache.size >= CACHE_MAX) this.byTokenCache.clear();
    this.byTokenCache.set(token, v);
    return v;
  }

  list(): AgentView[] {
    return this.q.all.all().map(toView);
  }

  setStatus(id: string, status: AgentStatus, reason: string | null): AgentView {
    if (!AGENT_STATUSES.includes(status)) throw new AgentError('invalid', `unknown status ${String(status)}`);
    this.invalidate();
    const info = this.q.setStatus.run(status, status === 'active' ? null : reason, id);
    if (info.changes === 0) throw new AgentError('not_found', `no agent ${id}`);
    return this.require(id);
  }

  /** Global kill switch: pause every active agent. Returns the ids paused. */
  pauseAll(reason: string): string[] {
    this.invalidate();
    return this.db.transaction(() => {
      const ids = this.q.activeIds.all().map((r) => r.id);
      this.q.setStatusAll.run(reason);
      return ids;
    })();
  }

  rotateToken(id: string): string {
    const token = newAgentToken();
    this.invalidate();
    const info = this.q.setToken.run(hashAgentToken(token), id);
    if (info.changes === 0) throw new AgentError('not_found', `no agent ${id}`);
    return token;
  }

  remove(id: string): void {
    this.invalidate();
    const info = this.q.remove.run(id);
    if (info.changes === 0) throw new AgentError('not_found', `no agent ${id}`);
  }

  setScope(id: string, scope: AgentScope): AgentView {
    const parsed = AgentScopeSchema.safeParse(scope);
    if (!parsed.success) throw new AgentError('invalid', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    this.invalidate();
    if (this.q.setScope.run(JSON.stringify(parsed.data), id).changes === 0) throw new AgentError('not_found', `no agent ${id}`);
    return this.require(id);
  }

  setReducedAutonomy(id: string, on: boolean): AgentView {
    this.invalidate();
    if (this.q.setReduced.run(on ? 1 : 0, id).changes === 0) throw new AgentError('not_found', `no agent ${id}`);
    return this.require(id);
  }

  setRevokedTools(id: string, tools: string[]): AgentView {
    const clean = [...new Set(tools.filter((t) => typeof t === 'string' && t.length > 0 && t.length <= 128))].sort();
    this.invalidate();
    if (this.q.setRevoked.run(JSON.stringify(clean), id).changes === 0) throw new AgentError('not_found', `no agent ${id}`);
    return this.require(id);
  }

  touch(id: string): void {
    const now = this.clock.now();
    const last = this.lastSeenWritten.get(id);
    if (last !== undefined && now - last < this.lastSeenEveryMs && now >= last) return;
    this.lastSeenWritten.set(id, now);
    this.invalidate();
    this.q.touch.run(now, id);
  }
}
