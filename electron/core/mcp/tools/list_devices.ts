// Discovery: every device the plant knows, with type, line, running state and whether it has an open anomaly.
import { z } from 'zod';
import { deviceTypeOf, lineOf } from '../../../../shared/domain';
import { defineTool } from '../types';
import { scopeFilter } from './common';

export const listDevices = defineTool({
  name: 'list_devices',
  title: 'List devices',
  description: 'Every device of the plant: id, line, type, running state, load and whether it has an open anomaly. Use the ids with the other tools.',
  input: z.object({}),
  output: z.object({
    devices: z.array(
      z.object({
        device_id: z.string(),
        line: z.string(),
        device_type: z.string().nullable(),
        state: z.string(),
        load_pct: z.number(),
        last_reading_at: z.string().nullable(),
        open_anomalies: z.number(),
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
      const st = statuses.get(id);
      return {
        device_id: id,
        line: lineOf(id),
        device_type: deviceTypeOf(id) ?? null,
        state: st?.state ?? 'unknown',
        load_pct: st?.load_pct ?? 100,
        last_reading_at: deps.live.latest(id)?.timestamp ?? null,
        open_anomalies: open.get(id) ?? 0,
      };
    });
    return {
      structured: { devices },
      text: devices
        .map(
          (d) =>
            `${d.device_id} (${d.device_type ?? '?'}): ${d.state}, load ${d.load_pct}%${d.open_anomalies ? `, ${d.open_anomalies} open anomal${d.open_anomalies === 1 ? 'y' : 'ies'}` : ''}`,
        )
        .join('\n'),
    };
  },
});
