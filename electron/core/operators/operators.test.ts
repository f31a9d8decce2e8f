// Operator accounts and sessions: passwords, roles, the first-run setup, throttling, session limits.
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { createLogger } from '../observability';
import { applyMigrations, openDatabase, type Db } from '../store';
import { hasRole } from '../../../shared/operators';
import { OperatorAuth, OperatorsConfigSchema, operatorMigrations } from '.';

let db: Db | null = null;
afterEach(() => {
  db?.close();
  db = null;
});

function auth(overrides: Record<string, unknown> = {}) {
  db = openDatabase(':memory:');
  applyMigrations(db, operatorMigrations);
  const clock = manualClock(1_800_000_000_000);
  const a = new OperatorAuth({ db, clock, log: createLogger({ level: 'silent' }), config: OperatorsConfigSchema.parse({ scryptLogN: 10, ...overrides }) });
  a.start();
  return { a, clock };
}

describe('operator accounts', () => {
  it('stores only a scrypt hash, checks passwords, and refuses duplicates and weak input', async () => {
    const { a } = auth();
    await a.registry.add({ name: 'Dana Reyes', password: 'correct horse battery', roles: ['operator'] });
    const row = db!.prepare('SELECT credential FROM ops_operators').get() as { credential: string };
    expect(row.credential).toMatch(/^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(row.credential).not.toContain('correct horse');
    expect(await a.registry.verify('dana reyes', 'correct horse battery')).toMatchObject({ name: 'Dana Reyes', roles: ['operator'] });
    expect(await a.registry.verify('Dana Reyes', 'wrong')).toBeNull();
    await expect(a.registry.add({ name: 'DANA REYES', password: 'another password' })).rejects.toThrow(/exists/);
    await expect(a.registry.add({ name: 'Lee', password: 'short' })).rejects.toThrow(/at least 8/);
    await expect(a.registry.add({ name: 'Lee', password: 'long enough', roles: ['Root!'] })).rejects.toThrow(/roles/);
  });

  it('keeps at least one admin', async () => {
    const { a } = auth();
    await a.registry.add({ name: 'Admin', password: 'admin password', roles: ['admin'] });
    expect(() => a.registry.remove('Admin')).toThrow(/last admin/);
    expect(() => a.registry.setRoles('Admin', ['operator'])).toThrow(/last admin/);
  });

  it('roles: base roles include the ones below; site roles only themselves', () => {
    const who = (roles: string[]) => ({ id: 'x', name: 'x', roles });
    expect(['viewer', 'operator', 'supervisor', 'admin'].map((r) => hasRole(who(['supervisor']), r))).toEqual([true, true, true, false]);
    expect(hasRole(who(['shift_lead']), 'shift_lead')).toBe(true);
    expect(hasRole(who(['shift_lead']), 'operator')).toBe(false);
    expect(hasRole(who(['shift_lead']), 'viewer')).toBe(true);
    expect(hasRole(who(['admin']), 'shift_lead')).toBe(false);
    expect(hasRole(null, 'viewer')).toBe(false);
  });
});

describe('first-run setup', () => {
  it('offers a one-time code while no account exists, creates the first admin with it, then never again', async () => {
    const { a } = auth();
    expect(a.state(null)).toMatchObject({ setupRequired: true, operator: null });
    const code = a.setupCode()!;
    expect(code).toMatch(/^[\w-]{16}$/);
    expect((await a.login('anyone', 'anything')).ok).toBe(false);
    await expect(a.setup('wrong-code', 'Dana', 'correct horse battery')).rejects.toThrow(/setup code is wrong/);
    const r = await a.setup(code, 'Dana', 'correct horse battery');
    expect(r.ok && r.session.operator).toMatchObject({ name: 'Dana', roles: ['admin'] });
    expect(a.setupCode()).toBeNull();
    await expect(a.setup(code, 'Mallory', 'correct horse battery')).rejects.toThrow(/setup is done/);
    expect(a.state(null).setupRequired).toBe(false);
  });
});

describe('sessions', () => {
  it('end after idle and absolute limits on the clock, and with the account', async () => {
    const { a, clock } = auth({ sessionIdleS: 60, sessionMaxS: 300 });
    await a.registry.add({ name: 'Dana', password: 'correct horse battery', roles: ['operator'] });
    const r = await a.login('Dana', 'correct horse battery');
    if (!r.ok) throw new Error(r.message);
    const key = r.session.key;
    expect(a.callerFor(key, 'ws')?.operator?.name).toBe('Dana');
    clock.advance(59_000);
    expect(a.callerFor(key, 'ws')).not.toBeNull(); // use keeps it alive
    clock.advance(61_000);
    expect(a.callerFor(key, 'ws')).toBeNull(); // idle

    const r2 = await a.login('Dana', 'correct horse battery');
    if (!r2.ok) throw new Error(r2.message);
    for (let t = 0; t < 5; t++) {
      clock.advance(50_000);
      expect(a.callerFor(r2.session.key, 'ws')).not.toBeNull();
    }
    clock.advance(50_001);
    expect(a.callerFor(r2.session.key, 'ws')).toBeNull(); // 300 s, however busy

    const r3 = await a.login('Dana', 'correct horse battery');
    if (!r3.ok) throw new Error(r3.message);
    a.registry.setRoles('Dana', ['viewer']);
    expect(a.callerFor(r3.session.key, 'ws')?.operator?.roles).toEqual(['viewer']); // role changes apply at once
    a.registry.remove('Dana');
    expect(a.callerFor(r3.session.key, 'ws')).toBeNull();
  });

  it('locks a name after repeated wrong passwords, for lockoutS on the clock', async () => {
    const { a, clock } = auth({ maxFailedLogins: 3, lockoutS: 60 });
    await a.registry.add({ name: 'Dana', password: 'correct horse battery', roles: ['operator'] });
    for (let i = 0; i < 3; i++) expect(await a.login('Dana', 'guess ' + i)).toMatchObject({ ok: false, code: 'invalid_credentials' });
    expect(await a.login('Dana', 'correct horse battery')).toMatchObject({ ok: false, code: 'locked' });
    clock.advance(60_001);
    expect((await a.login('Dana', 'correct horse battery')).ok).toBe(true);
  });
});

describe('operator accounts through the core API', () => {
  it('admins manage accounts; others may only change their own password; removal ends sessions', async () => {
    const { createCore, testConfig } = await import('../index');
    const { tempDir } = await import('../../../tests/helpers');
    const t = tempDir('aegis-ops-');
    const core = createCore(
      testConfig(t.dir, { http: { enabled: false }, simulator: { enabled: false }, immune: { fleet: { enabled: false } }, governance: { watchPolicy: false } }),
    );
    try {
      await core.start();
      const ops = core.services.operators;
      const admin = await ops.registry.add({ name: 'Ada Admin', password: 'admin password 1', roles: ['admin'] });
      const adminCaller = { operator: { id: admin.id, name: admin.name, roles: admin.roles }, via: 'internal' as const };
      const added = await core.api.call('operators.add', { name: 'Lee Park', password: 'lee password 1', roles: ['operator', 'shift_lead'] }, adminCaller);
      expect(added).toMatchObject({ ok: true, result: { name: 'Lee Park', roles: ['operator', 'shift_lead'] } });
      const lee = added.ok ? added.result : null;
      const leeCaller = { operator: { id: lee!.id, name: lee!.name, roles: lee!.roles }, via: 'internal' as const };
      const listed = await core.api.call('operators.list', {}, adminCaller);
      expect(listed.ok && listed.result.map((o) => o.name)).toEqual(['Ada Admin', 'Lee Park']);
      expect(JSON.stringify(listed)).not.toMatch(/scrypt|credential/); // never the credential
      expect(await core.api.call('operators.list', {}, leeCaller)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await core.api.call('operators.add', { name: 'Mallory', password: 'mallory pass', roles: ['admin'] }, leeCaller)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      // Own password: with the current one only; never someone else's.
      expect(await core.api.call('operators.setPassword', { id: lee!.id, password: 'new lee password', currentPassword: 'wrong' }, leeCaller)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(await core.api.call('operators.setPassword', { id: admin.id, password: 'taken over!!' }, leeCaller)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(
        await core.api.call('operators.setPassword', { id: lee!.id, password: 'new lee password', currentPassword: 'lee password 1' }, leeCaller),
      ).toMatchObject({ ok: true });
      expect((await ops.login('Lee Park', 'new lee password')).ok).toBe(true);
      // Removing an account ends its sessions at once.
      const s = await ops.login('Lee Park', 'new lee password');
      if (!s.ok) throw new Error(s.message);
      expect(await core.api.call('operators.remove', { id: lee!.id }, adminCaller)).toMatchObject({ ok: true, result: { removed: 'Lee Park' } });
      expect(ops.callerFor(s.session.key, 'ws')).toBeNull();
      expect(await core.api.call('operators.remove', { id: admin.id }, adminCaller)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    } finally {
      await core.stop();
      t.cleanup();
    }
  });
});
