// The gated calls the rule planner makes: a device command with its justification, and the SOP's
// steps with their final arguments (a plan's steps must match the calls made later exactly).
import type { Diagnosis, SopCommand, SopPlan } from './sop';

export interface GatedStep {
  tool: string;
  args: Record<string, unknown>;
  label: string;
}

export function commandCall(deviceId: string, command: string, params: Record<string, unknown>, justification: string) {
  const args: Record<string, unknown> = { device_id: deviceId, command, justification: justification.slice(0, 1900) };
  if (Object.keys(params).length > 0) args.parameters = params;
  return { tool: 'execute_device_command', args };
}

/** The SOP's gated calls with their final arguments, built once the commands are known. */
export function sopSteps(deviceId: string, dg: Diagnosis, commands: readonly SopCommand[], plan: SopPlan, anomalyId: string | null): GatedStep[] {
  const evidence = `Evidence: ${dg.evidence.join('; ')}. Severity ${dg.severity} (SOP 1.4).`;
  const steps: GatedStep[] = commands.map((c) => ({
    ...commandCall(deviceId, c.command, c.params, `${c.why}. ${evidence}`),
    label: `${c.command} ${JSON.stringify(c.params)} — ${c.why}`,
  }));
  if (plan.acknowledge && anomalyId) {
    steps.push({
      tool: 'acknowledge_anomaly',
      args: { anomaly_id: anomalyId, note: plan.acknowledge },
      label: `acknowledge ${anomalyId} — ${plan.acknowledge}`,
    });
  }
  return steps;
}
