// Approvals and plans hold agent arguments until an operator decides: the rows are stored masked,
// the real arguments stay in memory only, so the approved call still runs with exactly what was asked.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../observability';
import { canonicalHash } from './canonical';
import { EXECUTE_TOOL } from './executor';
import { Gateway, GovernanceError } from './gateway';
import { harness, type Harness } from './test-helpers';

let h: Harness | null = null;
afterEach(() => {
  h?.close();
  h = null;
});

const SECRET = 'password=hunter2-Orchid-77 sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s';
const reduce = (justification: string) => ({ device_id: 'line-1/compressor-01', command: 'reduce_load', parameters: { reduction_pct: 10 }, justification });
const fileHas = (file: string, s: string) => [file, `${file}-wal`].some((f) => fs.existsSync(f) && fs.readFileSync(f).toString('latin1').includes(s));

describe('approvals and plans with secrets in their arguments', () => {
  it('stores the approval masked, and the approved call gets a token for its real arguments', async () => {
    h = harness();
    h.gateway.addAgent({ id: 'diag', name: 'diag', role: 'assistant' });
    const args = reduce(`shed load; ${SECRET}`);
    const r = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args });
    expect(r.decision).toBe('REVIEW');
    const row = h.db.prepare('SELECT args_json, args_hash FROM gov_approvals WHERE id = ?').get(r.approvalId) as { args_json: string; args_hash: string };
    expect(row.args_json).not.toContain('hunter2');
    expect(row.args_json).not.toContain('sk-proj-');
    expect(row.args_hash).toBe(canonicalHash(args));
    h.gateway.decide(r.approvalId!, 'approve', { operator: 'alice' });
    const w = await h.gateway.approvalStatus(r.approvalId!);
    expect(w.status).toBe('approved');
    const done = await h.gateway.runApproved({ agentId: 'diag', tool: EXECUTE_TOOL, args, token: w.status === 'approved' ? w.token : undefined });
    expect(done).toMatchObject({ ok: true });
    h.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(fileHas(h.dbFile, 'hunter2')).toBe(false);
  });

  it('after a restart a masked approval cannot be collected (its real arguments are gone); an unmasked one still can', async () => {
    h = harness();
    h.gateway.addAgent({ id: 'diag', name: 'diag', role: 'assistant' });
    const masked = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduce(`shed load; ${SECRET}`) });
    const plain = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduce('shed load, SOP 2.1') });
    h.gateway.stop();
    // The same database and keys, a new process: nothing kept in memory.
    const g2 = new Gateway(
      { db: h.db, clock: h.clock, log: createLogger({ level: 'silent' }) },
      {
        dataDir: h.dir,
        policyFile: h.policyFile,
        watchPolicy: false,
        reloadDebounceMs: 10,
        tokenTtlS: 60,
        sweepIntervalMs: 60_000,
        progressIntervalMs: 10,
        promoteIgnoreArgs: [],
        audit: { signEvery: 5 },
      },
    );
    try {
      g2.decide(masked.approvalId!, 'approve', { operator: 'alice' });
      g2.decide(plain.approvalId!, 'approve', { operator: 'alice' });
      const err = await g2.approvalStatus(masked.approvalId!).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GovernanceError);
      expect((err as GovernanceError).code).toBe('args_masked');
      expect((await g2.approvalStatus(plain.approvalId!)).status).toBe('approved');
    } finally {
      g2.stop();
    }
  });

  it('stores a plan masked; its step runs with the real arguments', async () => {
    h = harness();
    h.gateway.addAgent({ id: 'diag', name: 'diag', role: 'assistant' });
    const step = { tool: 'execute_device_command', args: reduce(`step one; ${SECRET}`) };
    const p = await h.gateway.submitPlan({ agentId: 'diag', steps: [step], rationale: `temperature rising; ${SECRET}` });
    expect(p.decision).toBe('REVIEW');
    const row = h.db.prepare('SELECT rationale, steps_json FROM gov_plans WHERE id = ?').get(p.planId) as { rationale: string; steps_json: string };
    expect(row.rationale).toBe('temperature rising; password=[masked] [masked]');
    expect(row.steps_json).not.toContain('hunter2');
    h.gateway.decide(p.approvalId!, 'approve', { operator: 'alice' });
    const r = await h.gateway.authorize({ agentId: 'diag', tool: step.tool, args: step.args, planId: p.planId! });
    expect(r).toMatchObject({ decision: 'ALLOW', ruleId: 'plan' });
  });
});
