// Seed tool: write an incident report to long-term memory (auto-approved by the default policy).
import { z } from 'zod';
import { SCENARIO_TYPES } from '../../../../shared/domain';
import { ToolFailure, defineTool } from '../types';
import { DeviceIdSchema, requireKnownDevice } from './common';
import { IncidentOutSchema } from './get_incident_reports';

export const logIncidentReport = defineTool({
  name: 'log_incident_report',
  title: 'Log incident report',
  description:
    'Store an incident report as long-term memory for later diagnoses (SOP 4.3): device, anomaly type, severity, root cause, actions taken (with approval ids), outcome and lessons learned.',
  input: z.object({
    device_id: DeviceIdSchema,
    title: z.string().min(3).max(200).describe('One line, e.g. "Thermal runaway on line-1/compressor-01"'),
    severity: z.enum(['low', 'medium', 'high', 'critical']).describe('Severity (SOP 1.4)'),
    anomaly_type: z
      .enum([...SCENARIO_TYPES, 'other'])
      .optional()
      .describe('Failure mode'),
    anomaly_id: z.string().max(128).optional().describe('The anomaly episode id, if any'),
    root_cause: z.string().min(3).max(4000).describe('What caused it'),
    actions_taken: z.string().min(3).max(4000).describe('What was done, with commands and approval ids'),
    outcome: z.string().max(4000).optional().describe('What happened after the actions'),
    lessons_learned: z.string().max(4000).optional().describe('What to do differently next time'),
    manual_sections: z.array(z.string().max(20)).max(20).optional().describe('Manual sections followed, e.g. ["2.1"]'),
  }),
  output: z.object({ status: z.literal('logged'), incident: IncidentOutSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  precheck: (args, deps) => requireKnownDevice(deps, args.device_id),
  async run(args, ctx) {
    // Every non-read ALLOW comes with a single-use intent token; spending it binds the write to this decision.
    if (ctx.token) {
      const r = await ctx.deps.governance.runApproved({ agentId: ctx.agentId, tool: 'log_incident_report', args, token: ctx.token });
      if (!r.ok) throw new ToolFailure(`incident report refused: ${r.message} (${r.code})`, r.code);
    }
    const inc = ctx.deps.incidents.add(
      {
        agent_id: ctx.agentId,
        device_id: args.device_id,
        anomaly_id: args.anomaly_id ?? null,
        anomaly_type: args.anomaly_type ?? null,
        severity: args.severity,
        title: args.title,
        root_cause: args.root_cause,
        actions_taken: args.actions_taken,
        outcome: args.outcome ?? null,
        lessons_learned: args.lessons_learned ?? null,
        manual_sections: args.manual_sections ?? [],
      },
      ctx.deps.clock.now(),
    );
    const { ts, ...rest } = inc;
    const incident = { ...rest, logged_at: new Date(ts).toISOString() };
    return { structured: { status: 'logged' as const, incident }, text: `Incident report ${inc.id} logged for ${inc.device_id}: ${inc.title}` };
  },
});
