// Operator accounts (issue 13): people with names, roles and a scrypt-hashed password. Managed by
// `aegisflow operator add|list|remove|passwd` and by the first-run setup; read by the session store.
import crypto from 'node:crypto';
import { z } from 'zod';
import { BASE_ROLES, ROLE_PATTERN, type OperatorIdentity } from '../../../shared/operators';
import type { Clock } from '../clock';
import type { Db } from '../store';
import { DUMMY_CREDENTIAL, hashPassword, passwordProblem, verifyPassword } from './credentials';

export class OperatorError extends Error {
  constructor(
    public readonly code: 'invalid' | 'exists' | 'not_found' | 'last_admin',
    message: string,
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}

export const OperatorNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._@-]*$/u, 'letters, digits, space, . _ @ - (starting with a letter or digit)');
export const RolesSchema = z.array(z.string().regex(ROLE_PATTERN, 'roles are lower-case words (a-z, 0-9, _ -)')).min(1).max(16);

export interface OperatorView extends OperatorIdentity {
  createdAt: number;
  lastLogin: number | null;
}

interface Row {
  id: string;
  name: string;
  roles_json: string;
  credential: string;
  created_at: number;
  updated_at: number;
  last_login: number | null;
}

const view = (r: Row): OperatorView => ({
  id: r.id,
  name: r.name,
  roles: JSON.parse(r.roles_json) as string[],
  createdAt: r.created_at,
  lastLogin: r.last_login,
});

export class OperatorRegistry {
  private readonly q;
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** scrypt cost override (tests use a cheap one; production keeps the default). */
    private readonly cost: { N?: number } = {},
  ) {
    this.q = {
      insert: db.prepare(`INSERT INTO ops_operators (id, name, roles_json, credential, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
      byName: db.prepare(`SELECT * FROM ops_operators WHERE name = ?`),
      byId: db.prepare(`SELECT * FROM ops_operators WHERE id = ?`),
      list: db.prepare(`SELECT * FROM ops_operators ORDER BY name`),
      count: db.prepare(`SELECT COUNT(*) AS n FROM ops_operators`),
      remove: db.prepare(`DELETE FROM ops_operators WHERE id = ?`),
      setCredential: db.prepare(`UPDATE ops_operators SET credential = ?, updated_at = ? WHERE id = ?`),
      setRoles: db.prepare(`UPDATE ops_operators SET roles_json = ?, updated_at = ? WHERE id = ?`),
      loggedIn: db.prepare(`UPDATE ops_operators SET last_login = ? WHERE id = ?`),
    };
  }

  count(): number {
    return (this.q.count.get() as { n: number }).n;
  }

  list(): OperatorView[] {
    return (this.q.list.all() as Row[]).map(view);
  }

  get(idOrName: string): OperatorView | null {
    const r = (this.q.byId.get(idOrName) ?? this.q.byName.get(idOrName)) as Row | undefined;
    return r ? view(r) : null;
  }

  require(idOrName: string): OperatorView {
    const o = this.get(idOrName);
    if (!o) throw new OperatorError('not_found', `no operator ${idOrName}`);
    return o;
  }

  async add(input: { name: unknown; password: unknown; roles?: unknown }): Promise<OperatorView> {
    const name = OperatorNameSchema.safeParse(input.name);
    if (!name.success) throw new OperatorError('invalid', `name: ${name.error.issues[0]?.message}`);
    const roles = RolesSchema.safeParse(input.roles ?? ['operator']);
    if (!roles.success) throw new OperatorError('invalid', `roles: ${roles.error.issues[0]?.message}`);
    const pw = passwordProblem(input.password);
    if (pw) throw new OperatorError('invalid', pw);
    if (this.q.byName.get(name.data)) throw new OperatorError('exists', `an operator named ${name.data} exists already`);
    const credential = await hashPassword(input.password as string, this.cost);
    const id = `op-${crypto.randomBytes(6).toString('hex')}`;
    const now = this.clock.now();
    try {
      this.q.insert.run(id, name.data, JSON.stringify([...new Set(roles.data)]), credential, now, now);
    } catch (err) {
      if (String((err as Error).message).includes('UNIQUE')) throw new OperatorError('exists', `an operator named ${name.data} exists already`);
      throw err;
    }
    return this.require(id);
  }

  async setPassword(idOrName: string, password: unknown): Promise<void> {
    const o = this.require(idOrName);
    const pw = passwordProblem(password);
    if (pw) throw new OperatorError('invalid', pw);
    this.q.setCredential.run(await hashPassword(password as string, this.cost), this.clock.now(), o.id);
  }

  setRoles(idOrName: string, roles: unknown): OperatorView {
    const o = this.require(idOrName);
    const r = RolesSchema.safeParse(roles);
    if (!r.success) throw new OperatorError('invalid', `roles: ${r.error.issues[0]?.message}`);
    if (o.roles.includes('admin') && !r.data.includes('admin') && this.admins().length === 1)
      throw new OperatorError('last_admin', `${o.name} is the last admin; make another admin first`);
    this.q.setRoles.run(JSON.stringify([...new Set(r.data)]), this.clock.now(), o.id);
    return this.require(o.id);
  }

  remove(idOrName: string): OperatorView {
    const o = this.require(idOrName);
    if (o.roles.includes('admin') && this.admins().length === 1) throw new OperatorError('last_admin', `${o.name} is the last admin; make another admin first`);
    this.q.remove.run(o.id);
    return o;
  }

  /** The identity for a correct name and password, else null. Same work for an unknown name. */
  async verify(name: string, password: string): Promise<OperatorIdentity | null> {
    const r = (typeof name === 'string' && name.length <= 64 ? this.q.byName.get(name.trim()) : undefined) as Row | undefined;
    const ok = await verifyPassword(typeof password === 'string' ? password.slice(0, 256) : '', r?.credential ?? DUMMY_CREDENTIAL);
    if (!r || !ok) return null;
    this.q.loggedIn.run(this.clock.now(), r.id);
    const v = view(r);
    return { id: v.id, name: v.name, roles: v.roles };
  }

  private admins(): OperatorView[] {
    return this.list().filter((o) => o.roles.includes('admin'));
  }
}

export const ALL_BASE_ROLES = [...BASE_ROLES];
