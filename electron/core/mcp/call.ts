// The governed call: what happens to every tools/call, whatever the transport.
//   identity (fixed per session) → gateway.authorize → ALLOW: run | BLOCK: isError with the reason |
//   REVIEW: wait for the operator (progress notifications if the client asked) → run with the intent
//   token, or isError rejected / expired / pending (poll get_approval_status).
// Then the call is recorded (record.ts): a tool_calls row, an 'mcp.call' bus event and immune vitals.
// The audit rows are the gateway's (and the executor's for commands). The result's shape: outcome.ts.
import { performance } from 'node:perf_hooks';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { AuthorizeResult, WaitResult } from '../governance';
import { errorResult, runTool, type GovernanceMeta, type Outcome } from './outcome';
import { rateLimited, record } from './record';
import { ToolFailure, type CallerIdentity, type McpDeps, type ToolContext, type ToolSpec } from './types';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

function split(args: Record<string, unknown>, control: readonly string[] | undefined) {
  if (!control || control.length === 0) return { judged: args, control: {} as Record<string, unknown> };
  const judged: Record<string, unknown> = {};
  const ctl: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) (control.includes(k) ? ctl : judged)[k] = v;
  return { judged, control: ctl };
}

function blockText(tool: string, a: AuthorizeResult): string {
  const reason = a.reason.replace(/[.\s]+$/, ''); // policy reasons may end with their own full stop
  if (a.ruleId === 'kill-switch' || a.ruleId === 'quarantine') return `REFUSED: ${reason}. No tool can run until an operator revives this agent.`;
  return `BLOCKED by policy rule "${a.ruleId}": ${reason}. ${tool} was not executed; this decision cannot be approved, so change the request (a safer command, another device) instead of retrying it.`;
}

/**
 * Wait for the operator. Without a progressToken the client cannot keep the request alive past its
 * own timeout, so the wait is cut short and the agent gets the approval id to poll.
 */
async function waitForOperator(deps: McpDeps, approvalId: string, extra: Extra): Promise<WaitResult> {
  const progressToken = extra._meta?.progressToken;
  const limit = progressToken !== undefined ? deps.config.review.maxWaitMs : deps.config.review.waitWithoutProgressMs;
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  extra.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ac.abort(), limit);
  timer.unref?.();
  const progress = (elapsedMs: number, remainingMs: number) => {
    if (progressToken === undefined) return;
    void extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress: Math.round(elapsedMs) / 1000,
          total: Math.round(elapsedMs + remainingMs) / 1000,
          message: `waiting for an operator to approve ${approvalId} (${Math.ceil(remainingMs / 1000)} s left)`,
        },
      })
      .catch(() => {});
  };
  try {
    const first = deps.governance.approval(approvalId);
    if (first) progress(0, Math.max(0, first.deadline - deps.clock.now()));
    return await deps.governance.waitForApproval(approvalId, {
      signal: ac.signal,
      onProgress: (p) => progress(p.elapsedMs, p.remainingMs),
    });
  } finally {
    clearTimeout(timer);
    extra.signal.removeEventListener('abort', onAbort);
  }
}

/** Run one tool under governance and record it. Never throws: every failure is a tool result. */
export async function governedCall(
  deps: McpDeps,
  caller: CallerIdentity,
  spec: ToolSpec,
  args: Record<string, unknown>,
  extra: Extra,
  registry?: ReadonlyMap<string, ToolSpec>,
): Promise<CallToolResult> {
  const t0 = performance.now();
  let waitMs = 0;
  /** Wait for an operator's decision; the time spent waiting is not the tool's latency. */
  const waitForApproval = async (id: string) => {
    const w0 = performance.now();
    try {
      return await waitForOperator(deps, id, extra);
    } finally {
      waitMs += performance.now() - w0;
    }
  };
  const { judged, control } = split(args, spec.controlArgs);
  // Rate limits first: a refused call costs a map lookup, and nothing of the tool or the gateway runs.
  const limited = deps.limiter?.take(caller.agentId, spec.name);
  if (limited && !limited.ok) {
    const outcome = rateLimited(deps, caller, spec.name, limited);
    record(deps, caller, spec.name, judged, null, outcome, performance.now() - t0, 0);
    return outcome.result;
  }
  const planId = typeof control.plan_id === 'string' ? control.plan_id : undefined;
  let auth: AuthorizeResult | null = null;
  let outcome: Outcome;
  let decidedBy: string | null | undefined;
  try {
    // Cheap argument checks first (unknown device, unknown anomaly), so no operator is asked to approve
    // a call that cannot work. Only for an active agent: a paused one gets the gateway's refusal, audited.
    // (Over HTTP the request was just authenticated as an active agent: no second read of the agent row.)
    if (spec.precheck && (caller.transport === 'http' || deps.governance.agents.get(caller.agentId)?.status === 'active')) {
      try {
        spec.precheck(args, deps);
      } catch (err) {
        if (!(err instanceof ToolFailure)) throw err;
        const meta: GovernanceMeta = { decision: 'NONE', status: 'invalid', rule_id: 'precheck', policy_version: deps.governance.policy.current.version };
        outcome = { result: errorResult(err.message, meta), status: 'invalid', error: err.message };
        record(deps, caller, spec.name, judged, null, outcome, performance.now() - t0, 0);
        return outcome.result;
      }
    }
    if (spec.selfGoverned) {
      let reported: AuthorizeResult | null = null;
      const meta: GovernanceMeta = { decision: 'ALLOW', status: 'ok', rule_id: 'self', policy_version: deps.governance.policy.current.version };
      const ctx: ToolContext = {
        deps,
        agentId: caller.agentId,
        caller,
        registry,
        waitForApproval,
        report: (d) => {
          reported = {
            decision: d.decision,
            reason: '',
            ruleId: d.ruleId,
            policyVersion: d.policyVersion,
            agentId: caller.agentId,
            risk: 0,
            approvalId: d.approvalId,
          };
          Object.assign(meta, {
            decision: d.decision,
            rule_id: d.ruleId,
            policy_version: d.policyVersion,
            ...(d.approvalId ? { approval_id: d.approvalId } : {}),
          });
        },
      };
      outcome = await runTool(deps, spec, args, ctx, meta);
      record(deps, caller, spec.name, judged, reported, outcome, performance.now() - t0, waitMs);
      return outcome.result;
    }
    const touched = spec.devicesOf?.(args, deps);
    auth = await deps.governance.authorize({
      agentId: caller.agentId,
      tool: spec.name,
      args: judged,
      ...(planId ? { planId } : {}),
      ...(touched?.length ? { devices: touched } : {}),
    });
    const meta: GovernanceMeta = { decision: auth.decision, status: 'ok', rule_id: auth.ruleId, policy_version: auth.policyVersion };
    if (auth.decision === 'BLOCK') {
      outcome = { result: errorResult(blockText(spec.name, auth), { ...meta, status: 'blocked' }), status: 'blocked', error: auth.reason };
    } else {
      let token = auth.token;
      let approvalId = auth.approvalId;
      let proceed = true;
      outcome = { result: { content: [] }, status: 'ok', error: null };
      if (auth.decision === 'REVIEW' && auth.approvalId) {
        approvalId = auth.approvalId;
        meta.approval_id = approvalId;
        const w0 = performance.now();
        const w = await waitForOperator(deps, auth.approvalId, extra);
        waitMs = performance.now() - w0;
        if (w.status === 'approved') {
          token = w.token;
          decidedBy = w.decidedBy;
          meta.decided_by = w.decidedBy;
        } else if (w.status === 'pending') {
          proceed = false;
          meta.deadline = new Date(w.deadline).toISOString();
          const text =
            `PENDING: ${spec.name} needs an operator's approval (${auth.reason}). Approval ${approvalId} is waiting until ${meta.deadline}; nothing has run yet. ` +
            `Call get_approval_status with {"approval_id": "${approvalId}"} to collect the result once the operator decides (send a progressToken to wait inside the call instead).`;
          outcome = { result: errorResult(text, { ...meta, status: 'pending' }), status: 'pending', error: null };
        } else {
          proceed = false;
          meta.decided_by = w.decidedBy;
          const who = w.decidedBy ? ` by ${w.decidedBy}` : '';
          const text =
            w.status === 'rejected'
              ? `REJECTED${who}: the operator did not approve ${spec.name} (${w.reason}). Nothing was executed. Do not resubmit it unchanged (SOP 4.1); ask the operator what they want instead.`
              : w.status === 'expired'
                ? `EXPIRED: no operator decided approval ${approvalId} in time, which counts as a rejection. Nothing was executed.`
                : `CANCELLED: approval ${approvalId} was cancelled (${w.reason}). Nothing was executed.`;
          outcome = { result: errorResult(text, { ...meta, status: w.status }), status: w.status, error: w.reason };
        }
      }
      if (proceed) {
        const ctx: ToolContext = {
          deps,
          agentId: caller.agentId,
          token,
          approvalId,
          decidedBy,
          registry,
          caller,
          waitForApproval,
        };
        outcome = await runTool(deps, spec, { ...judged, ...control }, ctx, meta);
      }
    }
  } catch (err) {
    deps.log.error({ err, tool: spec.name, agentId: caller.agentId }, 'governed call failed');
    const meta: GovernanceMeta = {
      decision: auth?.decision ?? 'BLOCK',
      status: 'error',
      rule_id: auth?.ruleId ?? 'internal-error',
      policy_version: auth?.policyVersion ?? 'unknown',
    };
    outcome = {
      result: errorResult(`internal error while running ${spec.name}; nothing further was done`, meta),
      status: 'error',
      error: (err as Error).message,
    };
  }
  record(deps, caller, spec.name, judged, auth, outcome, performance.now() - t0, waitMs);
  return outcome.result;
}
