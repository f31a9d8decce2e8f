// The executor: the only code in the app that publishes to aegisflow/commands/{device_id}. It
// redeems the intent token first (signature, expiry, agent, tool, argument hash, single use) and
// asks the gateway whether the authority behind it still holds (the policy in force, the agent's
// state and scope, the approval it came from: not voided by a pause, a restart or a lapse); any
// mismatch is refused and audited, and nothing is published.
// The device then verifies the token again and answers (electron/edge/verifier.ts): EXECUTED is
// audited only on its accepted acknowledgement, DEVICE_REFUSED (with its reason) or NO_ACK otherwise.
import { z } from 'zod';
import { commandParamsOf, type CommandMessage } from '../../edge/verifier';
import type { Logger } from '../observability';
import type { AgentRegistry } from './agents';
import type { AuditLog } from './audit';
import { canonicalHash } from './canonical';
import type { DeviceCommands, DeviceReply, PublishCommand } from './ports';
import type { IntentClaims, IntentTokens } from './tokens';

export const EXECUTE_TOOL = 'execute_device_command';

/**
 * Arguments of execute_device_command as the MCP tool receives them (seed 000: device_id, command,
 * parameters as JSON text, justification). `params` (an object) is accepted too. The token's hash
 * covers the whole argument object, so extra keys are bound as well.
 */
export const ExecuteArgsSchema = z
  .object({
    device_id: z.string().min(1).max(128),
    // Which commands a device has is the plant model's: the deviceCommands port checks it.
    command: z.string().min(1).max(64),
    params: z.record(z.string(), z.unknown()).optional(),
    parameters: z.union([z.string().max(10_000), z.record(z.string(), z.unknown())]).optional(),
    justification: z.string().max(4000).optional(),
  })
  .passthrough();

export type ExecuteResult =
  { ok: true; deviceId: string; command: string; params: Record<string, unknown>; jti: string } | { ok: false; code: string; message: string; jti?: string };

export type RedeemOutcome = { ok: true; claims: IntentClaims } | { ok: false; code: string; message: string };

/** The gateway's answer to "does the authority behind this token still hold, now?". */
export type AuthorityCheck = (input: {
  agentId: string;
  tool: string;
  args: unknown;
  claims: IntentClaims;
}) => { ok: true } | { ok: false; code: string; message: string; ruleId?: string };

export interface ExecutorDeps {
  tokens: IntentTokens;
  agents: AgentRegistry;
  audit: AuditLog;
  log: Logger;
  publish?: PublishCommand;
  /** The plant's command model: parameters a device must refuse are stopped here (absent: only the device checks). */
  deviceCommands?: DeviceCommands;
  /** Re-checked at redemption, after the token verified and before it is used up. */
  authority?: AuthorityCheck;
  /** Told once a token is used up (the gateway marks its approval's authority spent). */
  spent?: (claims: IntentClaims) => void;
}

export class CommandExecutor {
  constructor(private readonly deps: ExecutorDeps) {}

  /**
   * Why these arguments cannot make a command (parameters unreadable, or refused by the plant's command
   * model), or null. The same reading of params / parameters as the device's (one implementation, electron/edge).
   */
  commandProblem(args: Record<string, unknown>): { code: 'invalid_args' | 'invalid_params'; message: string } | null {
    const params = commandParamsOf(args);
    if (typeof params === 'string') return { code: 'invalid_args', message: params };
    const problem = this.deps.deviceCommands?.paramsProblem(String(args.device_id), String(args.command), params) ?? null;
    return problem ? { code: 'invalid_params', message: problem } : null;
  }

  private refuse(
    agentId: string,
    tool: string,
    args: unknown,
    code: string,
    message: string,
    extra: { ruleId?: string; approvalId?: string | null } = {},
  ): { ok: false; code: string; message: string } {
    let argsHash: string | null;
    try {
      argsHash = canonicalHash(args);
    } catch {
      argsHash = null;
    }
    this.deps.audit.append({
      kind: 'REFUSED',
      agentId,
      tool,
      decision: 'BLOCK',
      reason: message,
      ruleId: extra.ruleId ?? code,
      approvalId: extra.approvalId ?? null,
      actor: 'executor',
      argsHash,
      args: argsHash ? args : undefined,
    });
    this.deps.log.warn({ agentId, tool, code }, message);
    return { ok: false, code, message };
  }

  /**
   * Check and use up an intent token for any gated tool (acknowledge_anomaly and the like call this
   * before acting). Refusals are audited.
   */
  async redeem(input: { agentId: string; tool: string; args: unknown; token: string | undefined }): Promise<RedeemOutcome> {
    const agent = this.deps.agents.get(input.agentId);
    if (!agent) return this.refuse(input.agentId, input.tool, input.args, 'unknown_agent', `unknown agent ${input.agentId}`);
    if (agent.status !== 'active') return this.refuse(input.agentId, input.tool, input.args, 'agent_inactive', `agent ${agent.id} is ${agent.status}`);
    const r = await this.deps.tokens.check(input.token ?? '', { agent: input.agentId, tool: input.tool, args: input.args });
    if (!r.ok) return this.refuse(input.agentId, input.tool, input.args, r.code, r.message);
    // From here to the jti's use nothing awaits: the authority checked is the authority in force when the token is spent.
    const auth = this.deps.authority?.({ agentId: input.agentId, tool: input.tool, args: input.args, claims: r.claims }) ?? { ok: true as const };
    if (!auth.ok) return this.refuse(input.agentId, input.tool, input.args, auth.code, auth.message, { ruleId: auth.ruleId, approvalId: r.claims.approval_id });
    if (!this.deps.tokens.consume(r.claims))
      return this.refuse(input.agentId, input.tool, input.args, 'replayed', 'intent token was already used', { approvalId: r.claims.approval_id });
    this.deps.spent?.(r.claims);
    return r;
  }

  /** Verify the token, publish the command (the exact arguments with their token) and wait for the device's answer. */
  async executeDeviceCommand(input: { agentId: string; args: Record<string, unknown>; token: string | undefined }): Promise<ExecuteResult> {
    const parsed = ExecuteArgsSchema.safeParse(input.args);
    if (!parsed.success)
      return this.refuse(
        input.agentId,
        EXECUTE_TOOL,
        input.args,
        'invalid_args',
        `invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    // The same reading of params / parameters as the device's (one implementation, electron/edge).
    const params = commandParamsOf(parsed.data);
    if (typeof params === 'string') return this.refuse(input.agentId, EXECUTE_TOOL, input.args, 'invalid_args', params);
    const publish = this.deps.publish;
    if (!publish) return this.refuse(input.agentId, EXECUTE_TOOL, input.args, 'no_broker', 'no command channel to the plant is connected');
    // Cheap and early: parameters the device model must refuse never reach the plant (the device checks again).
    const problem = this.commandProblem(parsed.data);
    if (problem) return this.refuse(input.agentId, EXECUTE_TOOL, input.args, problem.code, problem.message);
    const r = await this.redeem({ agentId: input.agentId, tool: EXECUTE_TOOL, args: input.args, token: input.token });
    if (!r.ok) return r;
    // The device derives the command from these exact arguments, which the token's hash covers.
    const message: CommandMessage = { args: input.args, intent_token: input.token! };
    const base = {
      agentId: input.agentId,
      tool: EXECUTE_TOOL,
      policyVersion: r.claims.policy_version,
      approvalId: r.claims.approval_id,
      actor: 'executor',
      argsHash: r.claims.args_sha256,
    };
    const device = parsed.data.device_id;
    const command = parsed.data.command;
    const detail = { jti: r.claims.jti, device_id: device, command, plan_hash: r.claims.plan_hash ?? null, plan_step: r.claims.plan_step ?? null };
    let reply: DeviceReply | undefined;
    try {
      reply = await publish(device, message, r.claims.jti);
    } catch (err) {
      const message = `publishing the command failed: ${(err as Error).message}`;
      this.deps.audit.append({
        ...base,
        kind: 'EXECUTION_FAILED',
        decision: 'ALLOW',
        reason: message,
        detail: { jti: r.claims.jti, device_id: device, command },
      });
      return { ok: false, code: 'publish_failed', message, jti: r.claims.jti };
    }
    if (reply?.status === 'refused') {
      const message = `the device refused ${command}: ${reply.reason}`;
      this.deps.audit.append({
        ...base,
        kind: 'DEVICE_REFUSED',
        decision: 'ALLOW',
        reason: message,
        ruleId: reply.code,
        detail: { ...detail, device_code: reply.code },
      });
      this.deps.log.warn({ agentId: input.agentId, device, command, code: reply.code }, message);
      return { ok: false, code: 'device_refused', message, jti: r.claims.jti };
    }
    if (reply?.status !== 'accepted') {
      const waited = reply?.status === 'no_ack' ? reply.waitedMs : 0;
      const message = `${command} was sent to ${device} but no acknowledgement came within ${waited} ms: whether it took effect is unknown`;
      this.deps.audit.append({ ...base, kind: 'NO_ACK', decision: 'ALLOW', reason: message, detail: { ...detail, waited_ms: waited } });
      this.deps.log.warn({ agentId: input.agentId, device, command }, message);
      return { ok: false, code: 'no_ack', message, jti: r.claims.jti };
    }
    this.deps.audit.append({ ...base, kind: 'EXECUTED', decision: 'ALLOW', reason: `${command} accepted by ${device}`, detail });
    return { ok: true, deviceId: parsed.data.device_id, command: parsed.data.command, params, jti: r.claims.jti };
  }
}
