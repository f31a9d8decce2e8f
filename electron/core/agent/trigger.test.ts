// The agent started by the detector: a pressure leak on line-2/pump-03 opens an anomaly episode, the
// agent (agent.onAnomaly) runs on its own over MCP, follows SOP 2.2 and the operator approves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentRunResult, AgentStepView } from '../../../shared/agent';
import { createCore, testConfig, type Core } from '..';
import { demoConfigOverrides } from '.';
import { OPERATOR } from '../../../tests/helpers';

describe('agent triggered by a new anomaly episode', () => {
  let dir: string;
  let core: Core;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-trigger-'));
    const o = demoConfigOverrides();
    core = createCore(testConfig(dir, { ...o, agent: { onAnomaly: true, minSeverity: 'high', cooldownS: 3600, verify: { intervalMs: 1000, attempts: 10 } } }));
    await core.start();
  });
  afterAll(async () => {
    await core?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs on the leak without being asked: reduce load and a seal inspection as one plan the operator approves; the trace says trigger anomaly', async () => {
    const device = 'line-2/pump-03';
    const steps: AgentStepView[] = [];
    const approvals: string[] = [];
    const offApprove = core.bus.on('approval.created', (a) => {
      approvals.push(`${a.tool}:${String(a.args.command)}`);
      setTimeout(() => void core.api.call('approvals.decide', { id: a.id, verdict: 'approve' }, OPERATOR), 20);
    });
    const offStep = core.bus.on('agent.step', (s) => steps.push(s));
    const done = new Promise<AgentRunResult>((resolve) => {
      const off = core.bus.on('agent.run.finished', (r) => {
        if (r.deviceId === device) {
          off();
          resolve(r);
        }
      });
    });
    const sim = core.services.plant!.simulator;
    sim.jumpToScenario('pressure_leak', 45 * 60);
    // Slow down once the leak has begun, so the agent acts on a plant that is still leaking.
    const offSlow = core.bus.on('anomaly.opened', (e) => {
      if (e.device_id === device) sim.setSpeed(100);
    });
    const r = await Promise.race([done, new Promise<null>((res) => setTimeout(() => res(null), 60_000))]);
    offApprove();
    offStep();
    offSlow();
    expect(r, 'no agent run for the leak').not.toBeNull();
    const trace = core.services.tracer.get(r!.traceId)!.trace;
    expect(trace).toMatchObject({ trigger: 'anomaly', planner: 'rule', deviceId: device });
    const mine = steps.filter((s) => s.runId === r!.runId);
    // Seed 003: the two gated steps of SOP 2.2 went to the operator once, as a plan, then ran with its id.
    const plan = mine.find((s) => s.kind === 'tool' && s.tool === 'propose_plan')!;
    expect(plan).toMatchObject({ decision: 'REVIEW', isError: false });
    const commands = mine
      .filter((s) => s.kind === 'tool' && s.tool === 'execute_device_command')
      .map((s) => [s.args?.command, typeof s.args?.plan_id, s.decision, s.isError]);
    expect(commands).toEqual([
      ['reduce_load', 'string', 'ALLOW', false],
      ['schedule_maintenance', 'string', 'ALLOW', false],
    ]);
    expect(approvals).toEqual(['propose_plan:undefined']);
    const audit = core.services.governance.audit.query({ agentId: 'operator-agent', limit: 100 });
    expect(audit.filter((a) => a.kind === 'ALLOWED' && a.tool === 'execute_device_command').map((a) => a.ruleId)).toEqual(['plan', 'plan']);
    expect(mine.some((s) => s.kind === 'tool' && s.tool === 'log_incident_report' && !s.isError)).toBe(true);
    expect(core.services.plant!.simulator.device(device)!.status().state).toBe('reduced');
    expect(r!.outcome).toBe('resolved');
    // SOP 2.2: power surges in a leak; the reduction must show in the readings the agent read back.
    expect(r!.summary).toMatch(/Verification: power was [\d.]+ before the command and is now [\d.]+ \(\d+ readings; falling\)/);
  }, 120_000);
});
