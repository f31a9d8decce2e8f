// What the trend markers say, built from the slices and the core's records: alarms, approvals asked and
// decided, device commands carried out (the audit's EXECUTED, DEVICE_REFUSED, NO_ACK and
// EXECUTION_FAILED rows), incident reports with the start of their episode, and operator annotations.
// Everything the core stamps with the wall clock is placed on the plant clock through the replay's clock
// segments; episodes and annotations are on the plant clock already.
import type { Alarm, Episode } from '../../../../shared/anomalies';
import type { IncidentView } from '../../../../shared/contract';
import type { AgentView, ApprovalView, AuditRowView } from '../../../../shared/governance';
import type { Annotation } from '../../../../shared/schemas/shift';
import type { TrendMarker } from '../../charts/trendStack';
import { fmtClock, fmtWall, plantToWall, wallToPlant, type PlantClock } from '../../time';

/** The audit kinds that say what became of a command sent to a device. */
export const COMMAND_KINDS: Record<string, { text: string; ok: boolean }> = {
  EXECUTED: { text: 'carried out', ok: true },
  DEVICE_REFUSED: { text: 'refused by the device', ok: false },
  NO_ACK: { text: 'sent, no acknowledgement', ok: false },
  EXECUTION_FAILED: { text: 'could not be sent', ok: false },
};

export interface MarkerSources {
  devices: readonly string[];
  clock: PlantClock | null | undefined;
  /** The plant's today, for the date in a time label. */
  today: number | null;
  alarms: readonly Alarm[];
  approvals: readonly ApprovalView[];
  commands: readonly AuditRowView[];
  incidents: readonly IncidentView[];
  episodes: Readonly<Record<string, Episode>>;
  annotations: readonly Annotation[];
  agents: Readonly<Record<string, AgentView>>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function buildMarkers(s: MarkerSources): TrendMarker[] {
  const on = new Set(s.devices);
  const out: TrendMarker[] = [];
  const agent = (id: string | null) => (id ? (s.agents[id]?.name ?? id) : 'operator');
  const when = (plant: number, wall: number | null) => `${fmtClock(plant, s.today)} plant time${wall === null ? '' : ` · wall clock ${fmtWall(wall)}`}`;
  const atWall = (wall: number) => wallToPlant(s.clock, wall);
  const push = (m: Omit<TrendMarker, 'when'>, wall: number | null) => out.push({ ...m, when: when(m.t, wall ?? plantToWall(s.clock, m.t)) });

  // Each alarm of these devices at the plant time it came on (its last change if it never did).
  for (const a of s.alarms) {
    if (!on.has(a.source)) continue;
    const wall = a.activated_at ?? a.updated_at;
    push({ kind: 'alarm', t: atWall(wall), device_id: a.source, id: a.id, label: `Alarm (${a.priority}): ${a.message}` }, wall);
  }
  for (const a of s.approvals) {
    const device = str(a.args.device_id);
    if (!device || !on.has(device)) continue;
    const what = `${a.tool}${str(a.args.command) ? ` ${str(a.args.command)}` : ''}`;
    push({ kind: 'requested', t: atWall(a.createdAt), device_id: device, id: a.id, label: `Approval asked by ${agent(a.agentId)}: ${what}` }, a.createdAt);
    if (a.decidedAt !== null && a.status !== 'pending') {
      const by = a.decidedBy ? ` by ${a.decidedBy}` : '';
      push(
        {
          kind: 'decided',
          t: atWall(a.decidedAt),
          device_id: device,
          id: a.id,
          hollow: a.status !== 'approved',
          label: `Approval ${a.status}${by}: ${what} (${agent(a.agentId)})`,
        },
        a.decidedAt,
      );
    }
  }
  for (const r of s.commands) {
    const k = COMMAND_KINDS[r.kind];
    const detail = (r.detail ?? {}) as { device_id?: unknown; command?: unknown };
    const device = str(detail.device_id);
    if (!k || !device || !on.has(device)) continue;
    const cmd = str(detail.command) ?? r.tool ?? 'command';
    push(
      { kind: 'command', t: atWall(r.ts), device_id: device, id: String(r.seq), hollow: !k.ok, label: `Command ${cmd} ${k.text} (${agent(r.agentId)})` },
      r.ts,
    );
  }
  for (const i of s.incidents) {
    if (!on.has(i.device_id)) continue;
    push(
      { kind: 'incident', t: atWall(i.ts), device_id: i.device_id, id: i.id, label: `Incident report by ${agent(i.agent_id)}: ${i.title} (${i.severity})` },
      i.ts,
    );
    const e = i.anomaly_id ? s.episodes[i.anomaly_id] : undefined;
    if (e && on.has(e.device_id))
      push(
        {
          kind: 'episode',
          t: e.start_ts,
          device_id: e.device_id,
          id: i.id,
          label: `Episode start: ${e.type_hint.replace(/_/g, ' ')} (${e.severity}), reported in “${i.title}”`,
        },
        null,
      );
  }
  for (const a of s.annotations) {
    if (!on.has(a.deviceId)) continue;
    // Pinned to a plant time the replay may never have run through: the wall time it was written instead.
    out.push({
      kind: 'annotation',
      t: a.plantTs,
      device_id: a.deviceId,
      id: a.id,
      ...(a.tag ? { tag: a.tag } : {}),
      label: `Note by ${a.author}: ${a.text}`,
      when: `${fmtClock(a.plantTs, s.today)} plant time · written ${fmtWall(a.ts)} wall clock`,
    });
  }
  return out.sort((x, y) => x.t - y.t);
}
