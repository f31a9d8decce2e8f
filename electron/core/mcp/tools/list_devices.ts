// Discovery: every device of the plant model with its place in the hierarchy, its tags (units and
// normal band) and the commands its asset type accepts, plus running state and open anomalies.
import { z } from 'zod';
import { lineOf } from '../../../../shared/domain';
import { unknownDeviceStatus } from '../../../../shared/schemas/plant';
import { defineTool } from '../types';
import { assetOf, scopeFilter } from './common';

const TagOutSchema = z.object({
  key: z.string().describe('The tag key: the sensor name in readings and in get_sensor_stream'),
  name: z.string(),
  unit: z.string(),
  normal: z.tuple([z.number(), z.number()]).describe('Normal operating band [lo, hi]'),
  sampling_s: z.number().describe('Expected sampling period, seconds'),
});

const CommandOutSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  params: z
    .record(
      z.string(),
      z.object({
        type: z.string(),
        description: z.string().optional(),
        min: z.number().optional(),
        max: z.number().optional(),
        enum: z.array(z.string()).optional(),
        required: z.boolean(),
      }),
    )
    .describe('Parameter schema for execute_device_command'),
});

export const listDevices = defineTool({
  name: 'list_devices',
  title: 'List devices',
  description:
    'Every device of the plant model: id, name, type, area, line, tags (units, normal band), accepted commands with their parameters, running state, load and whether it has an open anomaly. ' +
    'Use the ids with the other tools, the tag keys as sensors of get_sensor_stream and the commands with execute_device_command.',
  input: z.object({}),
  output: z.object({
    devices: z.array(
      z.object({
        device_id: z.string(),
        name: z.string(),
        area: z.string().nullable(),
        line: z.string(),
        device_type: z.string().nullable(),
        state: z.string(),
        load_pct: z.number().nullable(),
        last_reading_at: z.string().nullable(),
        open_anomalies: z.number(),
        tags: z.array(TagOutSchema),
        commands: z.array(CommandOutSchema),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(_args, ctx) {
    const { deps } = ctx;
    const visible = scopeFilter(ctx);
    const statuses = new Map(deps.deviceStatuses().map((d) => [d.device_id, d]));
    const open = new Map<string, number>();
    for (const e of deps.detection.active()) open.set(e.device_id, (open.get(e.device_id) ?? 0) + 1);
    const ids = visible ? deps.knownDevices().filter(visible) : deps.knownDevices();
    const devices = ids.map((id) => {
      const st = statuses.get(id) ?? unknownDeviceStatus(id);
      const asset = assetOf(deps, id);
      return {
        device_id: id,
        name: asset?.name ?? id,
        area: asset?.area ?? null,
        line: asset?.line ?? lineOf(id),
        device_type: asset?.type ?? null,
        state: st.state,
        load_pct: st.load_pct,
        last_reading_at: deps.live.latest(id)?.timestamp ?? null,
        open_anomalies: open.get(id) ?? 0,
        tags: (asset?.tags ?? []).map((t) => ({ key: t.key, name: t.name, unit: t.unit, normal: t.normal, sampling_s: t.sampling_s })),
        commands: (asset?.commands ?? []).map((c) => ({ name: c.name, description: c.description, params: c.params })),
      };
    });
    return {
      structured: { devices },
      text: devices
        .map(
          (d) =>
            `${d.device_id} (${d.device_type ?? '?'}${d.area ? `, area ${d.area}` : ''}): ${d.state === 'unknown' ? 'state unknown' : `${d.state}, load ${d.load_pct}%`}${d.open_anomalies ? `, ${d.open_anomalies} open anomal${d.open_anomalies === 1 ? 'y' : 'ies'}` : ''}` +
            (d.tags.length ? `; tags ${d.tags.map((t) => `${t.key}${t.unit ? ` ${t.unit}` : ''}`).join(', ')}` : '') +
            (d.commands.length ? `; commands ${d.commands.map((c) => c.name).join(', ')}` : ''),
        )
        .join('\n'),
    };
  },
});
