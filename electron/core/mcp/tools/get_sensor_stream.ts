// Seed tool: latest readings from one device, one line or the whole plant, downsampled to fit a model.
// Windows longer than the live ring buffer are averaged inside SQLite (the same buckets as downsample()),
// one device per turn of the event loop:
// "all" with last_n 2000 covers 18 000 rows, and that must not hold the core (ingest, approvals, other
// agents) nor fill its heap for the whole call (finding 10).
import { z } from 'zod';
import { SENSORS } from '../../../../shared/domain';
import { stripTs } from '../../ingest';
import { nextTurn } from '../turns';
import { ToolFailure, defineTool } from '../types';
import { downsample, readingOut, ReadingOutSchema, scopeFilter, SensorSchema, type ReadingOut } from './common';

/** 60 points for each of the nine devices. */
const MAX_TOTAL_POINTS = 540;

export const getSensorStream = defineTool({
  name: 'get_sensor_stream',
  title: 'Sensor stream',
  description:
    'Latest sensor readings (temperature °C, pressure PSI, vibration mm/s, humidity %, power kW) of one device, one line or all devices. ' +
    'last_n readings per device (newest last), averaged down to max_points buckets when longer. Use get_device_status for one device with z-scores.',
  input: z.object({
    device_id: z.string().min(1).max(128).default('all').describe('"all" (default), a line such as "line-2", or a device id such as "line-1/compressor-01"'),
    last_n: z.number().int().min(1).max(2000).default(1).describe('Readings per device to return, newest last (1 = just the latest; readings are 5 s apart)'),
    max_points: z
      .number()
      .int()
      .min(2)
      .max(200)
      .default(60)
      .describe('Longer windows are averaged into at most this many points per device (and 540 points in all)'),
    sensors: z.array(SensorSchema).min(1).max(5).optional().describe('Only these sensors (default: all five)'),
  }),
  output: z.object({
    as_of: z.string().nullable().describe('Timestamp of the newest reading returned'),
    devices: z.array(
      z.object({
        device_id: z.string(),
        readings: z.array(ReadingOutSchema),
        downsampled: z.boolean().describe('True when readings are bucket averages'),
      }),
    ),
    units: z.record(z.string(), z.string()),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, ctx) {
    const { deps } = ctx;
    const visible = scopeFilter(ctx);
    const known = visible ? deps.knownDevices().filter(visible) : deps.knownDevices();
    const sel = args.device_id;
    const ids = sel === 'all' ? known : sel.includes('/') ? known.filter((d) => d === sel) : known.filter((d) => d.startsWith(`${sel}/`));
    if (ids.length === 0)
      throw new ToolFailure(`no device matches "${sel}". Use "all", a line (line-1, line-2, line-3) or one of: ${known.join(', ')}`, 'unknown_device');
    const sensors = args.sensors ?? SENSORS;
    // The whole answer stays model-sized: at most MAX_TOTAL_POINTS readings across all devices.
    const points = Math.max(2, Math.min(args.max_points, Math.floor(MAX_TOTAL_POINTS / ids.length)));
    let asOf: string | null = null;
    const devices: Array<{ device_id: string; readings: ReadingOut[]; downsampled: boolean }> = [];
    let reads = 0;
    for (const id of ids) {
      const cached = deps.live.recent(id, args.last_n);
      let readings: ReadingOut[];
      let count: number;
      if (cached.length >= args.last_n) {
        count = cached.length;
        readings = downsample(cached.map(stripTs), points, sensors);
      } else {
        if (reads++ > 0) await nextTurn();
        const b = deps.readings.latestBuckets(id, args.last_n, points);
        count = b.count;
        readings = b.readings.map((r) => readingOut(r, sensors));
      }
      const last = readings[readings.length - 1];
      if (last && (!asOf || last.timestamp > asOf)) asOf = last.timestamp;
      devices.push({ device_id: id, readings, downsampled: count > points });
    }
    const units = Object.fromEntries(
      sensors.map((s) => [s, ({ temperature: '°C', pressure: 'PSI', vibration: 'mm/s', humidity: '%', power: 'kW' } as Record<string, string>)[s]]),
    );
    const lines = devices.map((d) => {
      const r = d.readings[d.readings.length - 1];
      if (!r) return `${d.device_id}: no readings yet`;
      return `${d.device_id} @ ${r.timestamp}: ${sensors.map((s) => `${s} ${(r as Record<string, unknown>)[s]} ${units[s]}`).join(', ')}${d.readings.length > 1 ? ` (${d.readings.length} points)` : ''}`;
    });
    return { structured: { as_of: asOf, devices, units }, text: lines.join('\n') };
  },
});
