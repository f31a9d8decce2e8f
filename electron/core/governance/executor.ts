// The executor: the only code in the app that publishes to aegisflow/commands/{device_id}. It
// redeems the intent token first (signature, expiry, agent, tool, argument hash, single use) and
// checks the agent is still active; any mismatch is refused and audited, and nothing is published.
import { z } from 'zod';
import { DEVICE_COMMANDS, type DeviceCommand } from '../../../shared/domain';
import type { Logger } from '../observability';
import type { AgentRegistry } from './agents';
import type { AuditLog } from './audit';
import { canonicalHash } from './canonical';
import type { IntentClaims, IntentTokens } from './tokens';

export type PublishCommand = (deviceId: string, cmd: DeviceCommand) => Promise<void>;

export const EXECUTE_TOOL = 'execute_device_command';

/**
 * Arguments of execute_device_command as the MCP tool receives them (seed 000: device_id, command,
 * parameters as JSON text, justification). `params` (an object) is accepted too. The token's hash
 * covers the whole argument object, so extra keys are bound as well.
 */
export const ExecuteArgsSchema = z
  .object({
    device_id: z.string().min(1).max(128),
    command: z.enum(DEVICE_COMMANDS),
    params: z.record(z.string(), z.unknown()).optional(),
    parameters: z.union([z.string().max(10_000), z.record(z.string(), z.unknown())]).optional(),
    justification: z.string().max(4000).optional(),
  })
  .passthrough();

export type ExecuteResult =
  | { ok: true; deviceId: string; command: string; params: Record<string, unknown>; jti: string }
  | { ok: false; code: string; message: string };

export type RedeemOutcome = { ok: true; claims: IntentClaims } | { ok: false; code: string; message: string };

export interface ExecutorDeps {
  tokens: IntentTokens;
  agents: AgentRegistry;
  audit: AuditLog;
  log: Logger;
  publish?: PublishCommand;
}

function commandParams(args: z.infer<typeof ExecuteArgsSchema>): Record<string, unknown> | string {
  if (args.params) return args.params;
  if (typeof args.parameters === 'string') {
    if (args.parameters.trim() === '') return {};
    try {
      const v = JSON.parse(args.parameters) as unknown;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
      return 'parameters must be a JSON object';
    } catch {
      return 'parameters is not valid JSON';
    }
  }
  return args.parameters ?? {};
}

export class CommandExecutor {
  private publish: PublishCommand | undefined;
  constructor(private readonly deps: ExecutorDeps) {
    this.publish = deps.publish;
  }

  setPublisher(publish: PublishCommand): void {
    this.publish = publish;
  }

  private refuse(agentId: string, tool: string, args: unknown, code: string, message: string): { ok: false; code: string; message: string } {
    let argsHash: string | null = null;
    try {
      argsHash = canonicalHash(args);
    } catch {
      argsHash = null;
    }
    this.deps.audit.append({ kind: 'REFUSED', agentId, tool, decision: 'BLOCK', reason: message, ruleId: code, actor: 'executor', argsHash, args: argsHash ? args : undefined });
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
    const r = await this.deps.tokens.redeem(input.token ?? '', { agent: input.agentId, tool: input.tool, args: input.args });
    if (!r.ok) return this.refuse(input.agentId, input.tool, input.args, r.code, r.message);
    return r;
  }

  /** Verify the token, then publish the device command (with the token in the payload). */
  async executeDeviceCommand(input: { agentId: string; args: Record<string, unknown>; token: string | undefined }): Promise<ExecuteResult> {
    const parsed = ExecuteArgsSchema.safeParse(input.args);
    if (!parsed.success)
      return this.refuse(input.agentId, EXECUTE_TOOL, input.args, 'invalid_args', `invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const params = commandParams(parsed.data);
    if (typeof params === 'string') return this.refuse(input.agentId, EXECUTE_TOOL, input.args, 'invalid_args', params);
    if (!this.publish) return this.refuse(input.agentId, EXECUTE_TOOL, input.args, 'no_broker', 'no command channel to the plant is connected');
    const r = await this.redeem({ agentId: input.agentId, tool: EXECUTE_TOOL, args: input.args, token: input.token });
    if (!r.ok) return r;
    const cmd: DeviceCommand = { command: parsed.data.command, params, issued_by: input.agentId, intent_token: input.token };
    const base = { agentId: input.agentId, tool: EXECUTE_TOOL, policyVersion: r.claims.policy_version, approvalId: r.claims.approval_id, actor: 'executor', argsHash: r.claims.args_sha256 };
    try {
      await this.publish(parsed.data.device_id, cmd);
    } catch (err) {
      const message = `publishing the command failed: ${(err as Error).message}`;
      this.deps.audit.append({ ...base, kind: 'EXECUTION_FAILED', decision: 'ALLOW', reason: message, detail: { jti: r.claims.jti, device_id: parsed.data.device_id, command: parsed.data.command } });
      return { ok: false, code: 'publish_failed', message };
    }
    this.deps.audit.append({ ...base, kind: 'EXECUTED', decision: 'ALLOW', reason: `${parsed.data.command} sent to ${parsed.data.device_id}`, detail: { jti: r.claims.jti, device_id: parsed.data.device_id, command: parsed.data.command, plan_hash: r.claims.plan_hash ?? null, plan_step: r.claims.plan_step ?? null } });
    return { ok: true, deviceId: parsed.data.device_id, command: parsed.data.command, params, jti: r.claims.jti };
  }
}
