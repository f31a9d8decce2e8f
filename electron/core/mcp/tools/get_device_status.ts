// Seed tool: one device's state, latest value of each of its tags (from the plant model) with z-scores
// against its recent window, its open anomalies, its anomaly alarm and its active limit alarms.
import { z } from 'zod';
import { lineOf } from '../../../../shared/domain';
import { unknownDeviceStatus } from '../../../../shared/schemas/plant';
import { anomalyAlarmId } from '../../detect';
import { defineTool } from '../types';
import { AnomalyOutSchema, anomalyLine, anomalyOut, assetOf, DeviceIdSchema, ReadingOutSchema, requireKnownDevice } from './common';

/** The seed's z-score window: 60 readings (5 minutes at 5 s). */
const Z_WINDOW = 60;

export const getDeviceStatus = defineTool({
  name: 'get_device_status',
  title: 'Device status',
  description:
    "Status of one device: running state and load, the latest reading with each tag's z-score over the last 60 readings, open anomalies, the device's anomaly alarm and its active limit alarms (HH/H/L/LL). " +
    'Start a diagnosis here, then query_device_manual for the procedure.',
  input: z.object({ device_id: DeviceIdSchema }),
  output: z.object({
    device_id: z.string(),
    device_type: z.string().nullable(),
    line: z.string(),
    state: z.string().describe('running, reduced, shutdown or restarting; unknown for a real device whose state no source reports'),
    load_pct: z.number().nullable().describe('null when the state is unknown'),
    last_command: z.object({ command: z.string(), at: z.string() }).nullable(),
    latest: ReadingOutSchema.nullable(),
    sensors: z.array(
      z.object({
        sensor: z.string(),
        value: z.number(),
        unit: z.string(),
        mean: z.number().describe('Mean over the z-score window'),
        z_score: z.number().nullable().describe('(value - mean) / std over the last 60 readings; null with too few readings'),
      }),
    ),
    active_anomalies: z.array(AnomalyOutSchema),
    alarm: z.object({ id: z.string(), state: z.string(), priority: z.string(), message: z.string() }).nullable(),
    limit_alarms: z
      .array(z.object({ id: z.string(), state: z.string(), priority: z.string(), message: z.string() }))
      .describe('Limit alarms of the plant model that are active or unacknowledged, e.g. "line-1/compressor-01/temperature:H"'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  precheck: (args, deps) => requireKnownDevice(deps, args.device_id),
  run({ device_id }, { deps }) {
    const st = deps.deviceStatus(device_id) ?? unknownDeviceStatus(device_id);
    const asset = assetOf(deps, device_id);
    const window = deps.live.recent(device_id, Z_WINDOW);
    const latest = window[window.length - 1] ?? null;
    // A reading may carry only some tags: each tag's latest value is the newest reading that has it.
    const keys = asset ? asset.tags.map((t) => t.key) : Object.keys(latest?.values ?? {});
    const sensors = keys.flatMap((s) => {
      const vs = window.map((r) => r.values[s]).filter((v): v is number => v !== undefined);
      const n = vs.length;
      if (!n) return [];
      const value = vs[n - 1];
      const mean = vs.reduce((a, v) => a + v, 0) / n;
      const sd = Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, n - 1));
      const z = n >= 10 && sd > 1e-9 ? (value - mean) / sd : null;
      return [
        {
          sensor: s,
          value: Math.round(value * 1000) / 1000,
          unit: asset?.tags.find((t) => t.key === s)?.unit ?? '',
          mean: Math.round(mean * 1000) / 1000,
          z_score: z === null ? null : Math.round(z * 100) / 100,
        },
      ];
    });
    const active = deps.detection
      .active()
      .filter((e) => e.device_id === device_id)
      .map(anomalyOut);
    const alarm = deps.alarms.find(anomalyAlarmId(device_id));
    const limitAlarms = deps.alarms
      .list({ source: device_id })
      .filter((a) => a.kind === 'analog' && (a.active || !a.acknowledged))
      .map((a) => ({ id: a.id, state: a.state, priority: a.priority, message: a.message }));
    const out = {
      device_id,
      device_type: asset?.type ?? null,
      line: asset?.line ?? lineOf(device_id),
      state: st.state,
      load_pct: st.load_pct,
      last_command: st.last_command ?? null,
      latest: latest ? { timestamp: latest.timestamp, ...Object.fromEntries(sensors.map((x) => [x.sensor, x.value])) } : null,
      sensors,
      active_anomalies: active,
      alarm: alarm && alarm.state !== 'normal' ? { id: alarm.id, state: alarm.state, priority: alarm.priority, message: alarm.message } : null,
      limit_alarms: limitAlarms,
    };
    const text = [
      `${device_id} (${out.device_type ?? 'unknown type'}): ${st.state === 'unknown' ? 'state unknown (no source reports it)' : `${st.state}, load ${st.load_pct}%`}${st.last_command ? `, last command ${st.last_command.command} at ${st.last_command.at}` : ''}`,
      latest
        ? `latest @ ${latest.timestamp}: ${sensors.map((s) => `${s.sensor} ${s.value} ${s.unit} (z ${s.z_score ?? 'n/a'})`).join(', ')}`
        : 'no readings yet',
      active.length ? `open anomalies: ${active.map(anomalyLine).join('; ')}` : 'no open anomalies',
      out.alarm ? `alarm ${out.alarm.id}: ${out.alarm.state} (${out.alarm.priority})` : 'alarm: normal',
      ...limitAlarms.map((a) => `limit alarm ${a.id}: ${a.state} (${a.priority}) ${a.message}`),
    ].join('\n');
    return { structured: out, text };
  },
});
