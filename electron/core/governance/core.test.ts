// The gateway inside the real core: real aedes broker on an ephemeral port, real SQLite file,
// contract requests as the UI sends them, and the command arriving on aegisflow/commands/{id}.
import path from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../index';
import { loadPublicKey } from './keys';
import { EXECUTE_TOOL } from './executor';
import { OPERATOR, perTestCores } from '../../../tests/helpers';

const rigs = perTestCores();

describe('governance in the core', () => {
  it('carries a reviewed command from agent to broker, and signs the audit head on shutdown', async () => {
    const dir = rigs.dir('aegis-gov-core-');
    // No simulator: this test's own client stands in for the device and answers like one.
    const core = rigs.core(testConfig(dir, { simulator: { enabled: false }, http: { enabled: false }, governance: { watchPolicy: false } }));
    await core.start();
    const g = core.services.governance;
    const { token: agentToken } = g.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });

    // A core client (the core's credentials) sees the command topic; other clients do not.
    const sub = await mqtt.connectAsync(core.services.broker.url, core.services.broker.clientOptions('test-sub-'));
    const got = new Promise<{ topic: string; payload: Record<string, unknown> }>((resolve) =>
      sub.on('message', (topic, payload) => resolve({ topic, payload: JSON.parse(payload.toString()) as Record<string, unknown> })),
    );
    await sub.subscribeAsync('aegisflow/commands/#', { qos: 1 });

    const args = { device_id: 'line-1/compressor-01', command: 'reduce_load', params: { reduction_pct: 50 } };
    const r = await g.authorize({ agentToken, tool: 'execute_device_command', args });
    expect(r.decision).toBe('REVIEW');
    const pending = await core.api.call('approvals.list', { status: 'pending' }, OPERATOR);
    expect(pending.ok && pending.result.map((a) => a.id)).toEqual([r.approvalId]);
    const decided = await core.api.call('approvals.decide', { id: r.approvalId!, verdict: 'approve' }, OPERATOR);
    expect(decided.ok && decided.result.status).toBe('approved');
    const again = await core.api.call('approvals.decide', { id: r.approvalId!, verdict: 'reject' }, OPERATOR);
    expect(again).toMatchObject({ ok: false, error: { code: 'already_decided' } });

    const w = await g.waitForApproval(r.approvalId!);
    expect(w.status).toBe('approved');
    const ex = g.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token: w.status === 'approved' ? w.token : undefined });
    const msg = await got;
    expect(msg.topic).toBe('aegisflow/commands/line-1/compressor-01');
    // The exact tool arguments and their token: the device derives the command from them.
    expect(msg.payload).toEqual({ args, intent_token: w.status === 'approved' ? w.token : '-' });
    const jti = JSON.parse(Buffer.from(String(msg.payload.intent_token).split('.')[1], 'base64url').toString()).jti as string;
    await sub.publishAsync(
      'aegisflow/acks/line-1/compressor-01',
      JSON.stringify({ device_id: 'line-1/compressor-01', jti, status: 'accepted', at: new Date().toISOString() }),
      { qos: 1 },
    );
    expect(await ex).toMatchObject({ ok: true, jti });
    await sub.endAsync();

    const verify = await core.api.call('audit.verify', {}, OPERATOR);
    expect(verify.ok && verify.result.ok).toBe(true);
    await core.stop();

    // After shutdown the head is signed: the CLI's read-only check sees every row covered.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'aegisflow.db'), { readonly: true });
    const last = db.prepare('SELECT MAX(seq) AS s FROM gov_audit').get() as { s: number };
    const head = db.prepare('SELECT MAX(seq) AS s FROM gov_audit_heads').get() as { s: number };
    db.close();
    expect(head.s).toBe(last.s);
    expect(loadPublicKey(path.join(dir, 'keys'))).not.toBeNull();
  });

  it('answers UI requests for agents, the kill switch, policy and audit', async () => {
    const dir = rigs.dir('aegis-gov-core-');
    // Without the operator agent, whose identity the core registers at start: a and b are the only agents.
    const core = rigs.core(
      testConfig(dir, { simulator: { enabled: false }, http: { enabled: false }, governance: { watchPolicy: false }, agent: { enabled: false } }),
    );
    await core.start();
    const g = core.services.governance;
    g.addAgent({ id: 'a', name: 'A' });
    g.addAgent({ id: 'b', name: 'B' });
    const kill = await core.api.call('agents.killAll', { reason: 'drill' }, OPERATOR);
    expect(kill.ok && kill.result.paused.sort()).toEqual(['a', 'b']);
    const list = await core.api.call('agents.list', {}, OPERATOR);
    expect(list.ok && list.result.map((a) => a.status)).toEqual(['paused', 'paused']);
    const revive = await core.api.call('agents.revive', { id: 'a' }, OPERATOR);
    expect(revive.ok && revive.result.status).toBe('active');
    expect(await core.api.call('agents.pause', { id: 'nobody' }, OPERATOR)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const policy = await core.api.call('policy.get', {}, OPERATOR);
    expect(policy.ok && policy.result.rules).toBeGreaterThan(0);
    const audit = await core.api.call('audit.query', { kind: 'KILLED' }, OPERATOR);
    expect(audit.ok && audit.result.map((r) => r.actor)).toEqual(['Test Operator', 'Test Operator']); // the session's operator, never a name in the params
  });
});
