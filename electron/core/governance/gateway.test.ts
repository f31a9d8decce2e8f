import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { ApprovalView } from '../../../shared/governance';
import { deviceCommandsFor } from '../plant';
import { indexModel, loadModelFile } from '../model';
import { openDatabase } from '../store';
import { canonicalHash } from './canonical';
import { EXECUTE_TOOL } from './executor';
import { harness, reduceLoad, type Harness } from './test-helpers';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens';

const demoPlant = loadModelFile(path.join(__dirname, '../../../resources/plants/demo.yaml'));
if (!demoPlant.ok) throw new Error('resources/plants/demo.yaml does not load');
/** The demo plant's command model, as the composition root gives it to the gateway. */
const deviceCommands = deviceCommandsFor(() => indexModel(demoPlant.model));

let h: Harness;
afterEach(() => h?.close());

function addAgent(id: string, extra: Record<string, unknown> = {}) {
  return h.gateway.addAgent({ id, name: `${id} bot`, role: 'operator-assistant', ...extra });
}

/** REVIEW → approve → collect the token. */
async function approvedToken(agentId: string, args: Record<string, unknown>) {
  const r = await h.gateway.authorize({ agentId, tool: 'execute_device_command', args });
  expect(r.decision).toBe('REVIEW');
  h.gateway.decide(r.approvalId!, 'approve', { operator: 'alice' });
  const w = await h.gateway.waitForApproval(r.approvalId!);
  if (w.status !== 'approved' || !w.token) throw new Error(`not approved: ${JSON.stringify(w)}`);
  return { token: w.token, approvalId: r.approvalId! };
}

describe('identity and the kill switch', () => {
  it('identifies agents by bearer token, stored only as a hash', async () => {
    h = harness();
    const { token } = addAgent('diag');
    const r = await h.gateway.authorize({ agentToken: token, tool: 'get_sensor_stream', args: { device_id: 'all' } });
    expect(r).toMatchObject({ decision: 'ALLOW', agentId: 'diag' });
    const stored = h.db.prepare('SELECT token_hash FROM gov_agents WHERE id = ?').get('diag') as { token_hash: string };
    expect(stored.token_hash).not.toContain(token);
    expect(JSON.stringify(h.db.prepare('SELECT * FROM gov_agents').all())).not.toContain(token);
  });

  it('blocks unknown agents and wrong tokens, and records it', async () => {
    h = harness();
    addAgent('diag');
    expect((await h.gateway.authorize({ agentToken: 'afa_forged', tool: 'get_sensor_stream' })).decision).toBe('BLOCK');
    expect((await h.gateway.authorize({ agentId: 'ghost', tool: 'get_sensor_stream' })).ruleId).toBe('unknown-agent');
    expect(h.gateway.audit.query({ kind: 'BLOCKED' })).toHaveLength(2);
  });

  it('refuses malformed requests as BLOCK instead of throwing', async () => {
    h = harness();
    const r = await h.gateway.authorize({ agentId: 'x', tool: 42 } as never);
    expect(r.decision).toBe('BLOCK');
    expect(r.reason).toMatch(/invalid request/);
    const r2 = await h.gateway.authorize(null as never);
    expect(r2.decision).toBe('BLOCK');
  });

  it('a paused agent is blocked at once and its pending approval is cancelled; revive restores it', async () => {
    h = harness();
    addAgent('diag');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad() });
    const waiting = h.gateway.waitForApproval(r.approvalId!);
    h.gateway.pauseAgent('diag', 'operator pressed stop');
    const w = await waiting;
    expect(w.status).toBe('cancelled');
    const next = await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status', args: {} });
    expect(next).toMatchObject({ decision: 'BLOCK', ruleId: 'kill-switch' });
    expect(next.reason).toContain('paused');
    expect(() => h.gateway.decide(r.approvalId!, 'approve', { operator: 'alice' })).toThrow(/already cancelled/);
    h.gateway.reviveAgent('diag');
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status', args: {} })).decision).toBe('ALLOW');
    const kinds = h.gateway.audit.query({ agentId: 'diag', limit: 20 }).map((x) => x.kind);
    expect(kinds).toEqual(expect.arrayContaining(['KILLED', 'CANCELLED', 'REVIVED']));
  });

  it('a quarantined agent is blocked with a reason that says so', async () => {
    h = harness();
    addAgent('diag');
    h.gateway.quarantineAgent('diag', 'prompt injection suspected');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status' });
    expect(r).toMatchObject({ decision: 'BLOCK', ruleId: 'quarantine' });
    expect(r.reason).toContain('quarantined: prompt injection suspected');
  });

  it('cached agent views are frozen: no caller can change what the next one reads', () => {
    h = harness();
    addAgent('diag');
    const a = h.gateway.agents.get('diag')!;
    expect(() => {
      (a as { status: string }).status = 'active';
    }).toThrow();
    expect(() => a.revokedTools.push('x')).toThrow();
    expect(h.gateway.agents.get('diag')).toBe(a); // served from the cache
    h.gateway.pauseAgent('diag', 'test', 'test');
    expect(h.gateway.agents.get('diag')!.status).toBe('paused'); // own writes empty the cache
  });

  it('the global kill switch pauses every agent', async () => {
    h = harness();
    addAgent('a');
    addAgent('b');
    const pending = await h.gateway.authorize({ agentId: 'b', tool: 'acknowledge_anomaly', args: { anomaly_id: 1 } });
    expect(h.gateway.killAll('plant emergency').sort()).toEqual(['a', 'b']);
    for (const id of ['a', 'b']) expect((await h.gateway.authorize({ agentId: id, tool: 'get_device_status' })).decision).toBe('BLOCK');
    expect(h.gateway.approval(pending.approvalId!)!.status).toBe('cancelled');
  });

  it('a pause made in the database by another process (the CLI) bites on the next call and the sweep cancels its approvals', async () => {
    h = harness();
    const { token } = addAgent('diag');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'acknowledge_anomaly', args: { anomaly_id: 9 } });
    // Warm the registry's cache by id and by token, then write through a second connection, as the CLI does.
    expect(h.gateway.agents.get('diag')!.status).toBe('active');
    expect(h.gateway.agents.byToken(token)!.status).toBe('active');
    const cli = openDatabase(h.dbFile);
    onTestFinished(() => {
      cli.close();
    });
    cli.prepare(`UPDATE gov_agents SET status = 'paused', status_reason = 'cli' WHERE id = 'diag'`).run();
    expect(h.gateway.agents.byToken(token)!.status).toBe('paused');
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status' })).decision).toBe('BLOCK');
    expect((await h.gateway.authorize({ agentToken: token, tool: 'get_device_status' })).decision).toBe('BLOCK');
    cli.prepare(`UPDATE gov_agents SET status = 'active', status_reason = NULL WHERE id = 'diag'`).run();
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status' })).decision).toBe('ALLOW');
    cli.prepare(`UPDATE gov_agents SET status = 'paused', status_reason = 'cli' WHERE id = 'diag'`).run();
    h.gateway.sweep();
    expect(h.gateway.approval(r.approvalId!)!.status).toBe('cancelled');
  });
});

describe('decisions', () => {
  it('follows the default policy: shutdown blocked, reduce_load reviewed, reads allowed', async () => {
    h = harness();
    addAgent('diag');
    const shut = await h.gateway.authorize({
      agentId: 'diag',
      tool: 'execute_device_command',
      args: { device_id: 'line-1/compressor-01', command: 'emergency_shutdown' },
    });
    expect(shut.decision).toBe('BLOCK');
    expect(shut.reason).toContain('reduce_load');
    expect(h.gateway.listApprovals()).toHaveLength(0); // BLOCK is never approvable: no approval exists
    const red = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad() });
    expect(red.decision).toBe('REVIEW');
    expect(red.deadline).toBe(h.clock.now() + 120_000);
    const read = await h.gateway.authorize({ agentId: 'diag', tool: 'get_active_anomalies' });
    expect(read).toMatchObject({ decision: 'ALLOW', policyVersion: h.gateway.policy.current.version });
    expect(read.token).toBeUndefined();
    const report = await h.gateway.authorize({ agentId: 'diag', tool: 'log_incident_report', args: { title: 't' } });
    expect(report.decision).toBe('ALLOW');
    expect(report.token).toBeTruthy();
  });

  it('gives the same tool different outcomes for different agents', async () => {
    h = harness(
      {},
      `rules:
  - { id: trusted-reduce, tool: execute_device_command, agent: trusted, when: { arg: command, eq: reduce_load }, decision: ALLOW, priority: 10 }
  - { id: review-commands, tool: execute_device_command, decision: REVIEW }
  - { id: intern-never, tool: execute_device_command, role: intern, decision: BLOCK, reason: interns do not command devices }
`,
    );
    addAgent('trusted');
    addAgent('newbie');
    h.gateway.addAgent({ id: 'intern', name: 'i', role: 'intern' });
    const args = reduceLoad();
    expect((await h.gateway.authorize({ agentId: 'trusted', tool: 'execute_device_command', args })).decision).toBe('ALLOW');
    expect((await h.gateway.authorize({ agentId: 'newbie', tool: 'execute_device_command', args })).decision).toBe('REVIEW');
    expect((await h.gateway.authorize({ agentId: 'intern', tool: 'execute_device_command', args })).reason).toBe('interns do not command devices');
  });

  it('refuses reads and actions outside the agent scope, like a BLOCK with the reason', async () => {
    h = harness();
    addAgent('line2', { scope: { lines: ['line-2'], toolGroups: ['read', 'control'] } });
    expect((await h.gateway.authorize({ agentId: 'line2', tool: 'get_device_status', args: { device_id: 'line-2/pump-03' } })).decision).toBe('ALLOW');
    const other = await h.gateway.authorize({ agentId: 'line2', tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } });
    expect(other).toMatchObject({ decision: 'BLOCK', ruleId: 'scope' });
    expect(other.reason).toContain('line-1/pump-03');
    // "all" and the agent's own line are allowed: the tools answer for the part inside the scope.
    expect((await h.gateway.authorize({ agentId: 'line2', tool: 'get_sensor_stream', args: { device_id: 'all' } })).decision).toBe('ALLOW');
    expect((await h.gateway.authorize({ agentId: 'line2', tool: 'get_sensor_stream', args: { device_id: 'line-2' } })).decision).toBe('ALLOW');
    const line1 = await h.gateway.authorize({ agentId: 'line2', tool: 'get_sensor_stream', args: { device_id: 'line-1' } });
    expect(line1).toMatchObject({ decision: 'BLOCK', ruleId: 'scope' });
    expect(line1.reason).toContain('line line-1 is outside');
    expect((await h.gateway.authorize({ agentId: 'line2', tool: 'get_sensor_stream', args: { device_id: 'line-*' } })).decision).toBe('BLOCK');
    // Devices a call touches without naming them (an anomaly's device) are checked too.
    const ack = await h.gateway.authorize({ agentId: 'line2', tool: 'get_device_status', args: {}, devices: ['line-1/pump-03'] });
    expect(ack).toMatchObject({ decision: 'BLOCK', ruleId: 'scope' });
    const report = await h.gateway.authorize({ agentId: 'line2', tool: 'log_incident_report', args: {} });
    expect(report).toMatchObject({ decision: 'BLOCK', ruleId: 'scope' });
    expect((await h.gateway.authorize({ agentId: 'line2', tool: 'execute_device_command', args: reduceLoad('line-2/pump-03') })).decision).toBe('REVIEW');
  });

  it('applies the immune system overlays: reduced autonomy reviews, revoked tools block', async () => {
    h = harness();
    addAgent('diag');
    h.gateway.setReducedAutonomy('diag', true, 'latency anomaly');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status' });
    expect(r).toMatchObject({ decision: 'REVIEW', ruleId: 'reduced-autonomy' });
    h.gateway.setReducedAutonomy('diag', false, 'healed');
    h.gateway.revokeTools('diag', ['get_*'], 'tool instability');
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status' })).ruleId).toBe('revoked');
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'log_incident_report' })).decision).toBe('ALLOW');
    h.gateway.restoreTools('diag', undefined, 'healed');
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status' })).decision).toBe('ALLOW');
    // None of this touched the policy file.
    expect(fs.readFileSync(h.policyFile, 'utf8')).not.toContain('diag');
  });

  it('fails closed when something inside the gateway breaks', async () => {
    h = harness();
    addAgent('diag');
    h.db.exec('DROP TABLE gov_approvals');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad() });
    expect(r).toMatchObject({ decision: 'BLOCK', ruleId: 'internal-error' });
  });

  it('records every decision with the policy version in the audit chain and on the bus', async () => {
    h = harness();
    const seen: string[] = [];
    h.bus.on('governance.decision', (d) => seen.push(`${d.tool}:${d.decision}`));
    addAgent('diag');
    await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status' });
    await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: { device_id: 'line-1/motor-02', command: 'restart' } });
    expect(seen).toEqual(['get_device_status:ALLOW', 'execute_device_command:BLOCK']);
    const rows = h.gateway.audit.query({ agentId: 'diag' });
    expect(rows.map((r) => r.kind)).toEqual(['BLOCKED', 'ALLOWED', 'AGENT_ADDED']);
    expect(rows[0].policyVersion).toBe(h.gateway.policy.current.version);
  });
});

describe('approvals', () => {
  it('times out: expired means denied, and a late approval is refused', async () => {
    h = harness();
    addAgent('diag');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad() });
    const waiting = h.gateway.waitForApproval(r.approvalId!);
    h.clock.advance(119_000);
    h.gateway.sweep();
    expect(h.gateway.approval(r.approvalId!)!.status).toBe('pending');
    h.clock.advance(1_000);
    h.gateway.sweep();
    const w = await waiting;
    expect(w.status).toBe('expired');
    expect(() => h.gateway.decide(r.approvalId!, 'approve', { operator: 'bob' })).toThrow(/already expired/);
    expect(h.gateway.audit.query({ kind: 'EXPIRED' })).toHaveLength(1);
  });

  it('refuses an approval after the deadline even before the sweeper runs', async () => {
    h = harness();
    addAgent('diag');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'acknowledge_anomaly', args: { anomaly_id: 1 } });
    h.clock.advance(121_000);
    expect(() => h.gateway.decide(r.approvalId!, 'approve', { operator: 'bob' })).toThrow(/expired/);
    expect(h.gateway.approval(r.approvalId!)!.status).toBe('expired');
  });

  it('uses the timeout and approver role of the rule', async () => {
    h = harness({}, 'rules:\n  - { id: r, tool: acknowledge_anomaly, decision: REVIEW, timeout_s: 30, approver_role: shift-lead }\n');
    addAgent('diag');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'acknowledge_anomaly', args: { anomaly_id: 1 } });
    expect(r.deadline).toBe(h.clock.now() + 30_000);
    expect(() => h.gateway.decide(r.approvalId!, 'approve', { operator: 'op', roles: ['operator'] })).toThrow(/shift-lead/);
    expect(h.gateway.decide(r.approvalId!, 'approve', { operator: 'lead', roles: ['operator', 'shift-lead'] }).status).toBe('approved');
  });

  it('decides all pending approvals at once, each exactly once', async () => {
    h = harness();
    addAgent('diag');
    const created: ApprovalView[] = [];
    const decided: ApprovalView[] = [];
    h.bus.on('approval.created', (a) => created.push(a));
    h.bus.on('approval.decided', (a) => decided.push(a));
    for (let i = 0; i < 3; i++) await h.gateway.authorize({ agentId: 'diag', tool: 'acknowledge_anomaly', args: { anomaly_id: i } });
    const done = h.gateway.decideAll('reject', { operator: 'carol', comment: 'not now' });
    expect(done.map((a) => a.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(created).toHaveLength(3);
    expect(decided.map((a) => [a.status, a.decidedBy, a.comment])).toEqual(Array(3).fill(['rejected', 'carol', 'not now']));
    expect(h.gateway.decideAll('approve', { operator: 'carol' })).toHaveLength(0);
    expect(() => h.gateway.decide(done[0].id, 'approve', { operator: 'dave' })).toThrow(/already rejected \(by carol\)/);
    expect(h.gateway.listApprovals('pending')).toHaveLength(0);
  });

  it('reports progress while waiting and hands out the token only once', async () => {
    h = harness();
    addAgent('diag');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad() });
    let progress = 0;
    const waiting = h.gateway.waitForApproval(r.approvalId!, { onProgress: () => progress++ });
    await new Promise((res) => setTimeout(res, 40));
    h.gateway.decide(r.approvalId!, 'approve', { operator: 'alice' });
    const w = await waiting;
    expect(w.status).toBe('approved');
    expect(progress).toBeGreaterThan(0);
    await expect(h.gateway.approvalStatus(r.approvalId!)).rejects.toThrow(/already issued/);
  });

  it('stops waiting on abort, leaving the approval pending (or cancelling it when asked)', async () => {
    h = harness();
    addAgent('diag');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'acknowledge_anomaly', args: { anomaly_id: 2 } });
    const ac = new AbortController();
    const waiting = h.gateway.waitForApproval(r.approvalId!, { signal: ac.signal });
    ac.abort();
    expect((await waiting).status).toBe('pending');
    const ac2 = new AbortController();
    const w2 = h.gateway.waitForApproval(r.approvalId!, { signal: ac2.signal, cancelOnAbort: true });
    ac2.abort();
    expect((await w2).status).toBe('cancelled');
  });

  it('masks sensitive argument values in approvals and the audit, but hashes the real ones', async () => {
    h = harness();
    addAgent('diag');
    const args = { anomaly_id: 1, note: 'card 4111 1111 1111 1111 on file', api_key: 'sk-live-123' };
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'acknowledge_anomaly', args });
    const view = h.gateway.listApprovals('pending')[0];
    expect(JSON.stringify(view.args)).not.toContain('4111');
    expect(view.args).toMatchObject({ note: 'card [masked] on file', api_key: '[masked]', anomaly_id: 1 });
    const row = h.gateway.audit.query({ kind: 'REVIEW' })[0];
    expect(JSON.stringify(row)).not.toContain('sk-live-123');
    expect(row.argsHash).toBe(canonicalHash(args));
    expect(r.approvalId).toBe(row.approvalId);
  });
});

describe('intent tokens and the executor', () => {
  it('publishes an approved command with its token, once', async () => {
    h = harness();
    addAgent('diag');
    const args = reduceLoad();
    const { token } = await approvedToken('diag', args);
    const ok = await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token });
    expect(ok).toMatchObject({ ok: true, deviceId: 'line-1/compressor-01', command: 'reduce_load' });
    // The exact tool arguments travel with their token: the device derives the command from them.
    expect(h.published).toEqual([{ deviceId: 'line-1/compressor-01', message: { args, intent_token: token } }]);
    const replay = await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token });
    expect(replay).toMatchObject({ ok: false, code: 'replayed' });
    expect(h.published).toHaveLength(1);
    expect(h.gateway.audit.query({ kind: 'EXECUTED' })).toHaveLength(1);
    expect(h.gateway.audit.query({ kind: 'REFUSED' })[0].ruleId).toBe('replayed');
  });

  it("audits EXECUTED only on the device's acceptance: DEVICE_REFUSED with its reason, or NO_ACK", async () => {
    h = harness({}, undefined, { deviceCommands });
    addAgent('diag');
    h.deviceReply = { status: 'refused', code: 'device_rejected', reason: 'device is shut down; restart it first' };
    const a1 = reduceLoad('line-1/compressor-01', 20);
    const refused = await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args: a1, token: (await approvedToken('diag', a1)).token });
    expect(refused).toMatchObject({ ok: false, code: 'device_refused', message: 'the device refused reduce_load: device is shut down; restart it first' });
    h.deviceReply = { status: 'no_ack', waitedMs: 5000 };
    const a2 = reduceLoad('line-1/compressor-01', 30);
    expect(await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args: a2, token: (await approvedToken('diag', a2)).token })).toMatchObject({
      ok: false,
      code: 'no_ack',
    });
    expect(h.gateway.audit.query({ kind: 'DEVICE_REFUSED' })[0]).toMatchObject({ ruleId: 'device_rejected', reason: expect.stringContaining('shut down') });
    expect(h.gateway.audit.query({ kind: 'NO_ACK' })[0].reason).toMatch(/within 5000 ms/);
    expect(h.gateway.audit.query({ kind: 'EXECUTED' })).toHaveLength(0);
    // Parameters the device must refuse are stopped before anything is published.
    const a3 = reduceLoad('line-1/compressor-01', 500);
    expect(await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args: a3, token: (await approvedToken('diag', a3)).token })).toMatchObject({
      ok: false,
      code: 'invalid_params',
    });
    expect(h.published).toHaveLength(2);
  });

  it('refuses a command without a token, with other arguments, another agent or another tool', async () => {
    h = harness();
    addAgent('diag');
    addAgent('other');
    const args = reduceLoad();
    const { token } = await approvedToken('diag', args);
    const cases: Array<[{ agentId: string; args: Record<string, unknown>; token: string | undefined }, string]> = [
      [{ agentId: 'diag', args, token: undefined }, 'bad_token'],
      [{ agentId: 'diag', args: reduceLoad('line-1/compressor-01', 90), token }, 'args_mismatch'],
      [{ agentId: 'diag', args: { ...args, device_id: 'line-2/compressor-01' }, token }, 'args_mismatch'],
      [{ agentId: 'other', args, token }, 'wrong_agent'],
    ];
    for (const [input, code] of cases) expect((await h.gateway.runApproved({ ...input, tool: EXECUTE_TOOL })).ok === false && code).toBe(code);
    const ack = await h.gateway.runApproved({ agentId: 'diag', tool: 'acknowledge_anomaly', args, token });
    expect(ack).toMatchObject({ ok: false, code: 'wrong_tool' });
    expect(h.published).toHaveLength(0);
    // The token was never used up by the refusals: the right call still goes through.
    expect((await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token })).ok).toBe(true);
  });

  it('refuses a token tampered in any claim', async () => {
    h = harness();
    addAgent('diag');
    const args = reduceLoad();
    const { token } = await approvedToken('diag', args);
    const [head, body, sig] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const changes: Record<string, unknown> = {
      agent: 'other',
      tool: 'acknowledge_anomaly',
      args_sha256: canonicalHash({ ...args, params: { reduction_pct: 100 } }),
      policy_version: 'ffffffffffffffff',
      approval_id: 'apr_forged',
      exp: (claims.exp as number) + 3600,
      iat: (claims.iat as number) - 10,
      jti: 'another-jti',
      plan_step: 3,
      iss: 'someone-else',
      aud: 'someone-else',
    };
    for (const [claim, value] of Object.entries(changes)) {
      const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, [claim]: value })).toString('base64url')}.${sig}`;
      const r = await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token: forged });
      expect([claim, r.ok ? 'accepted' : r.code]).toEqual([claim, 'bad_signature']);
    }
    // Header tampering (e.g. alg none) is refused too.
    const noneHead = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect((await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token: `${noneHead}.${body}.` })).ok).toBe(false);
    // A token signed with another Ed25519 key is refused.
    const { privateKey } = generateKeyPairSync('ed25519');
    const foreign = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).sign(privateKey);
    expect(await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token: foreign })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(h.published).toHaveLength(0);
  });

  it('refuses an expired token', async () => {
    h = harness();
    addAgent('diag');
    const args = reduceLoad();
    const { token } = await approvedToken('diag', args);
    h.clock.advance(61_000);
    expect(await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token })).toMatchObject({ ok: false, code: 'expired' });
    expect(h.published).toHaveLength(0);
  });

  it('refuses a valid token once the agent has been paused', async () => {
    h = harness();
    addAgent('diag');
    const args = reduceLoad();
    const { token } = await approvedToken('diag', args);
    h.gateway.pauseAgent('diag');
    expect(await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token })).toMatchObject({ ok: false, code: 'agent_inactive' });
  });

  it('binds the token claims to agent, tool, canonical arguments, policy version and approval', async () => {
    h = harness();
    addAgent('diag');
    const args = reduceLoad();
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args });
    h.gateway.decide(r.approvalId!, 'approve', { operator: 'alice' });
    const w = await h.gateway.waitForApproval(r.approvalId!);
    expect(w.status === 'approved' && w.tokenClaims).toMatchObject({
      agent: 'diag',
      tool: 'execute_device_command',
      args_sha256: canonicalHash({
        justification: args.justification,
        params: { reduction_pct: 50 },
        command: 'reduce_load',
        device_id: 'line-1/compressor-01',
      }),
      policy_version: h.gateway.policy.current.version,
      approval_id: r.approvalId,
    });
    const c = (w as { tokenClaims: { iat: number; exp: number } }).tokenClaims;
    expect(c.exp - c.iat).toBe(60);
  });

  it('keeps the private key owner-only (0600)', () => {
    h = harness();
    const mode = fs.statSync(`${h.dir}/keys/gateway-ed25519.pem`).mode & 0o777;
    expect(mode).toBe(0o600);
  });
});

describe('plans', () => {
  const steps = [
    { tool: 'get_device_status', args: { device_id: 'line-1/compressor-01' } },
    { tool: 'execute_device_command', args: reduceLoad() },
    { tool: 'log_incident_report', args: { title: 'thermal runaway', summary: 'reduced load' } },
  ];

  it('is BLOCKed when any step is', async () => {
    h = harness();
    addAgent('planner');
    const r = await h.gateway.submitPlan({
      agentId: 'planner',
      rationale: 'stop it',
      steps: [steps[0], { tool: 'execute_device_command', args: { device_id: 'line-1/compressor-01', command: 'emergency_shutdown' } }],
    });
    expect(r.decision).toBe('BLOCK');
    expect(r.reason).toContain('step 2');
    expect(r.steps.map((s) => s.decision)).toEqual(['ALLOW', 'BLOCK']);
    expect(h.gateway.listApprovals()).toHaveLength(0);
  });

  it('is approved as a whole, then each step runs in order with its own token carrying the plan hash', async () => {
    h = harness();
    addAgent('planner');
    const r = await h.gateway.submitPlan({ agentId: 'planner', rationale: 'SOP 2.1 for thermal runaway', steps });
    expect(r.decision).toBe('REVIEW');
    expect(r.steps.map((s) => s.decision)).toEqual(['ALLOW', 'REVIEW', 'ALLOW']);
    // Not yet approved: steps are refused.
    expect((await h.gateway.authorize({ agentId: 'planner', tool: steps[0].tool, args: steps[0].args, planId: r.planId! })).decision).toBe('BLOCK');
    h.gateway.decide(r.approvalId!, 'approve', { operator: 'alice' });
    expect((await h.gateway.waitForApproval(r.approvalId!)).status).toBe('approved');
    // Out of order → refused.
    const skip = await h.gateway.authorize({ agentId: 'planner', tool: steps[1].tool, args: steps[1].args, planId: r.planId! });
    expect(skip).toMatchObject({ decision: 'BLOCK', ruleId: 'plan-mismatch' });
    const s0 = await h.gateway.authorize({ agentId: 'planner', tool: steps[0].tool, args: steps[0].args, planId: r.planId! });
    expect(s0).toMatchObject({ decision: 'ALLOW', planStep: 0 });
    expect(s0.tokenClaims!.plan_hash).toBe(r.planHash);
    // A call differing in one argument from step 2 → refused.
    const changed = await h.gateway.authorize({
      agentId: 'planner',
      tool: 'execute_device_command',
      args: reduceLoad('line-1/compressor-01', 80),
      planId: r.planId!,
    });
    expect(changed).toMatchObject({ decision: 'BLOCK', ruleId: 'plan-mismatch' });
    const s1 = await h.gateway.authorize({ agentId: 'planner', tool: steps[1].tool, args: steps[1].args, planId: r.planId! });
    expect(s1.decision).toBe('ALLOW');
    expect(await h.gateway.runApproved({ agentId: 'planner', tool: EXECUTE_TOOL, args: steps[1].args, token: s1.token })).toMatchObject({ ok: true });
    expect((await h.gateway.authorize({ agentId: 'planner', tool: steps[2].tool, args: steps[2].args, planId: r.planId! })).decision).toBe('ALLOW');
    expect(h.gateway.plan(r.planId!)!.status).toBe('done');
    expect((await h.gateway.authorize({ agentId: 'planner', tool: steps[2].tool, args: steps[2].args, planId: r.planId! })).decision).toBe('BLOCK');
  });

  it('is allowed at once when every step is, and refuses another agent running it', async () => {
    h = harness();
    addAgent('planner');
    addAgent('thief');
    const r = await h.gateway.submitPlan({ agentId: 'planner', rationale: 'look around', steps: [steps[0], steps[2]] });
    expect(r.decision).toBe('ALLOW');
    expect((await h.gateway.authorize({ agentId: 'thief', tool: steps[0].tool, args: steps[0].args, planId: r.planId! })).decision).toBe('BLOCK');
    expect((await h.gateway.authorize({ agentId: 'planner', tool: steps[0].tool, args: steps[0].args, planId: r.planId! })).decision).toBe('ALLOW');
  });

  it('checks a step against the scope with the devices it touches (an anomaly on another line)', async () => {
    h = harness();
    addAgent('line2', { scope: { lines: ['line-2'] } });
    const r = await h.gateway.submitPlan({
      agentId: 'line2',
      rationale: 'acknowledge, then look',
      steps: [{ tool: 'acknowledge_anomaly', args: { anomaly_id: 'a-1' } }],
    });
    h.gateway.decide(r.approvalId!, 'approve', { operator: 'alice' });
    await h.gateway.waitForApproval(r.approvalId!);
    const step = await h.gateway.authorize({
      agentId: 'line2',
      tool: 'acknowledge_anomaly',
      args: { anomaly_id: 'a-1' },
      planId: r.planId!,
      devices: ['line-1/pump-03'],
    });
    expect(step).toMatchObject({ decision: 'BLOCK', ruleId: 'scope' });
    expect(step.reason).toContain('line-1/pump-03');
  });

  it('refuses a malformed plan', async () => {
    h = harness();
    addAgent('planner');
    const r = await h.gateway.submitPlan({ agentId: 'planner', rationale: '', steps: [] });
    expect(r.decision).toBe('BLOCK');
    expect(r.reason).toMatch(/invalid plan/);
  });
});

describe('operator tools', () => {
  it('promotes a decided approval to an ALLOW rule for that agent and those arguments', async () => {
    h = harness();
    addAgent('diag');
    addAgent('other');
    const args = reduceLoad();
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args });
    expect(() => h.gateway.promote(r.approvalId!, 'ALLOW', 'alice')).toThrow(/pending/);
    h.gateway.decide(r.approvalId!, 'approve', { operator: 'alice' });
    const p = h.gateway.promote(r.approvalId!, 'ALLOW', 'alice');
    expect(p.version).toBe(h.gateway.policy.current.version);
    expect(fs.readFileSync(h.policyFile, 'utf8')).toContain(p.ruleId);
    // Same call (even with another justification) is now allowed for diag only; other values still need review; shutdown still blocked.
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: { ...args, justification: 'again' } })).decision).toBe('ALLOW');
    expect((await h.gateway.authorize({ agentId: 'other', tool: 'execute_device_command', args })).decision).toBe('REVIEW');
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad('line-1/compressor-01', 70) })).decision).toBe(
      'REVIEW',
    );
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: { ...args, command: 'restart' } })).decision).toBe('BLOCK');
  });

  it('writes promoted rules to a copy in the data dir when the policy in force is the bundled default', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-gov-data-'));
    onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const copy = path.join(dataDir, 'policy.yaml');
    h = harness({ policyCopy: copy });
    const bundled = fs.readFileSync(h.policyFile, 'utf8');
    addAgent('diag');
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'acknowledge_anomaly', args: { anomaly_id: 4 } });
    h.gateway.decide(r.approvalId!, 'reject', { operator: 'alice' });
    const p = h.gateway.promote(r.approvalId!, 'BLOCK', 'alice');
    expect(fs.readFileSync(h.policyFile, 'utf8')).toBe(bundled);
    expect(fs.readFileSync(copy, 'utf8')).toContain(p.ruleId);
    expect(h.gateway.policyInfo().file).toBe(copy);
    expect((await h.gateway.authorize({ agentId: 'diag', tool: 'acknowledge_anomaly', args: { anomaly_id: 4 } })).decision).toBe('BLOCK');
  });

  it('exports a manifest of every agent: identity, scope, status and how each tool is treated', () => {
    h = harness();
    addAgent('diag', { model: 'llama3.2' });
    addAgent('line2', { scope: { toolGroups: ['read'] } });
    h.gateway.pauseAgent('line2', 'maintenance');
    const m = h.gateway.manifest();
    const diag = m.agents.find((a) => a.id === 'diag')!;
    expect(diag).toMatchObject({ model: 'llama3.2', status: 'active' });
    const how = Object.fromEntries(diag.tools.map((t) => [t.tool, t.decision]));
    expect(how).toMatchObject({ get_sensor_stream: 'ALLOW', execute_device_command: 'REVIEW', acknowledge_anomaly: 'REVIEW', log_incident_report: 'ALLOW' });
    expect(diag.tools.find((t) => t.tool === 'execute_device_command')!.conditional.map((c) => c.decision)).toEqual(['BLOCK']);
    const line2 = m.agents.find((a) => a.id === 'line2')!;
    expect(line2.status).toBe('paused');
    expect(line2.tools.find((t) => t.tool === 'execute_device_command')!.decision).toBe('BLOCK');
    expect(m.policyVersion).toBe(h.gateway.policy.current.version);
  });

  it('audits a refused policy reload and keeps deciding with the old policy', async () => {
    h = harness();
    addAgent('diag');
    const loads: boolean[] = [];
    h.bus.on('policy.loaded', (e) => loads.push(e.ok));
    const before = h.gateway.policy.current.version;
    fs.writeFileSync(h.policyFile, 'rules:\n  - id: x\n    tool: t\n    decision: PERHAPS\n');
    const ev = h.gateway.policy.load();
    expect(ev.ok).toBe(false);
    expect(!ev.ok && ev.problems[0]).toMatchObject({ line: 4, path: 'rules.0.decision' });
    expect(loads).toEqual([false]);
    expect(h.gateway.policyInfo()).toMatchObject({ version: before, problems: [expect.objectContaining({ line: 4 })] });
    expect(
      (await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: { command: 'restart', device_id: 'line-1/motor-02' } })).decision,
    ).toBe('BLOCK');
    expect(h.gateway.audit.query({ kind: 'POLICY_REFUSED' })).toHaveLength(1);
  });
});

describe('signed audit head', () => {
  it('is signed after signIntervalMs with rows waiting, so a crash leaves at most that much unprovable', async () => {
    h = harness({ audit: { signEvery: 0, signIntervalMs: 60_000 } });
    addAgent('diag');
    h.gateway.sweep(); // first look: signs what is there
    await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } });
    expect(h.gateway.audit.unsignedRows()).toBe(1);
    h.clock.advance(30_000);
    h.gateway.sweep();
    expect(h.gateway.audit.unsignedRows()).toBe(1); // not yet due
    h.clock.advance(30_000);
    h.gateway.sweep();
    expect(h.gateway.audit.unsignedRows()).toBe(0);
    const head = h.gateway.audit.latestHead()!;
    expect(head.seq).toBe(h.gateway.audit.count());
    expect(h.gateway.audit.verify(h.gateway.publicKey).ok).toBe(true);
  });
});

describe('one way an approved call runs', () => {
  it("spends an approval's authority once, and only through a run of its own kind", async () => {
    h = harness();
    addAgent('diag');
    const args = reduceLoad();
    const { token, approvalId } = await approvedToken('diag', args);
    // A call approval is not a healing's to spend; its own run spends it.
    expect(h.gateway.spendHealingApproval(approvalId)).toBe(false);
    expect(h.gateway.approval(approvalId)?.usedAt).toBeNull();
    expect(await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token })).toMatchObject({ ok: true });
    expect(h.gateway.approval(approvalId)?.usedAt).toBe(h.clock.now());
    const heal = h.gateway.requestHealing({ agentId: 'fleet-7', infectionId: 1, severity: 8, diagnosis: 'loop', reason: 'heal fleet-7', timeoutS: 60 });
    h.gateway.decide(heal.id, 'approve', { operator: 'alice' });
    expect(h.gateway.spendHealingApproval(heal.id)).toBe(true);
    expect(h.gateway.spendHealingApproval(heal.id)).toBe(false);
  });

  it("asks the plant's command model before anyone approves a device command", () => {
    h = harness({}, undefined, { deviceCommands });
    expect(h.gateway.deviceCommandProblem(reduceLoad('line-1/compressor-01', 50))).toBeNull();
    expect(h.gateway.deviceCommandProblem(reduceLoad('line-1/compressor-01', 500))).toEqual({
      code: 'invalid_params',
      message: expect.stringMatching(/reduce_load needs reduction_pct between 1 and 90/),
    });
    const unreadable = { device_id: 'line-1/compressor-01', command: 'reduce_load', parameters: '{"reduction_pct": ' };
    expect(h.gateway.deviceCommandProblem(unreadable)).toEqual({ code: 'invalid_args', message: 'parameters is not valid JSON' });
    h.close();
    // Without a command model (no simulator's model wired) only the device judges the values.
    h = harness();
    expect(h.gateway.deviceCommandProblem(reduceLoad('line-1/compressor-01', 500))).toBeNull();
    expect(h.gateway.deviceCommandProblem(unreadable)?.code).toBe('invalid_args');
  });
});
