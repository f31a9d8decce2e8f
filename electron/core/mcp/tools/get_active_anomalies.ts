// Seed tool: the unresolved anomaly episodes (open now), most severe first.
import { z } from 'zod';
import { defineTool } from '../types';
import { AnomalyOutSchema, anomalyLine, anomalyOut, scopeFilter, SEVERITY_ORDER, SeveritySchema } from './common';

export const getActiveAnomalies = defineTool({
  name: 'get_active_anomalies',
  title: 'Active anomalies',
  description:
    'Anomaly episodes that are open right now (detected by the streaming detectors), most severe first, with type hint, confidence and sensors. Empty when the plant is normal.',
  input: z.object({
    device_id: z.string().min(1).max(128).optional().describe('Only this device (or line, e.g. "line-1")'),
    min_severity: SeveritySchema.optional().describe('Only anomalies at or above this severity'),
    limit: z.number().int().min(1).max(100).default(20).describe('At most this many'),
  }),
  output: z.object({ count: z.number().describe('Open anomalies matching, before the limit'), anomalies: z.array(AnomalyOutSchema) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(args, ctx) {
    const { deps } = ctx;
    const visible = scopeFilter(ctx);
    const rank = (s: string) => SEVERITY_ORDER.indexOf(s as (typeof SEVERITY_ORDER)[number]);
    const min = args.min_severity ? rank(args.min_severity) : -1;
    const d = args.device_id;
    const all = deps.detection
      .active()
      .filter((e) => (!d || e.device_id === d || e.device_id.startsWith(`${d}/`)) && (!visible || visible(e.device_id)))
      .filter((e) => rank(e.severity) >= min)
      .sort((a, b) => rank(b.severity) - rank(a.severity) || a.start_ts - b.start_ts);
    const anomalies = all.slice(0, args.limit).map(anomalyOut);
    const text = anomalies.length
      ? `${all.length} open anomal${all.length === 1 ? 'y' : 'ies'}:\n${anomalies.map(anomalyLine).join('\n')}`
      : 'No open anomalies.';
    return { structured: { count: all.length, anomalies }, text };
  },
});
