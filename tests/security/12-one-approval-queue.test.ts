// Finding 12: the immune system kept a second approval queue. Its healing approvals never expired and
// were not in the audit chain. Now a severe infection opens a governance approval of kind 'healing':
// it is in approvals.list next to every other approval, operators decide it with approvals.decide,
// every step is in the hash chain, and a timeout denies it (the agent stays quarantined). The immune
// request immune.approvals.decide is a thin wrapper over the same approval.
// A real core (SQLite in a temp dir), governed agents reporting vitals as the MCP server does, a manual clock.
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import { manualClock } from '../../electron/core/clock';
import type { ApprovalView } from '../../shared/governance';
import { mcpVitals, OPERATOR, operatorCaller, tempDir } from '../helpers';

let core: Core | null = null;
let cleanup: (() => void) | null = null;
afterEach(async () => {
  await core?.stop();
  core = null;
  cleanup?.();
  cleanup = null;
});

async function boot() {
  const t = tempDir('aegis-sec12-');
  cleanup = t.cleanup;
  const clock = manualClock(Date.now());
  core = createCore(
    testConfig(t.dir, {
      http: { enabled: false },
      simulator: { enabled: false },
      governance: { watchPolicy: false, sweepIntervalMs: 60_000 },
      // Every infection waits for an operator (threshold 0); no pause between healing rungs.
      immune: { fleet: { enabled: false }, severityThreshold: 0, healing: { stepDelayMs: 0 } },
    }),
    { clock },
  );
  await core.start();
  for (const id of ['diag', 'ops', 'maint']) core.services.governance.addAgent({ id, name: id, role: 'assistant' });
  return { core, clock };
}

/** A governed agent's vitals, as the MCP server reports them: 25 calm runs, then a tool loop. */
function infect(c: Core, clock: ReturnType<typeof manualClock>, agentId: string): void {
  const v = (i: number, over: Record<string, unknown> = {}) => mcpVitals(agentId, clock.now(), i, over);
  for (let i = 0; i < 25; i++) {
    clock.advance(1000);
    expect(c.services.immune.recordVitals(v(i)).ok).toBe(true);
  }
  for (let i = 0; i < 3 && c.services.immune.agent(agentId)!.state !== 'pending_approval'; i++) {
    clock.advance(1000);
    c.services.immune.recordVitals(v(i, { tool_calls: 60, latency_ms: 4000 }));
  }
  expect(c.services.immune.agent(agentId)!.state).toBe('pending_approval');
}

async function call<T>(c: Core, name: string, params: unknown, caller = OPERATOR): Promise<T> {
  const r = await c.api.call(name as never, params as never, caller);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.result;
}

const healingOf = async (c: Core, agentId: string, status?: string) =>
  (await call<ApprovalView[]>(c, 'approvals.list', status ? { status } : {})).find((a) => (a.kind as string) === 'healing' && a.agentId === agentId);

async function chain(c: Core, approvalId: string): Promise<string[]> {
  const rows = await call<Array<{ kind: string; approvalId: string | null; seq: number }>>(c, 'audit.query', { limit: 1000 });
  return rows
    .filter((r) => r.approvalId === approvalId)
    .sort((a, b) => a.seq - b.seq)
    .map((r) => r.kind);
}

describe('finding 12: one approval queue, healing included', () => {
  it('a healing approval is a governance approval: listed, decided with approvals.decide, audited in the chain', async () => {
    const { core: c, clock } = await boot();
    infect(c, clock, 'diag');
    const ap = await healingOf(c, 'diag', 'pending');
    expect(ap).toBeDefined();
    expect(ap!.deadline).toBeGreaterThan(clock.now());
    // The gateway's own sweep does not cancel it although its agent is quarantined: that is its point.
    c.services.governance.sweep();
    expect((await healingOf(c, 'diag'))!.status).toBe('pending');

    const decided = await call<ApprovalView>(c, 'approvals.decide', { id: ap!.id, verdict: 'approve' });
    expect(decided.status).toBe('approved');
    expect(c.services.immune.agent('diag')!.state).not.toBe('pending_approval');
    const log = c.services.immune.repo.agentLog('diag', 50);
    expect(log.find((e) => e.kind === 'approved')!.detail).toContain(OPERATOR.operator!.name);
    expect(await chain(c, ap!.id)).toEqual(['REVIEW', 'APPROVED']);
    const verify = await call<{ ok: boolean }>(c, 'audit.verify', {});
    expect(verify.ok).toBe(true);
  });

  it('a healing approval nobody decides expires: timeout denies, the agent stays quarantined, audited', async () => {
    const { core: c, clock } = await boot();
    infect(c, clock, 'ops');
    const ap = (await healingOf(c, 'ops', 'pending'))!;
    expect(ap).toBeDefined();
    clock.set(ap.deadline + 1);
    c.services.governance.sweep();
    expect((await healingOf(c, 'ops'))!.status).toBe('expired');
    expect(c.services.immune.isQuarantined('ops')).toBe(true);
    expect(c.services.immune.agent('ops')!.state).not.toBe('pending_approval');
    expect(c.services.governance.agents.get('ops')!.status).toBe('quarantined');
    expect(await chain(c, ap.id)).toEqual(['REVIEW', 'EXPIRED']);
    const overview = await call<{ pending: unknown[] }>(c, 'immune.overview', {});
    expect(overview.pending).toEqual([]);
  });

  it('immune.approvals.decide is a thin wrapper: it decides the same governance approval, audited', async () => {
    const { core: c, clock } = await boot();
    infect(c, clock, 'maint');
    const ap = (await healingOf(c, 'maint', 'pending'))!;
    const overview = await call<{ pending: Array<{ id: number; agent_id: string }> }>(c, 'immune.overview', {});
    const row = overview.pending.find((p) => p.agent_id === 'maint')!;
    await call(c, 'immune.approvals.decide', { id: row.id, verdict: 'reject' }, operatorCaller('bob'));
    expect((await healingOf(c, 'maint'))!).toMatchObject({ status: 'rejected', decidedBy: 'bob' });
    expect(c.services.immune.agent('maint')!.state).toBe('rejected');
    expect(await chain(c, ap.id)).toEqual(['REVIEW', 'REJECTED']);
  });
});
