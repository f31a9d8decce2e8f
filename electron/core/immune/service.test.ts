import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealingLogEntry, Infection } from './schemas';
import { openRig, tempDir, type Rig } from './testkit';

const rigs: Rig[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close().catch(() => undefined);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function rig(opts: Parameters<typeof openRig>[0] = {}): Rig {
  const r = openRig(opts);
  rigs.push(r);
  if (!opts.dir) dirs.push(r.dir);
  return r;
}

const RESEARCH = 'sim-research-01';
const DATA = 'sim-data-02';
const ANALYTICS = 'sim-analytics-03';

/** Step until cond() holds (at most max ticks); returns the ticks taken. */
async function until(r: Rig, cond: () => boolean, max = 60): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await r.step();
    if (cond()) return i;
  }
  throw new Error('condition not reached');
}
const state = (r: Rig, id: string) => r.immune.agent(id)!.state;
/** Infections recorded for this agent so far. */
const infections = (r: Rig, id: string) => r.immune.repo.recentInfections(1000).filter((i) => i.agent_id === id).length;
/** Step until the agent has one more infection than now. */
async function untilInfected(r: Rig, id: string, max = 60): Promise<number> {
  const n = infections(r, id);
  return until(r, () => infections(r, id) > n, max);
}
const log = (r: Rig, id: string): HealingLogEntry[] => r.immune.repo.agentLog(id, 500).reverse();
const applied = (r: Rig, id: string) =>
  log(r, id)
    .filter((e) => e.kind === 'action_applied')
    .map((e) => e.action);

/** A rig on its own data dir (kept for a restart) whose RESEARCH agent has just been infected by prompt drift. */
async function driftingOnDisk(): Promise<Rig> {
  const dir = tempDir();
  dirs.push(dir);
  const a = openRig({ dir, config: { severityThreshold: 11 } });
  await a.step(25);
  a.immune.chaos('prompt_drift', RESEARCH);
  await untilInfected(a, RESEARCH);
  return a;
}

describe('immune service', () => {
  it('learns baselines from 20 samples and keeps them, with the vitals, across a restart', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const a = openRig({ dir });
    await a.step(19);
    expect(state(a, RESEARCH)).toBe('learning');
    await a.step(6);
    expect(a.immune.agent(RESEARCH)).toMatchObject({ state: 'healthy', baseline_ready: true, samples: 25, executions: 25 });
    await a.close();

    const b = rig({ dir });
    expect(b.immune.agent(RESEARCH)).toMatchObject({ state: 'healthy', samples: 25, executions: 25, model: a.fleet.agents()[0].model });
    expect(b.immune.agentDetail(RESEARCH).vitals).toHaveLength(25);
  });

  it('quarantines an infected agent at once and heals a mild case without asking', async () => {
    const r = rig({ config: { severityThreshold: 11 } });
    const seen: string[] = [];
    r.bus.on('immune.quarantine', (e) => seen.push(`${e.agent_id}:${e.quarantined}`));
    await r.step(25);
    r.immune.chaos('memory_corruption', DATA);
    const ticks = await untilInfected(r, DATA);
    expect(ticks).toBeLessThanOrEqual(3);
    const inf = r.immune.repo.recentInfections(1)[0];
    expect(inf).toMatchObject({ agent_id: DATA, diagnosis: { type: 'memory_corruption' } });
    expect(r.immune.repo.approvals('pending')).toHaveLength(0);
    await until(r, () => state(r, DATA) === 'healthy');
    expect(r.fleet.infection(DATA)).toBeNull();
    expect(r.immune.repo.getInfection(inf.id)!.status).toBe('healed');
    expect(seen).toEqual([`${DATA}:true`, `${DATA}:false`]);
    // other agents were never touched
    expect(r.immune.repo.recentInfections(10)).toHaveLength(1);
  });

  it('rejects bad vitals with reasons and carries on', () => {
    const r = rig();
    const bad = r.immune.recordVitals({ agent_id: 'x', latency_ms: -5, input_tokens: 1.5, output_tokens: 'many' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reasons.join(' ')).toMatch(/latency_ms/);
    expect(r.immune.recordVitals(null).ok).toBe(false);
    expect(r.immune.recordVitals({ agent_id: 'ext-1', latency_ms: 120, input_tokens: 10, output_tokens: 5 }).ok).toBe(true);
    expect(r.immune.agent('ext-1')).toMatchObject({ source: 'governed', executions: 1 });
    expect(r.immune.counters.rejected_vitals).toBe(2);
  });
});

describe('operator approval of severe healing (HITL)', () => {
  it('holds a severe case for approval; approve heals it', async () => {
    const r = rig({ config: { severityThreshold: 0 } });
    const approvals: string[] = [];
    r.bus.on('immune.approval', (a) => approvals.push(a.status));
    await r.step(25);
    r.immune.chaos('infinite_loop', RESEARCH);
    await until(r, () => state(r, RESEARCH) === 'pending_approval');
    await r.step(5);
    expect(state(r, RESEARCH)).toBe('pending_approval'); // nothing happens without the operator
    expect(r.fleet.infection(RESEARCH)).toBe('infinite_loop');
    const [ap] = r.immune.repo.approvals('pending');
    expect(ap).toMatchObject({ agent_id: RESEARCH, diagnosis: 'infinite_loop' });
    r.immune.decide(ap.id, 'approve', 'alice');
    expect(() => r.immune.decide(ap.id, 'reject', 'bob')).toThrow(/already approved/);
    await until(r, () => state(r, RESEARCH) === 'healthy');
    expect(log(r, RESEARCH).map((e) => e.kind)).toContain('approved');
    expect(log(r, RESEARCH).find((e) => e.kind === 'approved')!.detail).toMatch(/alice/);
    expect(approvals).toEqual(['pending', 'approved']);
  });

  it('reject keeps the agent quarantined (silent) until heal now', async () => {
    const r = rig({ config: { severityThreshold: 0 } });
    await r.step(25);
    r.immune.chaos('tool_instability', DATA);
    await until(r, () => state(r, DATA) === 'pending_approval');
    const [ap] = r.immune.repo.approvals('pending');
    r.immune.decide(ap.id, 'reject', 'alice');
    const before = r.immune.agent(DATA)!.executions;
    await r.step(30);
    expect(state(r, DATA)).toBe('rejected');
    expect(r.immune.agent(DATA)!.executions).toBe(before); // contained: it does not run
    expect(r.immune.overview().rejected.map((a) => a.agent_id)).toEqual([DATA]);
    expect(r.immune.repo.getInfection(ap.infection_id)!.status).toBe('rejected');

    r.immune.healNow(DATA, 'bob');
    await until(r, () => state(r, DATA) === 'healthy');
    expect(log(r, DATA).find((e) => e.kind === 'heal_now')!.detail).toMatch(/bob/);
    expect(
      log(r, DATA)
        .filter((e) => e.kind === 'action_applied')
        .every((e) => e.trigger === 'heal_now'),
    ).toBe(true);
    expect(r.immune.overview().rejected).toHaveLength(0);
  });

  it('approve all, reject all and heal all act on every case', async () => {
    const r = rig({ config: { severityThreshold: 0 }, fleetSize: 4 });
    await r.step(25);
    r.immune.chaos('retry_storm', RESEARCH);
    r.immune.chaos('retry_storm', DATA);
    await until(r, () => r.immune.repo.approvals('pending').length === 2);
    expect(r.immune.decideAll('reject', 'alice')).toHaveLength(2);
    expect(r.immune.overview().stats.rejected).toBe(2);
    expect(r.immune.healAll('alice')).toEqual({ started: 2 });
    await until(r, () => state(r, RESEARCH) === 'healthy' && state(r, DATA) === 'healthy');

    r.immune.chaos('retry_storm', ANALYTICS);
    r.immune.chaos('latency_spike', 'sim-coordinator-04');
    await until(r, () => r.immune.repo.approvals('pending').length === 2);
    expect(r.immune.decideAll('approve', 'alice').map((a) => a.status)).toEqual(['approved', 'approved']);
    await until(r, () => state(r, ANALYTICS) === 'healthy' && state(r, 'sim-coordinator-04') === 'healthy');
    expect(r.immune.stats()).toMatchObject({ infections: 4, healed: 4, quarantined: 0, pending: 0, rejected: 0, success_rate: 1 });
  });
});

describe('healing ladder and immune memory', () => {
  it('escalates up the ladder when an action does not cure, and verifies each step on fresh vitals', async () => {
    const r = rig({ config: { severityThreshold: 11 } });
    await r.step(25);
    r.immune.chaos('prompt_drift', RESEARCH);
    await untilInfected(r, RESEARCH);
    await until(r, () => state(r, RESEARCH) === 'healthy');
    const kinds = log(r, RESEARCH).map((e) => `${e.kind}${e.action ? ':' + e.action : ''}`);
    expect(kinds).toEqual([
      'quarantined',
      'action_applied:reset_memory',
      'verification_failed:reset_memory',
      'action_applied:rollback_prompt',
      'verified:rollback_prompt',
      'released:rollback_prompt',
    ]);
    expect(r.immune.memory(RESEARCH).map((m) => [m.action, m.last_outcome])).toEqual([
      ['reset_memory', 'failure'],
      ['rollback_prompt', 'success'],
    ]);
  });

  it('skips an action that failed before for this agent and diagnosis, after a restart', async () => {
    const a = await driftingOnDisk();
    await until(a, () => state(a, RESEARCH) === 'healthy');
    expect(applied(a, RESEARCH)).toEqual(['reset_memory', 'rollback_prompt']);
    await a.close();

    const b = rig({ dir: a.dir, config: { severityThreshold: 11 }, startMs: a.clock.now() });
    await b.step(3);
    b.immune.chaos('prompt_drift', RESEARCH);
    await untilInfected(b, RESEARCH);
    await until(b, () => state(b, RESEARCH) === 'healthy');
    const second = log(b, RESEARCH).filter((e) => e.infection_id === b.immune.repo.recentInfections(1)[0].id);
    expect(second.map((e) => `${e.kind}:${e.action}`)).toEqual([
      'quarantined:null',
      'action_skipped:reset_memory',
      'action_applied:rollback_prompt',
      'verified:rollback_prompt',
      'released:rollback_prompt',
    ]);
    expect(second[1].detail).toMatch(/immune memory/);
  });

  it('shares what it learned across the fleet: a third agent skips what failed for two others', async () => {
    const r = rig({ config: { severityThreshold: 11, fleetLearning: { minAttempts: 2, minAgents: 2 } } });
    await r.step(25);
    for (const id of [RESEARCH, DATA]) {
      r.immune.chaos('prompt_drift', id);
      await untilInfected(r, id);
      await until(r, () => state(r, id) === 'healthy');
      expect(applied(r, id)).toEqual(['reset_memory', 'rollback_prompt']);
    }
    expect(r.immune.patterns().filter((p) => p.diagnosis === 'prompt_drift')).toEqual([
      expect.objectContaining({ action: 'rollback_prompt', attempts: 2, success_rate: 1, agents: 2, verdict: 'prefer' }),
      expect.objectContaining({ action: 'reset_memory', attempts: 2, success_rate: 0, agents: 2, verdict: 'avoid' }),
    ]);
    r.immune.chaos('prompt_drift', ANALYTICS);
    await untilInfected(r, ANALYTICS);
    await until(r, () => state(r, ANALYTICS) === 'healthy');
    expect(applied(r, ANALYTICS)).toEqual(['rollback_prompt']);
    expect(log(r, ANALYTICS).find((e) => e.kind === 'action_skipped')).toMatchObject({ action: 'reset_memory', detail: expect.stringMatching(/fleet/) });
  });

  it('keeps an agent quarantined when every rung fails; heal now retries the whole policy', async () => {
    // An external agent without a control channel: nothing can be done to it from here.
    const r = rig({ config: { severityThreshold: 11 } });
    const v = (i: number, tools: number) => ({
      agent_id: 'ext-loop',
      ts: r.clock.now() + i,
      latency_ms: 800 + (i % 5) * 20,
      input_tokens: 900 + (i % 7) * 10,
      output_tokens: 300 + (i % 3) * 10,
      tool_calls: tools,
      model: 'gpt-5-mini',
    });
    for (let i = 0; i < 25; i++) expect(r.immune.recordVitals(v(i, 3 + (i % 3)), 'external').ok).toBe(true);
    let inf: Infection | null = null;
    for (let i = 0; i < 3 && !inf; i++) {
      const res = r.immune.recordVitals(v(100 + i, 40), 'external');
      if (res.ok) inf = res.infection;
    }
    expect(inf).toMatchObject({ diagnosis: { type: 'infinite_loop' } });
    await r.immune.whenHealed('ext-loop');
    expect(state(r, 'ext-loop')).toBe('exhausted');
    expect(r.immune.isQuarantined('ext-loop')).toBe(true);
    expect(
      log(r, 'ext-loop')
        .filter((e) => e.kind === 'action_failed')
        .map((e) => e.action),
    ).toEqual(['reset_memory', 'reduce_autonomy', 'revoke_tools', 'clone_agent']);

    r.immune.healNow('ext-loop', 'alice');
    await r.immune.whenHealed('ext-loop');
    const afterHealNow = log(r, 'ext-loop').slice(log(r, 'ext-loop').findIndex((e) => e.kind === 'heal_now'));
    expect(afterHealNow.filter((e) => e.kind === 'action_failed')).toHaveLength(4);
    expect(state(r, 'ext-loop')).toBe('exhausted');
  });
});

describe('persistence', () => {
  it('keeps stored vitals within the retention window and row cap', async () => {
    const r = rig({ config: { vitals: { retentionHours: 0.01, maxRows: 1000, flushMs: 1_000_000 } } });
    await r.step(120);
    r.immune.flush();
    // 0.01 h = 36 s of history for 4 agents
    expect(r.immune.repo.countVitals()).toBeLessThanOrEqual(4 * 37);
    expect(r.immune.repo.countVitals()).toBeGreaterThanOrEqual(4 * 30);
  });

  it('resumes a heal interrupted by a shutdown', async () => {
    const a = await driftingOnDisk();
    expect(state(a, RESEARCH)).toBe('probation'); // first rung applied, waiting for fresh vitals
    await a.close();

    const b = rig({ dir: a.dir, config: { severityThreshold: 11 }, startMs: a.clock.now() });
    b.fleet.inject(RESEARCH, 'prompt_drift', b.clock.now()); // the new process's fleet: same agent, still sick
    await b.immune.start();
    await until(b, () => state(b, RESEARCH) === 'healthy');
    expect(b.immune.repo.recentInfections(5).map((i) => i.status)).toEqual(['healed']);
    expect(applied(b, RESEARCH)).toContain('rollback_prompt');
  });
});
