// Seed tool: latest readings from one device, one line or the whole plant, downsampled to fit a model.
// Windows longer than the live ring buffer are averaged inside SQLite (the same buckets as downsample()),
// one device per turn of the event loop:
// "all" with last_n 2000 covers 18 000 rows, and that must not hold the core (ingest, approvals, other
// agents) nor fill its heap for the whole call (finding 10).
import { z } from 'zod';
import type { Reading } from '../../../../shared/domain';
import { stripTs } from '../../ingest';
import { nextTurn } from '../turns';
import { ToolFailure, defineTool } from '../types';
import { assetOf, downsample, readingOut, ReadingOutSchema, requireTags, scopeFilter, selectDevices, SensorSchema, tagKeys, type ReadingOut } from './common';

/** 60 points for each of the demo's nine devices. */
const MAX_TOTAL_POINTS = 540;

export const getSensorStream = defineTool({
  name: 'get_sensor_stream',
  title: 'Sensor stream',
  description:
    "Latest sensor readings (the device's tags, e.g. temperature °C, pressure PSI, vibration mm/s, humidity %, power kW on the demo plant) of one device, one line, one area or all devices. " +
    "last_n readings per device (newest last), averaged down to max_points buckets when longer. list_devices gives each device's tags and units. Use get_device_status for one device with z-scores.",
  input: z.object({
    device_id: z
      .string()
      .min(1)
      .max(128)
      .default('all')
      .describe('"all" (default), an area or a line of the plant (e.g. "line-2"), or a device id such as "line-1/compressor-01"'),
    last_n: z.number().int().min(1).max(2000).default(1).describe('Readings per device to return, newest last (1 = just the latest)'),
    max_points: z
      .number()
      .int()
      .min(2)
      .max(200)
      .default(60)
      .describe('Longer windows are averaged into at most this many points per device (and 540 points in all)'),
    sensors: z.array(SensorSchema).min(1).max(50).optional().describe("Only these tags, by key (default: all of each device's tags)"),
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
    const ids = selectDevices(deps, known, sel);
    if (ids.length === 0)
      throw new ToolFailure(`no device matches "${sel}". Use "all", an area or a line of the plant, or one of: ${known.join(', ')}`, 'unknown_device');
    if (args.sensors) requireTags(deps, ids, args.sensors);
    // a device the model does not describe shows the tags its readings carry
    const sensorsOf = (id: string, rs: readonly Reading[] = deps.live.recent(id, 1)) => {
      if (args.sensors) return args.sensors;
      const keys = tagKeys(deps, id);
      return keys.length ? keys : [...new Set(rs.flatMap((r) => Object.keys(r.values)))];
    };
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
        readings = downsample(cached.map(stripTs), points, sensorsOf(id, cached));
      } else {
        if (reads++ > 0) await nextTurn();
        const b = deps.readings.latestBuckets(id, args.last_n, points);
        count = b.count;
        readings = b.readings.map((r) => readingOut(r, sensorsOf(id, b.readings)));
      }
      const last = readings[readings.length - 1];
      if (last && (!asOf || last.timestamp > asOf)) asOf = last.timestamp;
      devices.push({ device_id: id, readings, downsampled: count > points });
    }
    const units: Record<string, string> = {};
    for (const id of ids)
      for (const t of assetOf(deps, id)?.tags ?? []) if (!(t.key in units) && (!args.sensors || args.sensors.includes(t.key))) units[t.key] = t.unit;
    const lines = devices.map((d) => {
      const r = d.readings[d.readings.length - 1];
      if (!r) return `${d.device_id}: no readings yet`;
      const shown = Object.keys(r).filter((k) => k !== 'timestamp');
      return `${d.device_id} @ ${r.timestamp}: ${shown.map((s) => `${s} ${r[s]}${units[s] ? ` ${units[s]}` : ''}`).join(', ')}${d.readings.length > 1 ? ` (${d.readings.length} points)` : ''}`;
    });
    return { structured: { as_of: asOf, devices, units }, text: lines.join('\n') };
  },
});
