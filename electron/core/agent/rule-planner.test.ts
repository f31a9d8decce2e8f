// The rule planner on each of the seed's five scenarios, with the generated plant's own readings,
// the real device manual (knowledge index) and the real default policy deciding each call.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TimedReading } from '../../../shared/domain';
import { manualClock } from '../clock';
import { evaluate, parsePolicy } from '../governance';
import { defaultManualPath, loadManualIndex, type ManualIndex } from '../knowledge';
import { createLogger, Tracer, observabilityMigrations } from '../observability';
import { DEFAULT_START, generateDay, SCENARIOS } from '../plant';
import { applyMigrations, openDatabase } from '../store';
import type { AgentTask, Decision, ToolResult, Turn } from './planner';
import { RulePlanner } from './rule-planner';
import { classifyReadings } from './sop';

const RESOURCES = path.resolve(__dirname, '..', '..', '..', 'resources');
let byDevice: Map<string, TimedReading[]>;
let manual: ManualIndex;
const policyParse = parsePolicy(fs.readFileSync(path.join(RESOURCES, 'policies', 'default.yaml'), 'utf8'));

beforeAll(() => {
  const day = generateDay({ seed: 42 });
  byDevice = new Map();
  for (const r of day.readings) {
    const list = byDevice.get(r.device_id);
    if (list) list.push(r);
    else byDevice.set(r.device_id, [r]);
  }
  manual = loadManualIndex(defaultManualPath(RESOURCES));
});

/** Bucket averages, oldest first: what get_sensor_stream returns for a long window. */
function bucket(rs: TimedReading[], points: number) {
  const sensors = ['temperature', 'pressure', 'vibration', 'humidity', 'power'] as const;
  if (rs.length <= points) return rs.map((r) => ({ timestamp: r.timestamp, ...r.values }));
  return Array.from({ length: points }, (_, b) => {
    const slice = rs.slice(Math.floor((b * rs.length) / points), Math.floor(((b + 1) * rs.length) / points));
    const o: Record<string, number | string> = { timestamp: slice[slice.length - 1].timestamp };
    for (const s of sensors) o[s] = slice.reduce((a, r) => a + r.values[s], 0) / slice.length;
    return o;
  });
}

const plans = new Map<string, Array<{ tool: string; args: Record<string, unknown> }>>();
const ok = (structured: Record<string, unknown>, text = 'ok', decision: ToolResult['decision'] = 'ALLOW'): ToolResult => ({
  isError: false,
  text,
  structured,
  decision,
  status: 'ok',
  ruleId: 'rule',
  approvalId: null,
  decidedBy: null,
});

/**
 * Answer the planner's calls as the governed server would at minute `atMin` of a scenario: readings
 * from the generated day, the manual's sections, and the default policy's decision (REVIEW is
 * approved by an operator, BLOCK is refused).
 */
function answer(device: string, now: number, tool: string, args: Record<string, unknown>, hint: string | null): ToolResult {
  const readings = byDevice.get(device)!.filter((r) => r.ts <= now);
  if (!policyParse.ok) throw new Error('default policy does not parse');
  if (tool === 'propose_plan') {
    // The gateway judges each step; the operator approves the plan as a whole.
    const steps = (args.steps as Array<{ tool: string; args: Record<string, unknown> }>).map((st, index) => ({
      index,
      tool: st.tool,
      ...evaluate(policyParse.policy, { agent: { id: 'operator-agent', role: 'operator-agent' }, tool: st.tool, args: st.args }),
    }));
    if (steps.some((x) => x.decision === 'BLOCK'))
      return {
        isError: true,
        text: 'BLOCKED: a step is blocked',
        structured: null,
        decision: 'BLOCK',
        status: 'error',
        ruleId: 'plan',
        approvalId: null,
        decidedBy: null,
      };
    plans.set('plan_1', [...(args.steps as Array<{ tool: string; args: Record<string, unknown> }>)]);
    return ok({ plan_id: 'plan_1', status: 'approved', approval_id: 'apr_plan', approved_by: 'op', steps }, 'approved', 'REVIEW');
  }
  if (typeof args.plan_id === 'string') {
    // A plan step runs only with exactly the approved arguments.
    const { plan_id: _p, ...rest } = args;
    const step = plans.get(args.plan_id)?.shift();
    if (!step || step.tool !== tool || JSON.stringify(step.args) !== JSON.stringify(rest))
      return {
        isError: true,
        text: 'BLOCKED: differs from the approved step',
        structured: null,
        decision: 'BLOCK',
        status: 'blocked',
        ruleId: 'plan-mismatch',
        approvalId: null,
        decidedBy: null,
      };
    return ok({ status: 'executed' }, `${tool} done (plan step)`);
  }
  const ev = evaluate(policyParse.policy, { agent: { id: 'operator-agent', role: 'operator-agent' }, tool, args });
  if (ev.decision === 'BLOCK')
    return {
      isError: true,
      text: `BLOCKED by policy rule "${ev.ruleId}": ${ev.reason}`,
      structured: null,
      decision: 'BLOCK',
      status: 'blocked',
      ruleId: ev.ruleId,
      approvalId: null,
      decidedBy: null,
    };
  const approved = ev.decision === 'REVIEW' ? { decision: 'REVIEW' as const, approvalId: 'apr_test', decidedBy: 'op' } : {};
  switch (tool) {
    case 'get_device_status':
      return ok({
        device_id: device,
        state: 'running',
        load_pct: 100,
        active_anomalies: hint ? [{ id: `${device}@ep`, type_hint: hint, severity: 'high', sensors: [] }] : [],
      });
    case 'get_sensor_stream': {
      const n = Number(args.last_n ?? 1);
      return ok({ devices: [{ device_id: device, readings: bucket(readings.slice(-n), Number(args.max_points ?? 60)) }] });
    }
    case 'get_incident_reports':
      return ok({ total: 0, incidents: [] });
    case 'query_device_manual':
      return ok({ results: manual.search(String(args.query), { limit: Number(args.limit ?? 3), deviceType: args.device_type as string | undefined }) });
    case 'log_incident_report':
      return ok({ status: 'logged', incident: { id: 'inc_1', ...args } });
    default:
      return { ...ok({ status: 'executed' }, `${tool} done`), ...approved };
  }
}

async function drive(scenario: (typeof SCENARIOS)[number], atMin: number, opts: { hint?: boolean; tryCommand?: string; tools?: string[] } = {}) {
  const db = openDatabase(':memory:');
  applyMigrations(db, observabilityMigrations);
  const clock = manualClock(0);
  const tracer = new Tracer({ db, clock, log: createLogger({ level: 'silent' }) });
  const trace = tracer.startTrace({ agentName: 'test' });
  const now = DEFAULT_START + scenario.startHour * 3_600_000 + atMin * 60_000;
  const hint = opts.hint === false ? null : scenario.type;
  const task: AgentTask = {
    deviceId: scenario.device_id,
    anomaly: hint ? { id: `${scenario.device_id}@ep`, device_id: scenario.device_id, type_hint: hint, severity: 'high', sensors: [] } : null,
    ask: null,
    tryCommand: opts.tryCommand ?? null,
    reductionPct: null,
    trigger: 'anomaly',
  };
  const planner = new RulePlanner({ verifyIntervalMs: 0, verifyAttempts: 2 });
  const history: Turn[] = [];
  const calls: Array<{ tool: string; args: Record<string, unknown>; result: ToolResult }> = [];
  const thoughts: string[] = [];
  let d: Decision;
  for (let i = 0; ; i++) {
    if (i > 30) throw new Error('planner did not finish');
    d = await planner.next({
      task,
      history,
      tools: (opts.tools ?? []).map((name) => ({ name, description: '', inputSchema: {} })),
      trace,
      signal: new AbortController().signal,
    });
    if (d.kind === 'finish') break;
    if (d.kind === 'wait') continue;
    if (d.thought) thoughts.push(d.thought);
    const reqs = d.calls.map((c, j) => ({ id: `c${i}_${j}`, tool: c.tool, args: c.args }));
    history.push({ kind: 'calls', thought: d.thought, calls: reqs });
    for (const c of reqs) {
      const result = answer(scenario.device_id, now, c.tool, c.args, hint);
      calls.push({ tool: c.tool, args: c.args, result });
      history.push({ kind: 'result', call: c, result });
    }
  }
  db.close();
  const commands = calls
    .filter((c) => c.tool === 'execute_device_command')
    .map((c) => ({ command: c.args.command, params: c.args.parameters, decision: c.result.decision }));
  const report = calls.find((c) => c.tool === 'log_incident_report')?.args;
  return { finish: d, calls, commands, report, thoughts };
}

const scenario = (t: string) => SCENARIOS.find((s) => s.type === t)!;

describe('rule planner, one scenario at a time (SOP chapter 2)', () => {
  it('thermal runaway: reduce_load 50 % as SOP 2.1 step 2 says, never a shutdown, then an incident report citing 2.1', async () => {
    const r = await drive(scenario('thermal_runaway'), 12);
    expect(r.commands).toEqual([{ command: 'reduce_load', params: { reduction_pct: 50 }, decision: 'REVIEW' }]);
    expect(r.report).toMatchObject({ anomaly_type: 'thermal_runaway', manual_sections: ['2.1'] });
    expect(r.calls.map((c) => c.tool).slice(0, 5)).toEqual([
      'get_device_status',
      'get_sensor_stream',
      'get_sensor_stream',
      'get_incident_reports',
      'query_device_manual',
    ]);
    expect(r.finish).toMatchObject({ kind: 'finish', outcome: 'resolved' });
  });

  it('thermal runaway with the operator asking for emergency_shutdown: BLOCKED by policy, then the safer reduce_load', async () => {
    const r = await drive(scenario('thermal_runaway'), 12, { tryCommand: 'emergency_shutdown' });
    expect(r.commands.map((c) => [c.command, c.decision])).toEqual([
      ['emergency_shutdown', 'BLOCK'],
      ['reduce_load', 'REVIEW'],
    ]);
    expect(String(r.report?.actions_taken)).toMatch(/emergency_shutdown BLOCKED.*reduce_load \{"reduction_pct":50\} executed \(approval apr_test/);
  });

  it('pressure leak: reduce load within SOP 2.2 band (30-50 %) and schedule a seal inspection', async () => {
    const r = await drive(scenario('pressure_leak'), 3);
    expect(r.commands.map((c) => c.command)).toEqual(['reduce_load', 'schedule_maintenance']);
    const pct = (r.commands[0].params as { reduction_pct: number }).reduction_pct;
    expect(pct).toBeGreaterThanOrEqual(30);
    expect(pct).toBeLessThanOrEqual(50);
    expect(r.report).toMatchObject({ anomaly_type: 'pressure_leak', manual_sections: ['2.2'] });
  });

  it('bearing failure: reduce_load 50 % and bearing maintenance (SOP 2.3)', async () => {
    const r = await drive(scenario('bearing_failure'), 6);
    expect(r.commands).toEqual([
      { command: 'reduce_load', params: { reduction_pct: 50 }, decision: 'REVIEW' },
      expect.objectContaining({ command: 'schedule_maintenance', decision: 'REVIEW' }),
    ]);
    expect(r.report).toMatchObject({ anomaly_type: 'bearing_failure' });
  });

  it('sensor drift: no load change; acknowledge with a note and schedule recalibration (SOP 2.4)', async () => {
    const r = await drive(scenario('sensor_drift'), 90);
    expect(r.commands.map((c) => c.command)).toEqual(['schedule_maintenance']);
    const ack = r.calls.find((c) => c.tool === 'acknowledge_anomaly');
    expect(ack?.args.note).toMatch(/sensor drift \(SOP 2\.4\)/);
    expect(ack?.result.decision).toBe('REVIEW');
    expect(r.report).toMatchObject({ anomaly_type: 'sensor_drift', manual_sections: ['2.4'] });
  });

  it('electrical fault: reduce_load 50 % and no restart (SOP 2.5)', async () => {
    const r = await drive(scenario('electrical_fault'), 3);
    expect(r.commands).toEqual([{ command: 'reduce_load', params: { reduction_pct: 50 }, decision: 'REVIEW' }]);
    expect(r.calls.some((c) => c.args.command === 'restart')).toBe(false);
    expect(r.report).toMatchObject({ anomaly_type: 'electrical_fault', manual_sections: ['2.5'] });
  });

  it('recognises the four fast failure modes from the readings alone, without the detector hint', async () => {
    for (const [t, at] of [
      ['thermal_runaway', 12],
      ['pressure_leak', 3],
      ['bearing_failure', 6],
      ['electrical_fault', 3],
    ] as const) {
      const r = await drive(scenario(t), at, { hint: false });
      expect(r.report?.anomaly_type, t).toBe(t);
    }
  });

  it('sees no failure mode in normal running and commands nothing', async () => {
    const s = scenario('thermal_runaway');
    const normal = byDevice
      .get(s.device_id)!
      .filter((r) => r.ts <= DEFAULT_START + 2 * 3_600_000)
      .slice(-360);
    expect(classifyReadings(s.device_id, bucket(normal, 60) as never, normal.slice(-12)).mode).toBe('unknown');
    const r = await drive({ ...s, startHour: 2 }, 0, { hint: false });
    expect(r.commands).toEqual([]);
    expect(r.finish).toMatchObject({ outcome: 'no_action' });
  });

  it('seed 003 plan → govern → act: with propose_plan offered, a multi-step SOP goes to the operator once, then runs step by step with plan_id', async () => {
    const r = await drive(scenario('bearing_failure'), 6, { tools: ['propose_plan', 'execute_device_command'] });
    const plan = r.calls.find((c) => c.tool === 'propose_plan')!;
    expect((plan.args.steps as Array<{ args: { command: string } }>).map((x) => x.args.command)).toEqual(['reduce_load', 'schedule_maintenance']);
    expect(plan.args.rationale).toMatch(/SOP 2\.3/);
    const steps = r.calls.filter((c) => c.tool === 'execute_device_command');
    expect(steps.map((c) => [c.args.command, c.args.plan_id, c.result.isError])).toEqual([
      ['reduce_load', 'plan_1', false],
      ['schedule_maintenance', 'plan_1', false],
    ]);
    expect(String(r.report?.actions_taken)).toMatch(/plan plan_1 of 2 steps approved/);
    // A single-command SOP needs no plan: the thermal runaway's reduce_load is asked for directly.
    const t = await drive(scenario('thermal_runaway'), 12, { tools: ['propose_plan', 'execute_device_command'] });
    expect(t.calls.some((c) => c.tool === 'propose_plan')).toBe(false);
  });
});
