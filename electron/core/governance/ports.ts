// The narrow faces of the gateway (issue 13, finding 11). Each caller gets what its job needs and no
// more: agent-facing code can ask for decisions and carry out approved calls, never decide, register an
// agent or reach a key. Only the gateway itself issues intent tokens: its token service, executor, keys,
// approval queue and agent registry are private fields (tests/security/11-narrow-ports.test.ts).
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
  'authorize' | 'waitForApproval' | 'approvalStatus' | 'submitPlan' | 'runApproved' | 'approval' | 'cancelApproval' | 'judge' | 'policyInfo'
> {
  readonly agents: AgentDirectory;
  readonly policy: Pick<PolicyStore, 'current'>;
}
