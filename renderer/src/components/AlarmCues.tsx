// What an anomaly alarm is about, in the operator's terms: each tag it involves with its value against
// the normal band and the limit it passed (or the next one it heads for), and that limit's consequence
// and corrective action from the master alarm table (the plant model's own text until the table is read).
import { useEffect } from 'react';
import type { Alarm } from '../../../shared/anomalies';
import type { AlarmTableRow } from '../../../shared/schemas/alarm-table';
import { useServices } from '../context';
import { followAlarmTable, useAlarmTable } from '../store/alarmTable';
import type { AssetView, TagView } from '../store/model';
import { useAnomalies } from '../store/anomalies';
import { useModel } from '../store/model';
import { usePlant } from '../store/plant';
import { fmtValue, tagDigits } from '../panes/plant/status';

export interface Cue {
  tag: string;
  text: string;
  consequence?: string;
  action?: string;
}

const HIGH = new Set(['HH', 'H']);

function limitFor(t: TagView, v: number): { passed: boolean; key: string; value: number; consequence?: string; action?: string } | null {
  const high = v > t.normal[1];
  const side = t.limits.filter((l) => HIGH.has(l.key) === high).sort((a, b) => (high ? b.value - a.value : a.value - b.value));
  // Most severe limit passed first; else the nearest one ahead.
  const passed = side.find((l) => (high ? v >= l.value : v <= l.value));
  if (passed) return { passed: true, ...passed };
  const ahead = [...side].reverse()[0];
  return ahead ? { passed: false, ...ahead } : null;
}

/** The tags an anomaly is about: the episode's sensors, else every tag outside its normal band. */
export function anomalyCues(
  asset: AssetView,
  values: Readonly<Record<string, number>> | undefined,
  sensors: readonly string[] | null,
  table: Readonly<Record<string, AlarmTableRow>> = {},
): Cue[] {
  const out: Cue[] = [];
  for (const t of asset.tags) {
    const v = values?.[t.key];
    if (v === undefined || !Number.isFinite(v)) continue;
    const outside = v < t.normal[0] || v > t.normal[1];
    if (sensors ? !sensors.includes(t.key) : !outside) continue;
    const unit = t.unit ? ` ${t.unit}` : '';
    const lim = outside ? limitFor(t, v) : null;
    const row = lim ? table[`${t.id}:${lim.key}`] : undefined;
    const where = lim ? `; ${lim.passed ? (v > t.normal[1] ? 'above' : 'below') : 'next limit'} ${lim.key} ${lim.value}${unit}` : '';
    out.push({
      tag: t.key,
      text: `${t.name} ${fmtValue(v, tagDigits(t))}${unit} (normal ${t.normal[0]}–${t.normal[1]}${where})`,
      consequence: row ? (row.consequence ?? undefined) : lim?.consequence,
      action: row ? (row.action ?? undefined) : lim?.action,
    });
  }
  return out;
}

export function AlarmCues({ alarm }: { alarm: Alarm }) {
  const { client } = useServices();
  useEffect(() => followAlarmTable(client), [client]);
  const table = useAlarmTable((s) => s.rows);
  const asset = useModel((s) => s.assets.get(alarm.source));
  const values = usePlant((s) => s.devices[alarm.source]?.latest?.values);
  const sensors = useAnomalies((s) => (alarm.episode_id ? (s.episodes[alarm.episode_id]?.sensors ?? null) : null));
  if (!asset || alarm.kind !== 'anomaly') return null;
  const cues = anomalyCues(asset, values, sensors, table);
  if (!cues.length) return null;
  return (
    <ul className="plain cues" data-field="cues">
      {cues.map((c) => (
        <li key={c.tag} data-tag={c.tag}>
          {c.text}
          {c.consequence ? <div>Consequence: {c.consequence}</div> : null}
          {c.action ? <div>Action: {c.action}</div> : null}
        </li>
      ))}
    </ul>
  );
}
