// Seed tool (gated): a command to a physical device. It runs only through the governance executor,
// with the intent token the gateway issued for exactly these arguments (on ALLOW or on an operator's
// approval); the executor verifies and spends the token, publishes on aegisflow/commands/{id} and
// waits for the device, which verifies the token again: 'executed' means the device accepted it.
import { z } from 'zod';
import { ToolFailure, defineTool } from '../types';
import { unknownCommandProblem } from './commands';
import { assetOf, DeviceIdSchema, requireKnownDevice } from './common';

export const executeDeviceCommand = defineTool({
  name: 'execute_device_command',
  title: 'Execute device command (operator-gated)',
  description:
    "Send a command to a device. The commands and their parameters come from the device's asset type (list_devices shows them); " +
    'on the demo plant: reduce_load {"reduction_pct": 1-90}, restore_load, schedule_maintenance, emergency_shutdown, restart. ' +
    "Governed: plant policy blocks emergency_shutdown and restart for agents (use reduce_load, SOP 2.1); other commands wait for an operator's approval, " +
    'so send a progressToken to wait inside the call, or poll get_approval_status. Give a justification that cites the manual.',
  input: z.object({
    device_id: DeviceIdSchema,
    command: z
      .string()
      .min(1)
      .max(64)
      .describe("The command, one the device's asset type accepts (e.g. reduce_load, restore_load, schedule_maintenance, emergency_shutdown, restart)"),
    parameters: z
      .union([z.string().max(2000), z.record(z.string(), z.unknown())])
      .optional()
      .describe('Command parameters as a JSON object or JSON text, e.g. {"reduction_pct": 50} for reduce_load'),
    justification: z.string().min(10).max(2000).describe('Why: the evidence and the SOP section, shown to the approving operator'),
    plan_id: z.string().min(1).max(128).optional().describe('Run this call as the next step of an approved plan (propose_plan)'),
  }),
  output: z.object({
    status: z.literal('executed'),
    device_id: z.string(),
    command: z.string(),
    params: z.record(z.string(), z.unknown()),
    approval_id: z.string().nullable().describe('The approval that allowed it (null when policy allowed it outright)'),
    approved_by: z.string().nullable(),
    intent_jti: z.string().describe('Id of the single-use intent token the executor spent'),
    message: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  controlArgs: ['plan_id'],
  precheck(args, deps) {
    requireKnownDevice(deps, args.device_id);
    // A command the asset's type does not accept, parameters that are unreadable or that the device would
    // refuse (the plant model's schema, through the gateway's port): never sent to an operator for approval.
    const asset = assetOf(deps, args.device_id);
    const unknown = asset ? unknownCommandProblem(asset, args.command) : null;
    if (unknown) throw new ToolFailure(unknown, 'invalid_args');
    const problem = deps.governance.deviceCommandProblem(args);
    if (problem)
      throw new ToolFailure(problem.code === 'invalid_args' ? 'parameters must be a JSON object, e.g. {"reduction_pct": 50}' : problem.message, 'invalid_args');
  },
  async run(args, ctx) {
    const { plan_id: _plan, ...cmdArgs } = args;
    const r = await ctx.deps.governance.runApproved({ agentId: ctx.agentId, tool: 'execute_device_command', args: cmdArgs, token: ctx.token });
    if (!r.ok) {
      if (r.code === 'device_refused')
        throw new ToolFailure(
          `the device refused ${args.command} on ${args.device_id}: ${r.message.replace(/^the device refused \S+: /, '')} (device_refused). Nothing changed on the device; the approval and its token are used up.`,
          r.code,
        );
      if (r.code === 'no_ack') throw new ToolFailure(`${r.message} (no_ack). Check get_device_status before asking again.`, r.code);
      throw new ToolFailure(`the executor refused ${args.command} on ${args.device_id}: ${r.message} (${r.code}); nothing was sent to the device`, r.code);
    }
    const message = `${r.command} accepted by ${r.deviceId}${Object.keys(r.params).length ? ` with ${JSON.stringify(r.params)}` : ''}${ctx.decidedBy ? `, approved by ${ctx.decidedBy}` : ''}. Its effects show in the device's next readings.`;
    return {
      structured: {
        status: 'executed' as const,
        device_id: r.deviceId,
        command: r.command,
        params: r.params,
        approval_id: ctx.approvalId ?? null,
        approved_by: ctx.decidedBy ?? null,
        intent_jti: r.jti,
        message,
      },
      text: message,
    };
  },
});
