// The rule planner's written record of a run: the incident report it logs (SOP 4.3) and the
// one-paragraph summary the run ends with.
import type { Incident } from './rule-planner-results';
import { SOP_SECTION, type Diagnosis, type SopPlan } from './sop';

/** What the run found and did, as the report reads it. */
export interface RunFindings {
  deviceId: string;
  anomalyId: string | null;
  diagnosis: Diagnosis;
  plan: SopPlan;
  recalled: readonly Incident[];
  cited: readonly string[];
  done: readonly string[];
  notes: readonly string[];
  verified: { ok: boolean; text: string } | null;
}

/** Arguments of log_incident_report: device, type, severity, cause, actions with approval ids, outcome, lessons. */
export function incidentReportArgs(f: RunFindings): Record<string, unknown> {
  const dg = f.diagnosis;
  const d = f.deviceId;
  const severity = dg.severity === 'info' ? 'low' : dg.severity;
  const recall = f.recalled.length
    ? ` Similar past incidents: ${f.recalled.map((i) => `${i.id} (${i.device_id}, ${i.anomaly_type ?? 'other'})`).join(', ')}.`
    : '';
  const recurring = f.recalled.some((i) => i.device_id === d && i.anomaly_type === dg.mode);
  return {
    device_id: d,
    title: `${dg.mode === 'unknown' ? 'Unclassified anomaly' : dg.mode.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())} on ${d}`,
    severity,
    anomaly_type: dg.mode === 'unknown' ? 'other' : dg.mode,
    ...(f.anomalyId ? { anomaly_id: f.anomalyId } : {}),
    root_cause: `${dg.evidence.join('; ')}.${recall}`,
    actions_taken: f.done.length ? f.done.join('; ') : 'none (monitoring)',
    outcome: [f.verified?.text, ...f.notes].filter(Boolean).join('; ') || 'no command executed',
    lessons_learned: [...(recurring ? ['recurring on this device: the root cause was not fixed last time (SOP 4.3)'] : []), ...f.plan.operatorNotes].join('; '),
    manual_sections: f.cited.length ? f.cited : [SOP_SECTION[dg.mode].section],
  };
}

export function runSummary(
  deviceId: string | null,
  dg: Diagnosis | null,
  done: readonly string[],
  verified: { text: string } | null,
  notes: readonly string[],
): string {
  if (!dg) return 'no diagnosis';
  return `${deviceId}: ${dg.mode} (${dg.severity}). Actions: ${done.join('; ') || 'none'}.${verified ? ` Verification: ${verified.text}.` : ''}${notes.length ? ` Notes: ${notes.join('; ')}.` : ''}`;
}
