// The edge verifier against tokens the real gateway issues (IntentTokens with its Ed25519 keys in a
// temp data dir, a real SQLite file): every check a device makes before acting.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock';
import { loadOrCreateKeys, type GatewayKeys } from '../core/governance/keys';
import { governanceMigrations } from '../core/governance/migrations';
import { IntentTokens } from '../core/governance/tokens';
import { applyMigrations, openDatabase, type Db } from '../core/store';
import { commandAck, commandParamsOf, createCommandVerifier, memoryReplayStore } from './verifier';

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const DEVICE = 'line-1/compressor-01';
const args = (over: Record<string, unknown> = {}) => ({
  device_id: DEVICE,
  command: 'reduce_load',
  parameters: { reduction_pct: 30 },
  justification: 'SOP 2.1 reduce load first',
  ...over,
});

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function gateway(): { keys: GatewayKeys; tokens: IntentTokens; clock: ReturnType<typeof manualClock>; db: Db } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-edge-'));
  const db = openDatabase(path.join(dir, 'aegisflow.db'));
  applyMigrations(db, governanceMigrations);
  cleanups.push(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const clock = manualClock(T0);
  const keys = loadOrCreateKeys(path.join(dir, 'keys'));
  return { keys, tokens: new IntentTokens(db, clock, keys, 60), clock, db };
}

const issue = (g: ReturnType<typeof gateway>, a: Record<string, unknown>, tool = 'execute_device_command') =>
  g.tokens.issue({ agent: 'diag', tool, args: a, policyVersion: 'v1', approvalId: 'apr_1' }).then((t) => t.token);

describe('edge verifier', () => {
  it('accepts a gateway token for exactly these arguments and derives the command from them', async () => {
    const g = gateway();
    const v = createCommandVerifier({ publicKey: fs.readFileSync(path.join(g.keys.dir, 'gateway-ed25519.pub.pem'), 'utf8'), now: g.clock.now });
    const a = args();
    const r = v.verify(DEVICE, { args: a, intent_token: await issue(g, a), command: 'emergency_shutdown' });
    expect(r).toMatchObject({ ok: true, command: { command: 'reduce_load', params: { reduction_pct: 30 }, agent: 'diag', approvalId: 'apr_1' } });
    expect(commandAck(DEVICE, r, 'now')).toMatchObject({ status: 'accepted', command: 'reduce_load', jti: r.ok ? r.command.jti : 'x' });
  });

  it('refuses a message without a token, a forged signature, another key and alg none', async () => {
    const g = gateway();
    const v = createCommandVerifier({ publicKey: g.keys.publicKey, now: g.clock.now });
    const a = args();
    const token = await issue(g, a);
    expect(v.verify(DEVICE, { args: a })).toMatchObject({ ok: false, code: 'bad_token', jti: null });
    expect(v.verify(DEVICE, { command: 'emergency_shutdown' })).toMatchObject({ ok: false, code: 'bad_token' });
    expect(v.verify(DEVICE, 'emergency_shutdown')).toMatchObject({ ok: false, code: 'malformed' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, tool: 'execute_device_command', exp: (claims.exp as number) + 3600 })).toString('base64url')}.${s}`;
    expect(v.verify(DEVICE, { args: a, intent_token: forged })).toMatchObject({ ok: false, code: 'bad_signature', jti: null });
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    expect(v.verify(DEVICE, { args: a, intent_token: none })).toMatchObject({ ok: false, code: 'bad_token' });
    const other = gateway();
    expect(v.verify(DEVICE, { args: a, intent_token: await issue(other, a) })).toMatchObject({ ok: false, code: 'bad_signature' });
    // Refusals do not use the token up: the genuine message still goes through once.
    expect(v.verify(DEVICE, { args: a, intent_token: token }).ok).toBe(true);
  });

  it('refuses an expired token', async () => {
    const g = gateway();
    const v = createCommandVerifier({ publicKey: g.keys.publicKey, now: g.clock.now });
    const a = args();
    const token = await issue(g, a);
    g.clock.advance(60_000);
    const r = v.verify(DEVICE, { args: a, intent_token: token });
    expect(r).toMatchObject({ ok: false, code: 'expired' });
    expect(r.ok === false && r.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a token for another device, even sent on this device topic', async () => {
    const g = gateway();
    const v = createCommandVerifier({ publicKey: g.keys.publicKey, now: g.clock.now });
    const a = args({ device_id: 'line-2/compressor-01' });
    expect(v.verify(DEVICE, { args: a, intent_token: await issue(g, a) })).toMatchObject({ ok: false, code: 'wrong_device' });
  });

  it('refuses changed arguments (another value, another command, an added key)', async () => {
    const g = gateway();
    const v = createCommandVerifier({ publicKey: g.keys.publicKey, now: g.clock.now });
    const a = args();
    const token = await issue(g, a);
    for (const changed of [
      args({ parameters: { reduction_pct: 90 } }),
      args({ command: 'emergency_shutdown' }),
      { ...a, params: { reduction_pct: 90 } },
      { ...a, justification: undefined },
    ])
      expect(v.verify(DEVICE, { args: changed, intent_token: token })).toMatchObject({ ok: false, code: 'args_mismatch' });
    // Key order does not matter (canonical JSON): the same arguments in another order pass.
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    expect(v.verify(DEVICE, { args: reordered, intent_token: token }).ok).toBe(true);
  });

  it('refuses a replay, and a token issued before the device started', async () => {
    const g = gateway();
    const a = args();
    const early = await issue(g, a);
    g.clock.advance(2000);
    const v = createCommandVerifier({ publicKey: g.keys.publicKey, now: g.clock.now });
    expect(v.verify(DEVICE, { args: a, intent_token: early })).toMatchObject({ ok: false, code: 'issued_before_start' });
    const token = await issue(g, a);
    expect(v.verify(DEVICE, { args: a, intent_token: token }).ok).toBe(true);
    expect(v.verify(DEVICE, { args: a, intent_token: token })).toMatchObject({ ok: false, code: 'replayed' });
  });

  it('refuses a token for another tool', async () => {
    const g = gateway();
    const v = createCommandVerifier({ publicKey: g.keys.publicKey, now: g.clock.now });
    const a = args();
    expect(v.verify(DEVICE, { args: a, intent_token: await issue(g, a, 'acknowledge_anomaly') })).toMatchObject({ ok: false, code: 'wrong_tool' });
  });

  it('keeps used ids until they expire and fails closed when full', () => {
    const s = memoryReplayStore(2);
    expect(s.use('a', 100, 10)).toBe('ok');
    expect(s.use('a', 100, 10)).toBe('replayed');
    expect(s.use('b', 20, 10)).toBe('ok');
    expect(s.use('c', 100, 10)).toBe('full');
    expect(s.use('c', 100, 21)).toBe('ok'); // b expired
    expect(s.size()).toBe(2);
  });

  it('reads parameters as the tool accepts them', () => {
    expect(commandParamsOf({ parameters: '{"reduction_pct": 50}' })).toEqual({ reduction_pct: 50 });
    expect(commandParamsOf({ params: { reduction_pct: 5 }, parameters: { reduction_pct: 90 } })).toEqual({ reduction_pct: 5 });
    expect(commandParamsOf({})).toEqual({});
    expect(commandParamsOf({ parameters: '[1]' })).toMatch(/JSON object/);
    expect(() => createCommandVerifier({ publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey })).toThrow(/Ed25519/);
  });
});
