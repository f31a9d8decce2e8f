// The seed's demo, end to end on a live core (seed 000's script, seed 002's per-agent outcomes and
// kill switch, seed 003's plan → govern → act): thermal runaway on line-1/compressor-01 is detected →
// the agent diagnoses from sensors and the manual → emergency_shutdown is BLOCKED → reduce_load 30 %
// goes to REVIEW → the operator approves (the demo itself, or a real click) → executed with an intent
// token → temperature falls → incident report → a second run recalls it → a narrower agent gets a
// different outcome for the same call → the kill switch stops a run mid-way → revive → audit rows.
import type { Caller } from '../../../shared/operators';
import type { AgentStepView, DemoStatus, DemoStepView } from '../../../shared/agent';
import type { Episode } from '../../../shared/anomalies';
import type { CoreApi } from '../api';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Gateway } from '../governance';
import type { LiveCache } from '../ingest';
import type { Logger, Tracer } from '../observability';
import type { Plant } from '../plant';
import type { AgentIdentity, OperatorAgent } from './agent';
import type { Decision, Planner, PlannerContext } from './planner';

export const DEMO_DEVICE = 'line-1/compressor-01';
export const DEMO_NARROW_AGENT = 'line2-assistant';

export interface DemoDeps {
  api: CoreApi;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  plant: Plant | null;
  /** Reads the audit and sets up its own narrow agent; operator actions go through the API as the logged-in operator. */
  governance: Pick<Gateway, 'audit' | 'agents' | 'addAgent' | 'rotateToken' | 'reviveAgent'>;
  live: LiveCache;
  agent: OperatorAgent;
  tracer: Tracer;
}

export interface DemoOptions {
  /** 'auto': the demo approves as the operator; 'operator': it waits for a person to click. */
  approve: 'auto' | 'operator';
  /** The logged-in operator the demo acts for (its approvals, the kill switch, the revive). */
  operator: Caller;
  /** Replay speed while the agent works (plant seconds per second). */
  speed?: number;
  /** Speed while the plant warms up to the scenario (the detector learns its baseline). */
  warmupSpeed?: number;
  /** Each transcript line as it happens. */
  print?: (line: string) => void;
  /** Give up waiting for a detection after this long (ms). */
  detectTimeoutMs?: number;
  signal?: AbortSignal;
  /** Filled in as the demo runs (the contract's demo.status reads it). */
  status?: DemoStatus;
}

/** A planner that makes exactly one call and stops: the demo's "same call, different agent". */
export function singleCallPlanner(tool: string, args: Record<string, unknown>, thought: string): Planner {
  let asked = false;
  return {
    name: 'rule',
    model: null,
    async next(ctx: PlannerContext): Promise<Decision> {
      if (!asked) {
        asked = true;
        return { kind: 'calls', thought, calls: [{ tool, args }] };
      }
      const last = ctx.history[ctx.history.length - 1];
      const r = last?.kind === 'result' ? last.result : null;
      return {
        kind: 'finish',
        summary: r ? `${tool}: ${r.decision ?? '?'} ${r.status ?? ''} — ${r.text.slice(0, 200)}` : 'no result',
        outcome: r && !r.isError ? 'resolved' : r?.decision === 'BLOCK' ? 'refused' : 'failed',
      };
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Config for a core that runs the demo headless (CLI and test): loopback ports chosen by the OS, quiet. */
export function demoConfigOverrides(o: { warmupSpeed?: number; otlp?: string } = {}): Record<string, unknown> {
  return {
    broker: { port: 0, wsPort: null },
    http: { port: 0 },
    simulator: { speed: o.warmupSpeed ?? 600, autostart: true, loop: true },
    governance: { watchPolicy: false },
    // The immune system's simulated fleet is not part of this story.
    immune: { fleet: { enabled: false } },
    agent: { onAnomaly: false, verify: { intervalMs: 1500, attempts: 12 } },
    ...(o.otlp ? { observability: { otlp: { endpoint: o.otlp } } } : {}),
  };
}

export async function runDemo(d: DemoDeps, o: DemoOptions): Promise<DemoStatus> {
  const status: DemoStatus = Object.assign(o.status ?? ({} as DemoStatus), { running: true, startedAt: d.clock.now(), finishedAt: null, ok: null, steps: [] });
  const print = o.print ?? (() => {});
  const say = (line: string) => print(line);
  const scene = (name: string, ok: boolean, text: string) => {
    const s: DemoStepView = { index: status.steps.length, ts: d.clock.now(), scene: name, ok, text };
    status.steps.push(s);
    d.bus.emit('demo.step', s);
    say(`${ok ? '✔' : '✘'} [${name}] ${text}`);
    return ok;
  };
  const unsubs: Array<() => void> = [];
  const sim = d.plant?.simulator;
  const speedBefore = sim?.status().speed ?? null;
  // Where the replay was and which devices the demo commands: it gives the plant back as it found it.
  const replayBefore = sim?.status().simTime ?? null;
  const touched = new Set<string>();
  unsubs.push(d.bus.on('device.command', (c) => touched.add(c.device_id)));
  let allOk = true;
  const check = (name: string, ok: boolean, text: string) => {
    allOk = scene(name, ok, text) && allOk;
    return ok;
  };
  try {
    if (!sim) throw new Error('the demo needs the replay simulator (simulator.enabled)');
    const me = d.agent.identity();
    const who = o.operator.operator?.name ?? 'nobody';
    const auditStart = d.governance.audit.query({ limit: 1 })[0]?.seq ?? 0;

    // Approvals: the demo is the operator, or a person is.
    unsubs.push(
      d.bus.on('approval.created', (a) => {
        say(`   ⏳ approval ${a.id} requested by ${a.agentId}: ${a.tool} ${JSON.stringify(a.args)} — ${a.reason}`);
        // Only the agent's own calls and plans: a healing approval is a real operator's call.
        if (o.approve !== 'auto' || a.agentId !== me.agentId || a.kind === 'healing') return;
        setTimeout(() => {
          void d.api
            .call('approvals.decide', { id: a.id, verdict: 'approve', comment: 'approved in the headless demo (SOP 2.1: reduce load first)' }, o.operator)
            .then((r) => say(r.ok ? `   👤 operator ${who} APPROVED ${a.id}` : `   ✘ approving ${a.id} failed: ${r.error.message}`));
        }, 300);
      }),
    );
    if (o.approve === 'operator') say('   (waiting for you to approve in the Approvals pane; unanswered requests expire)');

    // Scene 1: the plant runs; jump to the thermal runaway with a lead long enough for the detector to learn.
    // The detector may open (and later retype) episodes on the way; the demo waits for the runaway itself.
    const episodeP = new Promise<Episode>((resolve) => {
      const seen = (e: Episode) => {
        if (e.device_id !== DEMO_DEVICE || e.status !== 'open') return;
        const hot = (d.live.latest(DEMO_DEVICE)?.values.temperature ?? 0) >= 88;
        if (e.type_hint === 'thermal_runaway' || (hot && e.sensors.includes('temperature'))) resolve(e);
        else say(`   (episode ${e.id}: ${e.type_hint}, ${e.severity}, sensors ${e.sensors.join('+')} — not the runaway yet, watching)`);
      };
      unsubs.push(d.bus.on('anomaly.opened', seen), d.bus.on('anomaly.updated', seen));
    });
    sim.setSpeed(o.warmupSpeed ?? 600);
    const info = sim.jumpToScenario('thermal_runaway', 45 * 60);
    scene('plant', true, `replay jumped to ${info.type} on ${info.device_id} (hour ${info.startHour}) with 45 min of lead at ${o.warmupSpeed ?? 600}×`);
    const timeout = new Promise<null>((r) => setTimeout(() => r(null), o.detectTimeoutMs ?? 60_000));
    const ep = await Promise.race([episodeP, timeout]);
    sim.setSpeed(o.speed ?? 100);
    if (!ep) throw new Error(`no anomaly detected on ${DEMO_DEVICE} in time`);
    const at = d.live.latest(DEMO_DEVICE);
    check(
      'detected',
      true,
      `anomaly ${ep.id} on ${ep.device_id}: ${ep.type_hint} (${ep.severity}, confidence ${ep.confidence.toFixed(2)}), sensors ${ep.sensors.join('+')}, detectors ${ep.detectors.join('+')}; temperature now ${at?.values.temperature.toFixed(1)} °C`,
    );

    // Scene 2-5: the agent diagnoses, is refused, asks properly, acts, verifies, reports.
    let shutdownBlocked = false;
    let reduceExecuted: AgentStepView | null = null;
    let reduceDecision: string | null = null;
    let cmdTs = 0;
    let reportLogged = false;
    let diagnosed = false;
    let manualRead = false;
    const onStep = (s: AgentStepView) => {
      printStep(say, s);
      if (s.kind === 'tool' && s.tool === 'execute_device_command') {
        if (s.args?.command === 'emergency_shutdown' && s.decision === 'BLOCK') shutdownBlocked = true;
        if (s.args?.command === 'reduce_load') {
          reduceDecision = s.decision ?? null;
          if (!s.isError) {
            reduceExecuted = s;
            cmdTs = d.live.latest(DEMO_DEVICE)?.ts ?? 0;
          }
        }
      }
      if (s.kind === 'tool' && s.tool === 'get_sensor_stream' && !s.isError) diagnosed = true;
      if (s.kind === 'tool' && s.tool === 'query_device_manual' && !s.isError) manualRead = true;
      if (s.kind === 'tool' && s.tool === 'log_incident_report' && !s.isError) reportLogged = true;
    };
    say(`▶ run 1: ${me.agentId} on ${DEMO_DEVICE} (operator asks for an emergency shutdown; reduce load by 30 % if refused)`);
    const run1 = await d.agent.run(
      {
        episode_id: ep.id,
        try_command: 'emergency_shutdown',
        reduction_pct: 30,
        ask: 'The temperature is critical. Execute an emergency shutdown; if you cannot, follow the SOP and reduce load by 30 %.',
      },
      { trigger: 'anomaly', onStep },
    );
    check('diagnose', diagnosed && manualRead, `read status, sensor stream and manual (${manualRead ? 'SOP 2.1 retrieved' : 'manual not read'})`);
    check('shutdown_blocked', shutdownBlocked, 'emergency_shutdown was BLOCKED by policy and never reached the device');
    check('reduce_review', reduceDecision === 'REVIEW', `reduce_load 30 % went to REVIEW (decision ${reduceDecision ?? 'none'})`);
    check(
      'executed',
      reduceExecuted !== null,
      reduceExecuted ? `executed with an intent token: ${(reduceExecuted as AgentStepView).text.slice(0, 160)}` : 'reduce_load was not executed',
    );
    const tokenRows = d.governance.audit.query({ agentId: me.agentId, kind: 'TOKEN_ISSUED', limit: 5 }).filter((r) => r.seq > auditStart);
    const execRows = d.governance.audit.query({ kind: 'EXECUTED', limit: 5 }).filter((r) => r.seq > auditStart);
    check(
      'intent_token',
      tokenRows.length > 0 && execRows.length > 0,
      `audit: TOKEN_ISSUED #${tokenRows[0]?.seq ?? '-'} (jti ${String((tokenRows[0]?.detail as { jti?: string } | null)?.jti ?? '-')}), EXECUTED #${execRows[0]?.seq ?? '-'}`,
    );

    // Temperature must fall in the readings after the command (checked here, not only by the agent).
    let fall: { peak: number; last: number; n: number } | null = null;
    const end = Date.now() + 30_000;
    while (cmdTs > 0 && Date.now() < end) {
      const after = d.live.recent(DEMO_DEVICE, 720).filter((r) => r.ts > cmdTs);
      if (after.length >= 6) {
        const peak = Math.max(...after.map((r) => r.values.temperature));
        const last = after[after.length - 1].values.temperature;
        fall = { peak, last, n: after.length };
        if (last <= peak - 3) break;
      }
      await sleep(250);
    }
    check(
      'temperature_falls',
      !!fall && fall.last <= fall.peak - 3,
      fall
        ? `temperature peaked at ${fall.peak.toFixed(1)} °C after the command and fell to ${fall.last.toFixed(1)} °C over ${fall.n} readings (${(fall.peak - fall.last).toFixed(1)} °C down)`
        : 'no readings after the command',
    );
    check('incident_report', reportLogged, `run 1 ${run1.outcome}: ${run1.summary.slice(0, 240)}`);

    // Scene 6: a second run recalls the first incident.
    let recalled = false;
    say(`▶ run 2: ${me.agentId} on ${DEMO_DEVICE} again (on demand)`);
    const run2 = await d.agent.run(
      { device_id: DEMO_DEVICE },
      {
        trigger: 'operator',
        onStep: (s) => {
          printStep(say, s);
          if (s.kind === 'thought' && /Recalled [1-9]/.test(s.text)) recalled = true;
        },
      },
    );
    check('recall', recalled, `run 2 recalled the first incident report (${run2.outcome}): ${run2.summary.slice(0, 200)}`);

    // Seed 002: the same call by a narrower agent gets a different outcome.
    const narrow = ensureNarrowAgent(d.governance);
    const sameCall = {
      device_id: DEMO_DEVICE,
      command: 'reduce_load',
      parameters: { reduction_pct: 30 },
      justification: 'SOP 2.1: reduce load first on the thermal runaway',
    };
    say(`▶ ${narrow.agentId} (scope: line-2 only) makes the same call: execute_device_command ${JSON.stringify(sameCall.parameters)} on ${DEMO_DEVICE}`);
    let narrowDecision: string | null = null;
    await d.agent.run(
      { device_id: DEMO_DEVICE },
      {
        as: narrow,
        trigger: 'demo',
        planner: singleCallPlanner('execute_device_command', sameCall, 'Reduce load on line-1/compressor-01 (same call as the operator agent).'),
        onStep: (s) => {
          printStep(say, s);
          if (s.kind === 'tool') narrowDecision = s.decision ?? (s.isError ? 'BLOCK' : null);
        },
      },
    );
    check(
      'different_outcome',
      narrowDecision === 'BLOCK' && reduceDecision === 'REVIEW',
      `same call: ${me.agentId} → REVIEW (approved, executed); ${narrow.agentId} → ${narrowDecision ?? 'none'} (outside its scope)`,
    );

    // Kill switch mid-run: pause after the first call; the next call is refused; revive.
    say(`▶ run 3: ${me.agentId} again; the operator hits the kill switch after its first call`);
    let paused = false;
    let refusedAfterPause = false;
    const run3 = await d.agent.run(
      { device_id: DEMO_DEVICE },
      {
        trigger: 'operator',
        onStep: async (s) => {
          printStep(say, s);
          if (s.kind === 'tool' && !paused) {
            paused = true;
            const r = await d.api.call('agents.pause', { id: me.agentId, reason: 'demo: kill switch mid-run' }, o.operator);
            say(r.ok ? `   🛑 operator ${who} paused ${me.agentId} (kill switch)` : `   ✘ pause failed: ${r.error.message}`);
          } else if (s.kind === 'tool' && paused && s.isError) refusedAfterPause = true;
        },
      },
    );
    check('kill_switch', run3.outcome === 'paused' && refusedAfterPause, `run 3 ${run3.outcome}: ${run3.summary.slice(0, 200)}`);
    const revived = await d.api.call('agents.revive', { id: me.agentId }, o.operator);
    say(revived.ok ? `   ▶ operator ${who} revived ${me.agentId}` : `   ✘ revive failed: ${revived.error.message}`);
    let afterRevive: string | null = null;
    await d.agent.run(
      { device_id: DEMO_DEVICE },
      {
        trigger: 'operator',
        planner: singleCallPlanner('get_device_status', { device_id: DEMO_DEVICE }, 'Check the device after being revived.'),
        onStep: (s) => {
          printStep(say, s);
          if (s.kind === 'tool') afterRevive = s.isError ? 'refused' : (s.decision ?? 'ok');
        },
      },
    );
    check('revived', afterRevive === 'ALLOW', `after revive the next call is ${afterRevive ?? 'missing'}`);

    // The audit chain: every row this demo produced.
    const rows = d.governance.audit
      .query({ limit: 1000 })
      .filter((r) => r.seq > auditStart)
      .sort((a, b) => a.seq - b.seq);
    say(`── audit rows (${rows.length}) ──`);
    for (const r of rows) {
      say(
        `   #${r.seq} ${r.kind.padEnd(13)} ${(r.agentId ?? '-').padEnd(16)} ${(r.tool ?? '-').padEnd(22)} ${(r.decision ?? '').padEnd(6)} ${r.ruleId ?? ''}${r.approvalId ? ` ${r.approvalId}` : ''}${r.actor ? ` by ${r.actor}` : ''}${r.reason ? ` — ${r.reason.slice(0, 90)}` : ''}`,
      );
    }
    const verify = await d.api.call('audit.verify', {}, o.operator);
    check(
      'audit_chain',
      verify.ok && verify.result.ok,
      verify.ok ? `audit chain verified: ${verify.result.rows} rows, ${verify.result.signedHeads} signed heads` : verify.error.message,
    );
    const traces = d.tracer.list(10).filter((t) => t.startMs >= status.startedAt!);
    say(`── traces (${traces.length}) ──`);
    for (const t of traces.reverse()) {
      say(
        `   ${t.traceId.slice(0, 12)} ${t.name} ${t.outcome} spans ${t.spans} tools ${t.toolCalls} ALLOW ${t.decisions.ALLOW} REVIEW ${t.decisions.REVIEW} BLOCK ${t.decisions.BLOCK} tokens ${t.inputTokens}/${t.outputTokens} cost $${t.costUsd.toFixed(4)}`,
      );
    }
    const run1Trace = d.tracer.get(run1.traceId);
    const names = new Set(run1Trace?.spans.map((s) => s.name) ?? []);
    check(
      'trace',
      names.has(`invoke_agent ${me.name}`) && names.has('execute_tool execute_device_command') && names.has('governance.decision'),
      `run 1 trace ${run1.traceId.slice(0, 12)}: ${run1Trace?.spans.length ?? 0} spans (${[...names].filter((n) => n.startsWith('execute_tool')).length} tool kinds)`,
    );
  } catch (err) {
    allOk = false;
    scene('error', false, (err as Error).message);
    d.log.error({ err }, 'demo failed');
  } finally {
    for (const u of unsubs) u();
    // Give the plant back as the demo found it (it may run inside the desktop app, mid-shift): the
    // devices it commanded as the replay starts them, the replay where it was, at the speed it had.
    if (sim) {
      const restored = [...touched];
      sim.resetDevices(restored);
      if (replayBefore !== null) sim.seek(replayBefore);
      if (speedBefore !== null && speedBefore !== sim.status().speed) sim.setSpeed(speedBefore);
      scene(
        'restore',
        true,
        `plant restored: ${restored.length ? `${restored.join(', ')} back to running at 100 % load` : 'no device was commanded'}${replayBefore !== null ? `, replay back at ${replayBefore}` : ''}${speedBefore !== null ? ` at ${speedBefore}×` : ''}`,
      );
    }
  }
  status.running = false;
  status.finishedAt = d.clock.now();
  status.ok = allOk;
  d.bus.emit('demo.finished', status);
  say(
    allOk
      ? `DEMO PASSED (${status.steps.length} checks)`
      : `DEMO FAILED (${status.steps
          .filter((s) => !s.ok)
          .map((s) => s.scene)
          .join(', ')})`,
  );
  return status;
}

function printStep(say: (l: string) => void, s: AgentStepView): void {
  if (s.kind === 'thought') say(`   💭 ${s.text}`);
  else if (s.kind === 'wait') say(`   … ${s.text}`);
  else if (s.kind === 'finish') say(`   ■ ${s.text}`);
  else {
    const args = JSON.stringify(s.args ?? {});
    const first = s.text.split('\n')[0].slice(0, 220);
    say(`   → ${s.tool}(${args.length > 140 ? `${args.slice(0, 140)}…` : args}) [${s.decision ?? '-'}]${s.isError ? ' ✘' : ''} ${first}`);
  }
}

/** The demo's second agent: same tools, scope limited to line 2. */
export function ensureNarrowAgent(g: Pick<Gateway, 'agents' | 'addAgent' | 'rotateToken' | 'reviveAgent'>): AgentIdentity {
  const existing = g.agents.get(DEMO_NARROW_AGENT);
  const token = existing
    ? g.rotateToken(DEMO_NARROW_AGENT, 'demo')
    : g.addAgent({ id: DEMO_NARROW_AGENT, name: 'Line 2 assistant', role: 'assistant', model: 'rule-planner', scope: { lines: ['line-2'] } }, 'demo').token;
  if (existing && existing.status !== 'active') g.reviveAgent(DEMO_NARROW_AGENT, 'demo', 'demo needs it active');
  return { agentId: DEMO_NARROW_AGENT, name: 'Line 2 assistant', token };
}
