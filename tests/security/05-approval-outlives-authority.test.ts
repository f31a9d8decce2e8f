// Finding 5: approvals outlived their authority. An approved-but-uncollected approval ran after a
// restart, 40 s past a 15 s deadline, after pause + revive, and after the policy was changed to BLOCK
// that very command. Now an approved call must be collected within governance.collectWindowS (or the
// rule's own timeout, when shorter) of the decision; at collection and again when the executor redeems
// the token the gateway re-checks the policy in force, the agent's state and the deadline; a restart
// expires approved-but-uncollected approvals; a pause voids what was approved before it. Each refusal
// is audited. A real core (broker, simulated devices, SQLite in a temp dir), a manual clock.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testConfig, type Core } from '../../electron/core';
import { manualClock } from '../../electron/core/clock';
import { OPERATOR, perTestCores } from '../helpers';
import { auditFor, reduceLoad } from './device-commands';
import { EXECUTE_TOOL } from '../../electron/core/governance';

const DEFAULT_POLICY = fs.readFileSync(path.resolve(__dirname, '../../resources/policies/default.yaml'), 'utf8');

const rigs = perTestCores();

function setup(policyText = DEFAULT_POLICY, governance: Record<string, unknown> = {}) {
  const dir = rigs.dir('aegis-sec05-');
  const policyFile = path.join(dir, 'policy.yaml');
  fs.writeFileSync(policyFile, policyText);
  const clock = manualClock(Date.now());
  const boot = async (): Promise<Core> => {
    const core = rigs.core(
      testConfig(dir, {
        http: { enabled: false },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false, sweepIntervalMs: 50, policyFile, ...governance },
      }),
      { clock },
    );
    await core.start();
    return core;
  };
  return { dir, policyFile, clock, boot };
}

/** The agent asks, the operator approves: returns the approval id (nothing collected yet). */
async function askAndApprove(core: Core, args: Record<string, unknown>): Promise<string> {
  const r = await core.services.governance.authorize({ agentId: 'diag', tool: 'execute_device_command', args });
  if (r.decision !== 'REVIEW' || !r.approvalId) throw new Error(`expected REVIEW, got ${r.decision}: ${r.reason}`);
  const d = await core.api.call('approvals.decide', { id: r.approvalId, verdict: 'approve' }, OPERATOR);
  if (!d.ok) throw new Error(d.error.message);
  return r.approvalId;
}

/** What an agent polling get_approval_status does: collect the token, and if there is one, run the call. */
async function collectAndRun(core: Core, approvalId: string, args: Record<string, unknown>) {
  const g = core.services.governance;
  const w = await g.approvalStatus(approvalId);
  const run = w.status === 'approved' ? await g.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token: w.token }) : null;
  return { status: w.status, reason: 'reason' in w ? w.reason : null, ran: run?.ok === true };
}

async function nothingReached(core: Core, device: string) {
  expect(await auditFor(core, 'EXECUTED', device)).toEqual([]);
  expect(core.services.plant!.simulator.device(device)!.status()).toMatchObject({ load_pct: 100 });
}

async function auditOf(core: Core, approvalId: string) {
  const rows = await core.api.call('audit.query', { limit: 1000 }, OPERATOR);
  if (!rows.ok) throw new Error(rows.error.message);
  return rows.result.filter((r) => r.approvalId === approvalId).map((r) => r.kind);
}

describe('finding 5: an approval never outlives its authority', () => {
  it('a restart expires an approved-but-uncollected approval (audited); the call never runs', async () => {
    const s = setup();
    const first = await s.boot();
    first.services.governance.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
    const args = reduceLoad('line-1/pump-03', 20);
    const id = await askAndApprove(first, args);
    await first.stop();
    s.clock.advance(5_000);

    const second = await s.boot();
    const r = await collectAndRun(second, id, args);
    expect(r).toMatchObject({ status: 'expired', ran: false });
    expect(r.reason).toMatch(/restart/);
    expect(await auditOf(second, id)).toContain('EXPIRED');
    await nothingReached(second, 'line-1/pump-03');
  });

  it('40 s past a 15 s deadline the approved call has expired (audited), and the window is a config knob', async () => {
    const s = setup(DEFAULT_POLICY.replace('review_timeout_s: 120', 'review_timeout_s: 15'));
    const core = await s.boot();
    core.services.governance.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
    const args = reduceLoad('line-2/pump-03', 20);
    s.clock.advance(1_000);
    const id = await askAndApprove(core, args);
    const deadline = core.services.governance.approval(id)!.deadline;
    s.clock.set(deadline + 40_000);
    const r = await collectAndRun(core, id, args);
    expect(r).toMatchObject({ status: 'expired', ran: false });
    expect(await auditOf(core, id)).toContain('EXPIRED');
    await nothingReached(core, 'line-2/pump-03');

    // The sweep lapses an approval nobody ever comes for, without waiting for a collection.
    const id2 = await askAndApprove(core, reduceLoad('line-2/pump-03', 30));
    s.clock.advance(16_000);
    core.services.governance.sweep();
    expect(core.services.governance.approval(id2)!.status).toBe('expired');
  });

  it('governance.collectWindowS bounds collection even when the rule gives the operator longer', async () => {
    const s = setup(DEFAULT_POLICY, { collectWindowS: 30 });
    const core = await s.boot();
    core.services.governance.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
    const args = reduceLoad('line-3/pump-03', 20);
    const id = await askAndApprove(core, args);
    s.clock.advance(31_000);
    expect(await collectAndRun(core, id, args)).toMatchObject({ status: 'expired', ran: false });
    await nothingReached(core, 'line-3/pump-03');
  });

  it('pause + revive voids an approval approved before the pause, collected or not (audited)', async () => {
    const s = setup();
    const core = await s.boot();
    const g = core.services.governance;
    g.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
    const uncollected = reduceLoad('line-1/motor-02', 20);
    const collected = reduceLoad('line-1/motor-02', 30);
    const idA = await askAndApprove(core, uncollected);
    const idB = await askAndApprove(core, collected);
    const early = await g.approvalStatus(idB);
    expect(early.status).toBe('approved');
    const token = early.status === 'approved' ? early.token : undefined;

    for (const step of ['agents.pause', 'agents.revive'] as const) {
      const r = await core.api.call(step, { id: 'diag' }, OPERATOR);
      expect(r.ok).toBe(true);
    }
    expect(g.agents.get('diag')!.status).toBe('active');

    const a = await collectAndRun(core, idA, uncollected);
    expect(a).toMatchObject({ status: 'cancelled', ran: false });
    expect(await auditOf(core, idA)).toContain('CANCELLED');
    // The token collected before the pause is void too: the executor refuses it, audited.
    const b = await g.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args: collected, token });
    expect(b.ok).toBe(false);
    const refused = await core.api.call('audit.query', { kind: 'REFUSED', limit: 100 }, OPERATOR);
    expect(refused.ok && refused.result.some((row) => row.approvalId === idB || (row.reason ?? '').includes(idB))).toBe(true);
    await nothingReached(core, 'line-1/motor-02');
  });

  it('after the policy is changed to BLOCK that very command, the approved call is refused at collection and at execution (audited)', async () => {
    const s = setup();
    const core = await s.boot();
    const g = core.services.governance;
    g.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
    const uncollected = reduceLoad('line-2/motor-02', 20);
    const collected = reduceLoad('line-2/motor-02', 30);
    const idA = await askAndApprove(core, uncollected);
    const idB = await askAndApprove(core, collected);
    const early = await g.approvalStatus(idB);
    const token = early.status === 'approved' ? early.token : undefined;
    expect(token).toBeTruthy();

    // The operator edits the policy: reduce_load on line-2 is now blocked. Loaded as the watcher would.
    const blockRule = `
  - id: block-line-2-load
    tool: execute_device_command
    when: { all: [ { arg: command, eq: reduce_load }, { arg: device_id, matches: '^line-2/' } ] }
    decision: BLOCK
    reason: line 2 is under maintenance
`;
    fs.writeFileSync(s.policyFile, DEFAULT_POLICY.replace('\nrules:\n', `\nrules:\n${blockRule}`));
    expect(g.policy.load().ok).toBe(true);

    const a = await collectAndRun(core, idA, uncollected);
    expect(a.status).not.toBe('approved');
    expect(a.ran).toBe(false);
    expect(a.reason).toMatch(/block-line-2-load|maintenance/);
    const b = await g.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args: collected, token });
    expect(b).toMatchObject({ ok: false });
    expect(!b.ok && b.message).toMatch(/block-line-2-load|maintenance/);
    const refused = await core.api.call('audit.query', { kind: 'REFUSED', limit: 100 }, OPERATOR);
    expect(refused.ok && refused.result.filter((row) => row.ruleId === 'block-line-2-load').length).toBeGreaterThanOrEqual(1);
    await nothingReached(core, 'line-2/motor-02');
  });
});
