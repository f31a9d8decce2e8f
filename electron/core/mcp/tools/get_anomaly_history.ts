// Seed tool: past (and current) anomaly episodes, newest first, paged.
import { z } from 'zod';
import { TYPE_HINTS } from '../../../../shared/anomalies';
import { ToolFailure, defineTool } from '../types';
import { AnomalyOutSchema, anomalyLine, anomalyOut, scopeQuery, SeveritySchema } from './common';

const time = (s: string | undefined, name: string) => {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw new ToolFailure(`${name} must be an ISO 8601 time, got "${s}"`, 'invalid_args');
  return t;
};

export const getAnomalyHistory = defineTool({
  name: 'get_anomaly_history',
  title: 'Anomaly history',
  description:
    'Historical anomaly episodes, newest first, filtered by device, type, severity and time; paged with limit/offset (next_offset is null on the last page).',
  input: z.object({
    device_id: z.string().min(1).max(128).optional().describe('Only this device id'),
    type_hint: z.enum(TYPE_HINTS).optional().describe('Only this failure type'),
    severity: SeveritySchema.optional().describe('Only this severity'),
    status: z.enum(['open', 'closed', 'all']).default('all').describe('open, closed or all (default)'),
    since: z.string().max(40).optional().describe('ISO 8601: episodes that started at or after this time'),
    until: z.string().max(40).optional().describe('ISO 8601: episodes that started before this time'),
    limit: z.number().int().min(1).max(100).default(20).describe('Page size'),
    offset: z.number().int().min(0).max(1_000_000).default(0).describe('Skip this many (paging)'),
  }),
  output: z.object({
    total: z.number(),
    offset: z.number(),
    next_offset: z.number().nullable(),
    anomalies: z.array(AnomalyOutSchema),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(args, ctx) {
    const { deps } = ctx;
    const page = deps.detection.history({
      status: args.status,
      device_id: args.device_id,
      ...scopeQuery(ctx),
      type_hint: args.type_hint,
      severity: args.severity,
      from: time(args.since, 'since'),
      to: time(args.until, 'until'),
      limit: args.limit,
      offset: args.offset,
    });
    const anomalies = page.items.map(anomalyOut);
    const next = args.offset + anomalies.length < page.total ? args.offset + anomalies.length : null;
    const text = anomalies.length
      ? `${page.total} anomal${page.total === 1 ? 'y' : 'ies'} match; showing ${args.offset + 1}-${args.offset + anomalies.length}:\n${anomalies.map(anomalyLine).join('\n')}${next !== null ? `\n(more: offset ${next})` : ''}`
      : 'No anomalies match.';
    return { structured: { total: page.total, offset: args.offset, next_offset: next, anomalies }, text };
  },
});
