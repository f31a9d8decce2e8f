// Issue 13, "operators are people": an optional two-person rule per policy rule (`approvals: 2`).
// A request under it turns approved only when two different logged-in operators have approved it;
// the same person twice, or an "approve all", never stands in for the second one.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { operatorCaller } from '../helpers';
import { startRig, type McpRig } from '../mcp-helpers';
import { reduceLoad } from './device-commands';
import { EXECUTE_TOOL } from '../../electron/core/governance';

const DEFAULT_POLICY = fs.readFileSync(path.resolve(__dirname, '../../resources/policies/default.yaml'), 'utf8');
// Shutdowns stay BLOCKed; a large load cut needs two operators.
const POLICY = DEFAULT_POLICY.replace(
  '  - id: review-device-commands',
  `  - id: two-person-big-cuts
    tool: execute_device_command
    when: { all: [{ arg: command, eq: reduce_load }, { arg: parameters.reduction_pct, gte: 50 }] }
    decision: REVIEW
    approvals: 2
    priority: 10
    reason: cutting half the load or more needs two operators

  - id: review-device-commands`,
);

let rig: McpRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('two-person rule', () => {
  it('needs two different operators; the same one twice or an approve-all does not count', async () => {
    rig = await startRig({ simulator: { autostart: false } }, POLICY);
    const { core } = rig;
    const g = core.services.governance;
    const dana = operatorCaller('Dana Reyes', ['operator']);
    const lee = operatorCaller('Lee Park', ['operator']);
    const args = reduceLoad('line-1/compressor-01', 60);
    const r = await g.authorize({ agentId: 'diag', tool: EXECUTE_TOOL, args });
    expect(r).toMatchObject({ decision: 'REVIEW', ruleId: 'two-person-big-cuts' });
    const id = r.approvalId!;

    const first = await core.api.call('approvals.decide', { id, verdict: 'approve', comment: 'ok from me' }, dana);
    expect(first).toMatchObject({ ok: true, result: { status: 'pending', requiredApprovals: 2, approvals: [{ by: 'Dana Reyes', comment: 'ok from me' }] } });
    const again = await core.api.call('approvals.decide', { id, verdict: 'approve' }, dana);
    expect(again.ok ? 'approved twice' : again.error.message).toMatch(/2 different operators; Dana Reyes has approved it already/);
    const all = await core.api.call('approvals.decideAll', { verdict: 'approve' }, lee);
    expect(all).toMatchObject({ ok: true, result: { decided: 0 } });
    expect(g.approval(id)!.status).toBe('pending');

    const second = await core.api.call('approvals.decide', { id, verdict: 'approve' }, lee);
    expect(second).toMatchObject({ ok: true, result: { status: 'approved', decidedBy: 'Lee Park', approvals: [{ by: 'Dana Reyes' }, { by: 'Lee Park' }] } });
    const audit = g.audit
      .query({ limit: 50 })
      .filter((row) => row.approvalId === id)
      .map((row) => [row.kind, row.actor]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['APPROVED_PARTIAL', 'Dana Reyes'],
        ['APPROVED', 'Lee Park'],
      ]),
    );

    // A smaller cut is the ordinary one-operator rule.
    const small = await g.authorize({ agentId: 'diag', tool: EXECUTE_TOOL, args: reduceLoad('line-1/compressor-01', 20) });
    expect(small).toMatchObject({ decision: 'REVIEW', ruleId: 'review-device-commands' });
    expect(await core.api.call('approvals.decide', { id: small.approvalId!, verdict: 'approve' }, dana)).toMatchObject({
      ok: true,
      result: { status: 'approved', requiredApprovals: 1 },
    });
  });

  it('refuses approvals: on a rule that is not REVIEW', async () => {
    const bad = DEFAULT_POLICY.replace('    decision: BLOCK\n', '    decision: BLOCK\n    approvals: 2\n');
    const { parsePolicy } = await import('../../electron/core/governance');
    const r = parsePolicy(bad);
    expect(r.ok ? 'accepted' : JSON.stringify(r.problems)).toMatch(/approvals and timeout_s apply to REVIEW rules only/);
  });
});
