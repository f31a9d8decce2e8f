// The one way an approved call runs (issue 14). Whatever gave the authority — an ALLOW, an operator's
// approval of one call, an approved plan's step, an approved healing — its token is issued, run and its
// approval spent here and nowhere else (MCP's wait-inside-the-call and get_approval_status both end in
// the tool's run, which hands its token to gateway.runApproved):
//   issue   a single-use intent token for exactly that call (ALLOW, a collected approval, a plan step);
//   run     the token is verified and spent, the authority behind it re-checked (policy, agent, approval,
//           plan), and device commands go out through the executor, the only publisher of commands;
//   spend   the approval's authority is used up, once (a call's at its token's redemption, a plan's at
//           its first step, a healing's when the immune system starts it).
import type { Logger } from '../observability';
import type { ApprovalKind, ApprovalRecord } from './approvals';
import { canonicalHash } from './canonical';
import { CommandExecutor, EXECUTE_TOOL, type AuthorityCheck, type ExecuteResult, type RedeemOutcome } from './executor';
import type { DeviceCommands, PublishCommand } from './ports';
import { GovernanceError, type WaitResult } from './requests';
import type { GatewayParts } from './trail';
import type { IntentClaims, IssueInput } from './tokens';

export interface RunInput {
  agentId: string;
  tool: string;
  args: unknown;
  token: string | undefined;
}

export class ApprovedCalls {
  readonly #executor: CommandExecutor;

  constructor(
    private readonly p: GatewayParts,
    ports: { publishCommand?: PublishCommand; deviceCommands?: DeviceCommands; log: Logger },
  ) {
    this.#executor = new CommandExecutor({
      tokens: p.tokens,
      agents: p.registry,
      audit: p.audit,
      log: ports.log,
      publish: ports.publishCommand,
      deviceCommands: ports.deviceCommands,
      authority: (i) => this.holds(i),
      spent: (claims) => {
        if (claims.approval_id) this.spend(claims.approval_id, 'call');
      },
    });
  }

  /** The single-use intent token for exactly this call. */
  issue(input: IssueInput): Promise<{ token: string; claims: IntentClaims }> {
    return this.p.tokens.issue(input);
  }

  /** Verify and spend the token, re-check the authority, and carry the call out (device commands: publish and wait for the ack). */
  run(input: RunInput & { tool: typeof EXECUTE_TOOL; args: Record<string, unknown> }): Promise<ExecuteResult>;
  run(input: RunInput): Promise<RedeemOutcome>;
  run(input: RunInput): Promise<ExecuteResult | RedeemOutcome> {
    if (input.tool === EXECUTE_TOOL)
      return this.#executor.executeDeviceCommand({ agentId: input.agentId, args: input.args as Record<string, unknown>, token: input.token });
    return this.#executor.redeem(input);
  }

  /** Why these execute_device_command arguments cannot work (unreadable parameters, or parameters the plant refuses), or null. */
  deviceCommandProblem(args: Record<string, unknown>): { code: 'invalid_args' | 'invalid_params'; message: string } | null {
    return this.#executor.commandProblem(args);
  }

  /** The approval's authority is used up (false: not of this kind, voided meanwhile, or already used). */
  spend(approvalId: string, kind: ApprovalKind): boolean {
    return this.p.approvals.get(approvalId)?.kind === kind && this.p.approvals.markUsed(approvalId);
  }

  /**
   * Collect an approved single call: its intent token is issued now, once, so its short life starts
   * when the agent can use it. The approval holds only while the authority behind it does.
   */
  async collect(a: ApprovalRecord): Promise<WaitResult> {
    const { approvals, trail } = this.p;
    if (a.tokenIssued) throw new GovernanceError('token_collected', `the intent token of approval ${a.id} was already issued; request the action again`);
    // Its deadline, the agent's state and scope, the policy in force: otherwise it is void now, audited, and no token is issued.
    const problem = this.voidReason(a);
    if (problem) {
      const v = approvals.voidApproved(a.id, problem.status, problem.reason, { actor: 'gateway', ruleId: problem.ruleId }) ?? approvals.require(a.id);
      if (v.status === 'rejected' || v.status === 'expired' || v.status === 'cancelled')
        return { status: v.status, approvalId: a.id, reason: v.comment ?? problem.reason, decidedBy: a.decidedBy };
    }
    // The stored arguments are masked and the real ones (kept in memory only) went with a restart.
    if (canonicalHash(a.args) !== a.argsHash)
      throw new GovernanceError(
        'args_masked',
        `the arguments of approval ${a.id} held secrets and are stored masked; they were not kept across a restart, so request the action again`,
      );
    if (!approvals.markTokenIssued(a.id))
      throw new GovernanceError('token_collected', `the intent token of approval ${a.id} was already issued; request the action again`);
    const t = await this.issue({ agent: a.agentId, tool: a.tool, args: a.args, policyVersion: a.policyVersion, approvalId: a.id });
    trail.record({
      kind: 'TOKEN_ISSUED',
      agentId: a.agentId,
      tool: a.tool,
      approvalId: a.id,
      policyVersion: a.policyVersion,
      actor: 'gateway',
      argsHash: a.argsHash,
      detail: { jti: t.claims.jti, exp: t.claims.exp },
    });
    return { status: 'approved', approvalId: a.id, token: t.token, tokenClaims: t.claims, decidedBy: a.decidedBy, comment: a.comment };
  }

  /** Why an approved call may not be collected now (null: it may). */
  private voidReason(a: ApprovalRecord): { status: 'expired' | 'cancelled'; reason: string; ruleId?: string } | null {
    const agent = this.p.registry.get(a.agentId);
    if (!agent) return { status: 'cancelled', reason: `agent ${a.agentId} was removed` };
    if (a.collectBy !== null && this.p.clock.now() >= a.collectBy)
      return {
        status: 'expired',
        reason: `approved, but not collected within ${Math.round((a.collectBy - (a.decidedAt ?? a.createdAt)) / 1000)} s of the decision; the approval has lapsed`,
      };
    const ev = this.p.judge(agent, a.tool, a.args);
    if (ev.decision === 'BLOCK') return { status: 'cancelled', reason: `void: ${ev.reason} (rule ${ev.ruleId})`, ruleId: ev.ruleId };
    return null;
  }

  /** The executor asks, token in hand: does the authority behind it still hold? Policy, agent, approval. */
  private holds: AuthorityCheck = ({ agentId, tool, args, claims }) => {
    const agent = this.p.registry.get(agentId);
    if (!agent) return { ok: false, code: 'unknown_agent', message: `unknown agent ${agentId}` };
    const callArgs = (args ?? {}) as Record<string, unknown>;
    const ev = this.p.judge(agent, tool, callArgs);
    if (ev.decision === 'BLOCK') {
      const inactive = ev.ruleId === 'kill-switch' || ev.ruleId === 'quarantine';
      return {
        ok: false,
        code: inactive ? 'agent_inactive' : 'policy_blocked',
        message: `the authority for this call no longer holds: ${ev.reason} (rule ${ev.ruleId})`,
        ruleId: ev.ruleId,
      };
    }
    if (claims.approval_id) {
      const a = this.p.approvals.get(claims.approval_id);
      if (!a || a.status !== 'approved')
        return {
          ok: false,
          code: 'approval_void',
          message: `approval ${claims.approval_id} is ${a?.status ?? 'unknown'}${a?.comment ? ` (${a.comment})` : ''}; its intent token is void`,
        };
      if (a.kind === 'plan') {
        const plan = a.planId ? this.p.plans.get(a.planId) : null;
        if (!plan || (plan.status !== 'approved' && plan.status !== 'done'))
          return { ok: false, code: 'approval_void', message: `plan ${a.planId} is ${plan?.status ?? 'unknown'}; its intent token is void` };
      }
    }
    return { ok: true };
  };
}
