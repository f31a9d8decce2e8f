// The deterministic rule planner: no model, works offline, follows the device manual's SOPs.
// Gather (status, readings, past incidents) → diagnose (sop.ts) → read the manual section → act
// (the operator's requested command first if any; on BLOCK the SOP's safer command) → verify the
// effect on the live plant → log an incident report. One instance per run: it keeps its phase.
import type { RunOutcome } from '../../../shared/agent';
import { deviceTypeOf } from '../../../shared/domain';
import { PlannerError, type Decision, type Planner, type PlannerContext, type ToolResult, type Turn } from './planner';
import { incidentReportArgs, runSummary } from './rule-planner-report';
import { commandCall, sopSteps, type GatedStep } from './rule-planner-steps';
import { asRecord, asText, incidentsOf, manualTextOf, readingsOf, type Incident } from './rule-planner-results';
import { diagnose, effectVerified, keySensor, SOP_SECTION, sopPlan, type Diagnosis, type SeenReading, type SopCommand, type SopPlan } from './sop';

export interface RulePlannerOptions {
  verifyIntervalMs: number;
  verifyAttempts: number;
}

type Phase = 'find' | 'gather' | 'manual' | 'try' | 'plan' | 'act' | 'verify' | 'report' | 'done';

export class RulePlanner implements Planner {
  readonly name = 'rule' as const;
  readonly model = null;
  private phase: Phase = 'find';
  private deviceId: string | null = null;
  private anomalyId: string | null = null;
  private hint: string | null = null;
  private diagnosis: Diagnosis | null = null;
  private plan: SopPlan | null = null;
  private pending: SopCommand[] = [];
  /** Gated calls still to make, with their exact arguments (a plan's steps must match them exactly). */
  private steps: GatedStep[] = [];
  private planned = false;
  private planId: string | null = null;
  private recalled: Incident[] = [];
  private cited: string[] = [];
  /** Readings after the command, for verification; commandAt is the newest timestamp seen before it. */
  private after: SeenReading[] = [];
  private commandAt = '';
  /** The key sensor's level just before acting (mean of the last readings at diagnosis). */
  private before: number | null = null;
  private verifyLeft: number;
  private verified: { ok: boolean; text: string } | null = null;
  private readonly done: string[] = [];
  private readonly notes: string[] = [];
  private outcome: RunOutcome = 'no_action';
  private seen = 0;

  constructor(private readonly opts: RulePlannerOptions) {
    this.verifyLeft = opts.verifyAttempts;
  }

  /** The device, diagnosis and SOP plan, once the phase that finds them has run (find, gather, manual). */
  private get device(): string {
    return required(this.deviceId, 'device');
  }
  private get dg(): Diagnosis {
    return required(this.diagnosis, 'diagnosis');
  }
  private get sop(): SopPlan {
    return required(this.plan, 'SOP plan');
  }

  /** Results of the calls made since the last decision, by tool name (last one wins). */
  private fresh(history: readonly Turn[]): Map<string, ToolResult[]> {
    const out = new Map<string, ToolResult[]>();
    for (const t of history.slice(this.seen)) if (t.kind === 'result') out.set(t.call.tool, [...(out.get(t.call.tool) ?? []), t.result]);
    this.seen = history.length;
    return out;
  }

  async next(ctx: PlannerContext): Promise<Decision> {
    const got = this.fresh(ctx.history);
    const { task } = ctx;
    switch (this.phase) {
      case 'find': {
        this.deviceId = task.deviceId ?? task.anomaly?.device_id ?? null;
        this.anomalyId = task.anomaly?.id ?? null;
        this.hint = task.anomaly?.type_hint ?? null;
        if (!this.deviceId) {
          const found = got.get('get_active_anomalies');
          if (found) {
            const list = found[0].structured?.anomalies;
            const top = Array.isArray(list) ? asRecord(list[0]) : null;
            if (!top) return this.finish('no open anomaly and no device named: nothing to diagnose', 'no_action');
            this.deviceId = String(top.device_id);
            this.anomalyId = String(top.id);
            this.hint = asText(top.type_hint);
          } else {
            return {
              kind: 'calls',
              thought: 'No device named: look at the open anomalies first.',
              calls: [{ tool: 'get_active_anomalies', args: { limit: 5 } }],
            };
          }
        }
        this.phase = 'gather';
        const d = this.deviceId;
        return {
          kind: 'calls',
          thought: `Diagnose ${d}: current status, the last 30 minutes of readings (trend) and the last minute (raw), and past incident reports (SOP 4.3: search them before diagnosing).${task.ask ? ` Operator asked: "${task.ask}".` : ''}`,
          calls: [
            { tool: 'get_device_status', args: { device_id: d } },
            { tool: 'get_sensor_stream', args: { device_id: d, last_n: 360, max_points: 60 } },
            { tool: 'get_sensor_stream', args: { device_id: d, last_n: 12, max_points: 12 } },
            { tool: 'get_incident_reports', args: { limit: 10 } },
          ],
        };
      }
      case 'gather': {
        const d = this.device;
        const status = got.get('get_device_status')?.[0];
        // Two windows: 30 min of trend (bucket averages) and the last minute reading by reading.
        const readings = readingsOf(got.get('get_sensor_stream')?.[0], d);
        const raw = readingsOf(got.get('get_sensor_stream')?.[1], d);
        const st = status?.structured;
        if (!this.anomalyId && Array.isArray(st?.active_anomalies) && st.active_anomalies.length > 0) {
          const a = asRecord(st.active_anomalies[0]);
          this.anomalyId = a ? String(a.id) : null;
          this.hint ??= a ? String(a.type_hint) : null;
        }
        const diagnosis = (this.diagnosis = diagnose(d, readings, this.hint, raw));
        this.commandAt = diagnosis.latest?.timestamp ?? '';
        const key = keySensor(diagnosis.mode);
        const lastRaw = (raw.length ? raw : readings)
          .slice(-3)
          .map((r) => r[key])
          .filter((v): v is number => typeof v === 'number');
        this.before = lastRaw.length ? lastRaw.reduce((a, b) => a + b, 0) / lastRaw.length : null;
        const all = incidentsOf(got.get('get_incident_reports')?.[0]);
        // Same device or same failure mode first: recurring faults point to an unfixed root cause.
        this.recalled = [
          ...all.filter((i) => i.device_id === d || i.anomaly_type === diagnosis.mode),
          ...all.filter((i) => i.device_id !== d && i.anomaly_type !== diagnosis.mode),
        ].slice(0, 5);
        const reduced = st?.state === 'reduced';
        this.phase = 'manual';
        const dg = this.diagnosis;
        const recall = this.recalled.length
          ? ` Recalled ${this.recalled.length} past incident(s): ${this.recalled.map((i) => `${i.id} "${i.title}"`).join('; ')}.`
          : ' No past incident reports.';
        if (reduced) this.notes.push(`device already at ${String(st?.load_pct)} % load (${asText(asRecord(st?.last_command)?.command, 'reduced')})`);
        return {
          kind: 'calls',
          thought: `Diagnosis: ${dg.mode} (${dg.severity}, from ${dg.basis}). ${dg.evidence.join('; ')}.${recall} Read SOP ${SOP_SECTION[dg.mode].section}.`,
          calls: [
            {
              tool: 'query_device_manual',
              args: { query: SOP_SECTION[dg.mode].query, ...(deviceTypeOf(d) ? { device_type: deviceTypeOf(d) } : {}), limit: 2 },
            },
          ],
        };
      }
      case 'manual': {
        const d = this.device;
        const dg = this.dg;
        const section = SOP_SECTION[dg.mode].section;
        const m = manualTextOf(got.get('query_device_manual')?.[0], section);
        this.cited = [...new Set([section, ...m.cited.filter((s) => s === section)])];
        this.plan = sopPlan(d, dg, m.text, task.reductionPct);
        this.pending = [...this.plan.commands];
        // Already reduced and the key sensor no longer rising: SOP 2.1 step 3 says wait, not stack reductions.
        const skipped = this.pending[0];
        if (this.notes.some((n) => n.startsWith('device already')) && skipped?.command === 'reduce_load') {
          this.pending.shift();
          this.notes.push(`no second reduce_load: a reduction is already in force (${skipped.why.split(':')[0]}); re-check in 10 minutes`);
        }
        if (task.tryCommand && task.tryCommand !== 'reduce_load') {
          this.phase = 'try';
          return {
            kind: 'calls',
            thought: `The operator asked for ${task.tryCommand}. Trying it as asked; the gateway decides.`,
            calls: [commandCall(d, task.tryCommand, {}, `operator request during ${dg.mode} on ${d}: ${dg.evidence[0] ?? ''} (severity ${dg.severity})`)],
          };
        }
        this.phase = 'act';
        return this.act(ctx);
      }
      case 'try': {
        const r = got.get('execute_device_command')?.[0];
        if (r && !r.isError) {
          this.done.push(`${task.tryCommand} executed (approval ${r.approvalId ?? 'none'})`);
          this.outcome = 'resolved';
          this.pending = this.pending.filter((c) => c.command !== 'reduce_load');
        } else if (r?.decision === 'BLOCK') {
          this.done.push(`${task.tryCommand} BLOCKED by policy (${r.ruleId ?? 'rule'}) — choosing the SOP's safer action`);
        } else if (r) {
          this.done.push(`${task.tryCommand} not executed: ${r.status ?? 'error'}`);
        }
        this.phase = 'act';
        return this.act(ctx);
      }
      case 'plan': {
        const r = got.get('propose_plan')?.[0];
        const st = r?.structured;
        if (r && !r.isError && st?.status === 'approved' && typeof st.plan_id === 'string') {
          this.planId = st.plan_id;
          this.done.push(
            `plan ${st.plan_id} of ${this.steps.length} steps approved (approval ${asText(st.approval_id, 'none')}, by ${asText(st.approved_by, 'policy')})`,
          );
        } else if (r && ['rejected', 'expired', 'cancelled'].includes(String(r.text.split(':')[0]).toLowerCase())) {
          this.done.push(`plan not approved: ${r.text.slice(0, 200)}`);
          this.steps = [];
          this.outcome = 'rejected';
          this.notes.push('the operator did not approve the plan; asking what they want instead (SOP 4.1)');
        } else {
          // Blocked, pending or failed as a whole: fall back to asking step by step (each is judged again).
          this.notes.push(`plan not usable (${r?.text.slice(0, 120) ?? 'no answer'}); asking step by step`);
        }
        this.phase = 'act';
        return this.act(ctx);
      }
      case 'act':
        return this.afterAct(ctx, got);
      case 'verify': {
        if (!got.has('get_sensor_stream')) return this.waitAndRead('Waiting for the plant to react.');
        for (const r of readingsOf(got.get('get_sensor_stream')?.[0], this.device)) {
          if (r.timestamp > this.commandAt && !this.after.some((x) => x.timestamp === r.timestamp)) this.after.push(r);
        }
        this.after.sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
        this.verified = effectVerified(this.dg.mode, this.after, this.before);
        this.verifyLeft--;
        if (!this.verified.ok && this.verifyLeft > 0)
          return this.waitAndRead(`Effect not visible yet: ${this.verified.text}; the plant reacts over minutes of its time.`);
        if (!this.verified.ok) this.notes.push(`effect not confirmed after ${this.opts.verifyAttempts} checks: the operator should look at the device`);
        this.phase = 'report';
        return this.report(ctx);
      }
      case 'report': {
        const r = got.get('log_incident_report')?.[0];
        const id = asRecord(r?.structured?.incident)?.id;
        this.phase = 'done';
        const s = this.summary() + (r && !r.isError ? ` Incident report ${String(id)} logged.` : ` Incident report not logged: ${r?.text ?? 'no answer'}.`);
        return { kind: 'finish', summary: s, outcome: this.outcome };
      }
      default:
        return { kind: 'finish', summary: this.summary(), outcome: this.outcome };
    }
  }

  private act(ctx: PlannerContext): Decision {
    if (!this.planned) {
      this.planned = true;
      this.steps = sopSteps(this.device, this.dg, this.pending, this.sop, this.anomalyId);
      this.pending = [];
      // Seed 003: several gated steps go to the operator as one plan, approved once, then run in order.
      if (this.steps.length >= 2 && ctx.tools.some((t) => t.name === 'propose_plan')) {
        this.phase = 'plan';
        return {
          kind: 'calls',
          thought: `SOP ${this.sop.section} has ${this.steps.length} gated steps: propose them as one plan for a single approval.`,
          calls: [
            {
              tool: 'propose_plan',
              args: {
                steps: this.steps.map((x) => ({ tool: x.tool, args: x.args })),
                rationale:
                  `${this.dg.mode} on ${this.deviceId} (SOP ${this.sop.section}): ${this.dg.evidence.join('; ')}. Steps: ${this.steps.map((x, k) => `${k + 1}. ${x.label}`).join(' ')}`.slice(
                    0,
                    3900,
                  ),
              },
            },
          ],
        };
      }
    }
    const next = this.steps.shift();
    if (next) {
      const args = this.planId ? { ...next.args, plan_id: this.planId } : next.args;
      return {
        kind: 'calls',
        thought: `SOP ${this.sop.section}: ${next.label}${this.planId ? ` (step of plan ${this.planId})` : ''}.`,
        calls: [{ tool: next.tool, args }],
      };
    }
    if (this.reduceExecuted && this.phase === 'act') {
      this.phase = 'verify';
      return this.waitAndRead(`Verify the effect on the live plant: ${keySensor(this.dg.mode)} should fall (SOP ${this.sop.section}).`);
    }
    this.phase = 'report';
    return this.report(ctx);
  }

  private afterAct(ctx: PlannerContext, got: Map<string, ToolResult[]>): Decision {
    const exec = got.get('execute_device_command')?.[0];
    const ack = got.get('acknowledge_anomaly')?.[0];
    const r = exec ?? ack;
    const call = this.lastCall(ctx.history);
    const what = exec ? asText(call?.args.command, 'command') : 'acknowledge_anomaly';
    const params = exec ? JSON.stringify(call?.args.parameters ?? {}) : '';
    const via = this.planId ? `plan ${this.planId}` : `approval ${r?.approvalId ?? 'none'}, approved by ${r?.decidedBy ?? 'policy'}`;
    if (r && !r.isError) {
      if (exec && what === 'reduce_load') this.reduceExecuted = true;
      this.done.push(exec ? `${what} ${params} executed (${via})` : `acknowledged anomaly ${this.anomalyId} (${via})`);
      if (this.outcome === 'no_action') this.outcome = 'resolved';
    } else if (r) {
      this.done.push(`${what} ${params} not executed: ${r.status ?? (r.decision === 'BLOCK' ? 'blocked' : 'error')} — ${r.text.slice(0, 200)}`);
      if (r.status === 'rejected' || r.status === 'expired' || r.status === 'cancelled') {
        // SOP 4.1: a rejected command is not re-submitted; ask the operator instead.
        this.steps = [];
        this.outcome = 'rejected';
        this.notes.push('the operator did not approve; asking what they want instead (SOP 4.1)');
      } else if (r.decision === 'BLOCK') {
        this.outcome = this.outcome === 'resolved' ? 'resolved' : 'refused';
      }
    }
    return this.act(ctx);
  }

  private lastCall(history: readonly Turn[]) {
    for (let i = history.length - 1; i >= 0; i--) {
      const t = history[i];
      if (t.kind === 'result') return t.call;
    }
    return null;
  }

  private justWaited = false;
  private reduceExecuted = false;
  /** Let plant time pass (the runner sleeps), then read the device's latest readings. */
  private waitAndRead(thought: string): Decision {
    if (this.opts.verifyIntervalMs > 0 && !this.justWaited) {
      this.justWaited = true;
      return { kind: 'wait', ms: this.opts.verifyIntervalMs, thought };
    }
    this.justWaited = false;
    return {
      kind: 'calls',
      thought: 'Read the latest readings.',
      calls: [{ tool: 'get_sensor_stream', args: { device_id: this.device, last_n: 24, max_points: 24 } }],
    };
  }

  private report(_ctx: PlannerContext): Decision {
    const args = incidentReportArgs({
      deviceId: this.device,
      anomalyId: this.anomalyId,
      diagnosis: this.dg,
      plan: this.sop,
      recalled: this.recalled,
      cited: this.cited,
      done: this.done,
      notes: this.notes,
      verified: this.verified,
    });
    return {
      kind: 'calls',
      thought: 'SOP 4.3: log the incident report (device, type, severity, cause, actions with approval ids, outcome, lessons).',
      calls: [{ tool: 'log_incident_report', args }],
    };
  }

  private summary(): string {
    return runSummary(this.deviceId, this.diagnosis, this.done, this.verified, this.notes);
  }

  private finish(summary: string, outcome: RunOutcome): Decision {
    this.phase = 'done';
    return { kind: 'finish', summary, outcome };
  }
}

function required<T>(v: T | null, what: string): T {
  if (v === null) throw new PlannerError('planner_state', `rule planner: no ${what} yet`);
  return v;
}
