// Seed tool: the agents' long-term memory — incident reports, searchable by device, type and words.
import { z } from 'zod';
import { SCENARIO_TYPES } from '../../../../shared/domain';
import { IncidentViewSchema } from '../../../../shared/schemas/plant';
import { defineTool } from '../types';
import { scopeQuery } from './common';

// The control room's view of a report, with the time as the ISO text agents read elsewhere.
export const IncidentOutSchema = z.object({ id: z.string(), logged_at: z.string(), ...IncidentViewSchema.omit({ id: true, ts: true }).shape });

export const getIncidentReports = defineTool({
  name: 'get_incident_reports',
  title: 'Incident reports',
  description:
    'Past incident reports (long-term memory), newest first. Filter by device or line, anomaly type, and words that must all appear. ' +
    'Check them before diagnosing: a recurring fault points to a root cause that was not fixed (SOP 4.3).',
  input: z.object({
    device_id: z.string().min(1).max(128).optional().describe('A device id, or a line such as "line-2" for every device on it'),
    anomaly_type: z
      .enum([...SCENARIO_TYPES, 'other'])
      .optional()
      .describe('Only reports of this failure type'),
    query: z.string().max(300).optional().describe('Words that must all appear in the report, e.g. "seal leak"'),
    limit: z.number().int().min(1).max(50).default(10).describe('Page size'),
    offset: z.number().int().min(0).max(1_000_000).default(0).describe('Skip this many (paging)'),
  }),
  output: z.object({ total: z.number(), next_offset: z.number().nullable(), incidents: z.array(IncidentOutSchema) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(args, ctx) {
    const { deps } = ctx;
    const { items, total } = deps.incidents.search({
      device_id: args.device_id,
      ...scopeQuery(ctx),
      anomaly_type: args.anomaly_type,
      text: args.query,
      limit: args.limit,
      offset: args.offset,
    });
    const incidents = items.map(({ ts, ...i }) => ({ ...i, logged_at: new Date(ts).toISOString() }));
    const next = args.offset + incidents.length < total ? args.offset + incidents.length : null;
    const text = incidents.length
      ? `${total} incident report${total === 1 ? '' : 's'}:\n${incidents.map((i) => `${i.id} ${i.logged_at} ${i.device_id} [${i.severity}${i.anomaly_type ? `, ${i.anomaly_type}` : ''}] ${i.title} — cause: ${i.root_cause}; actions: ${i.actions_taken}${i.lessons_learned ? `; lessons: ${i.lessons_learned}` : ''}`).join('\n')}`
      : 'No incident reports match.';
    return { structured: { total, next_offset: next, incidents }, text };
  },
});
