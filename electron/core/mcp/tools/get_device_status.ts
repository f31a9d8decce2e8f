// Seed tool: one device's state, latest reading with z-scores against its recent window, and its alerts.
import { z } from 'zod';
import { deviceTypeOf, lineOf, SENSOR_UNITS, SENSORS } from '../../../../shared/domain';
import { anomalyAlarmId } from '../../detect';
import { defineTool } from '../types';
import { AnomalyOutSchema, anomalyLine, anomalyOut, DeviceIdSchema, ReadingOutSchema, readingOut, requireKnownDevice } from './common';

/** The seed's z-score window: 60 readings (5 minutes at 5 s). */
const Z_WINDOW = 60;

export const getDeviceStatus = defineTool({
  name: 'get_device_status',
  title: 'Device status',
  description:
    "Status of one device: running state and load, the latest reading with each sensor's z-score over the last 60 readings, open anomalies and the device's alarm. " +
    'Start a diagnosis here, then query_device_manual for the procedure.',
  input: z.object({ device_id: DeviceIdSchema }),
  output: z.object({
    device_id: z.string(),
    device_type: z.string().nullable(),
    line: z.string(),
    state: z.string().describe('running, reduced, shutdown or restarting'),
    load_pct: z.number(),
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
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  precheck: (args, deps) => requireKnownDevice(deps, args.device_id),
  run({ device_id }, { deps }) {
    const st = deps.deviceStatus(device_id) ?? { device_id, state: 'running' as const, load_pct: 100 };
    const window = deps.live.recent(device_id, Z_WINDOW);
    const latest = window[window.length - 1] ?? null;
    const n = window.length;
    const sensors = latest
      ? SENSORS.map((s) => {
          let sum = 0;
          for (const r of window) sum += r.values[s];
          const mean = sum / n;
          let ss = 0;
          for (const r of window) ss += (r.values[s] - mean) ** 2;
          const sd = Math.sqrt(ss / Math.max(1, n - 1));
          const z = n >= 10 && sd > 1e-9 ? (latest.values[s] - mean) / sd : null;
          return {
            sensor: s,
            value: Math.round(latest.values[s] * 1000) / 1000,
            unit: SENSOR_UNITS[s],
            mean: Math.round(mean * 1000) / 1000,
            z_score: z === null ? null : Math.round(z * 100) / 100,
          };
        })
      : [];
    const active = deps.detection
      .active()
      .filter((e) => e.device_id === device_id)
      .map(anomalyOut);
    const alarm = deps.alarms.find(anomalyAlarmId(device_id));
    const out = {
      device_id,
      device_type: deviceTypeOf(device_id) ?? null,
      line: lineOf(device_id),
      state: st.state,
      load_pct: st.load_pct,
      last_command: st.last_command ?? null,
      latest: latest ? readingOut(latest) : null,
      sensors,
      active_anomalies: active,
      alarm: alarm && alarm.state !== 'normal' ? { id: alarm.id, state: alarm.state, priority: alarm.priority, message: alarm.message } : null,
    };
    const text = [
      `${device_id} (${out.device_type ?? 'unknown type'}): ${st.state}, load ${st.load_pct}%${st.last_command ? `, last command ${st.last_command.command} at ${st.last_command.at}` : ''}`,
      latest
        ? `latest @ ${latest.timestamp}: ${sensors.map((s) => `${s.sensor} ${s.value} ${s.unit} (z ${s.z_score ?? 'n/a'})`).join(', ')}`
        : 'no readings yet',
      active.length ? `open anomalies: ${active.map(anomalyLine).join('; ')}` : 'no open anomalies',
      out.alarm ? `alarm ${out.alarm.id}: ${out.alarm.state} (${out.alarm.priority})` : 'alarm: normal',
    ].join('\n');
    return { structured: out, text };
  },
});
