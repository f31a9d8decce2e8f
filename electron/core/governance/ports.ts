// The narrow faces of the gateway (issue 13, finding 11). Each caller gets what its job needs and no
// more: agent-facing code can ask for decisions and carry out approved calls, never decide, register an
// agent or reach a key. Only the gateway itself issues intent tokens: its token service, executor, keys,
// approval queue and agent registry are private fields (tests/security/11-narrow-ports.test.ts).
//
// And the ports the gateway itself is given by the composition root: the command channel to the plant
// (the broker's) and the plant's command model. Governance imports neither the broker nor the plant.
import type { CommandMessage } from '../../edge/verifier';
import type { AgentRegistry } from './agents';
import type { Gateway } from './gateway';
import type { PolicyStore } from './policy-file';

/** Who the agents are, read only. */
export type AgentDirectory = Pick<AgentRegistry, 'get' | 'require' | 'byToken' | 'list'>;

/**
 * What agent-facing code (MCP tools, transports, the SDK check route, the operator agent's calls) may use:
 * authorize a call, await or poll its decision, carry out what was approved, read an approval.
 */
export interface AgentGate extends Pick<
  Gateway,
  | 'authorize'
  | 'waitForApproval'
  | 'approvalStatus'
  | 'submitPlan'
  | 'runApproved'
  | 'approval'
  | 'cancelApproval'
  | 'judge'
  | 'policyInfo'
  | 'deviceCommandProblem'
> {
  readonly agents: AgentDirectory;
  readonly policy: Pick<PolicyStore, 'current'>;
}

/** The device's answer to one command, as the command channel saw it. */
export type DeviceReply = { status: 'accepted' } | { status: 'refused'; code: string; reason: string } | { status: 'no_ack'; waitedMs: number };

/** Publish one command message (the exact tool arguments and their token) and wait for the device's answer. */
export type PublishCommand = (deviceId: string, message: CommandMessage, jti: string) => Promise<DeviceReply>;

/**
 * The plant's command model as the gateway reads it: what a device would say about a command's
 * parameters before any state is considered (null: acceptable). The device checks again on arrival.
 */
export interface DeviceCommands {
  paramsProblem(deviceId: string, command: string, params: Record<string, unknown>): string | null;
}
