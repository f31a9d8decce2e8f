// The governed call: what happens to every tools/call, whatever the transport.
//   identity (fixed per session) → gateway.authorize → ALLOW: run | BLOCK: isError with the reason |
//   REVIEW: a durable pending call (pending.ts) that runs once when approved; the request watches it
//   (progress notifications if the client asked) and answers its outcome, or PENDING before the
//   client's timeout: the same call again attaches to the record (or replays its settled outcome).
//   A task-augmented call (MCP Tasks) answers the record as a task at once (governedTaskCall).
// Then the call is recorded (record.ts): a tool_calls row, an 'mcp.call' bus event and immune vitals.
// The audit rows are the gateway's (and the executor's for commands). The result's shape: outcome.ts.
import { performance } from 'node:perf_hooks';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { AuthorizeResult, WaitResult } from '../governance';
import { errorResult, runTool, type GovernanceMeta, type Outcome } from './outcome';
import { actionDigest, isSettled, type PendingCallRecord } from './pending';
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

const secondsLeft = (ms: number) => ` (${Math.ceil(ms / 1000)} s left)`;

/** A progress notification (in seconds; a total only when the wait has a deadline), if the client asked for progress. */
function notifyProgress(extra: Extra, elapsedMs: number, remainingMs: number | null, message: string): void {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return;
  const total = remainingMs === null ? {} : { total: Math.round(elapsedMs + remainingMs) / 1000 };
  void extra
    .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: Math.round(elapsedMs) / 1000, ...total, message } })
    .catch(() => {});
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
  const progress = (elapsedMs: number, remainingMs: number) =>
    notifyProgress(extra, elapsedMs, remainingMs, `waiting for an operator to approve ${approvalId}${secondsLeft(remainingMs)}`);
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
  return (await governed(deps, caller, spec, args, extra, registry, null)).result;
}

/**
 * A task-augmented call: the same governance, but a call that needs an operator answers its pending
 * record at once instead of waiting; any other call runs now and its outcome is a settled task.
 */
export async function governedTaskCall(
  deps: McpDeps,
  caller: CallerIdentity,
  spec: ToolSpec,
  args: Record<string, unknown>,
  extra: Extra,
  registry: ReadonlyMap<string, ToolSpec> | undefined,
  ttlMs: number | undefined,
): Promise<PendingCallRecord> {
  const r = await governed(deps, caller, spec, args, extra, registry, { ttlMs });
  return r.task ?? deps.pending.settledTask(caller, spec.name, r.result, r.status, ttlMs);
}

/** The result of a governed call; with a task mode, the pending record it opened or attached to instead of waiting. */
interface Governed {
  result: CallToolResult;
  status: Outcome['status'];
  task?: PendingCallRecord;
}

async function governed(
  deps: McpDeps,
  caller: CallerIdentity,
  spec: ToolSpec,
  args: Record<string, unknown>,
  extra: Extra,
  registry: ReadonlyMap<string, ToolSpec> | undefined,
  taskMode: { ttlMs?: number } | null,
): Promise<Governed> {
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
    return { result: outcome.result, status: outcome.status };
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
        return { result: outcome.result, status: outcome.status };
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
      return { result: outcome.result, status: outcome.status };
    }
    // The same call again (a retry after the client's timeout, a reconnect): attach to its pending
    // record, or replay its settled outcome. Plan steps are each their own authority: never attached.
    const digest = planId ? null : actionDigest(caller.agentId, spec.name, judged, deps.governance.policy.current.version);
    // Only an active agent attaches (over HTTP the request was just authenticated as one); any other gets the gateway's refusal.
    const active = caller.transport === 'http' || deps.governance.agents.get(caller.agentId)?.status === 'active';
    const existing = digest && active ? deps.pending.find(digest) : null;
    if (existing) {
      auth = reviewOf(existing, caller.agentId);
      if (taskMode) {
        record(deps, caller, spec.name, judged, auth, pendingOutcome(spec.name, existing), performance.now() - t0, 0);
        return { result: pendingOutcome(spec.name, existing).result, status: 'pending', task: existing };
      }
      const w0 = performance.now();
      outcome = await watch(deps, spec.name, existing, extra, true);
      waitMs = performance.now() - w0;
      record(deps, caller, spec.name, judged, auth, outcome, performance.now() - t0, waitMs);
      return { result: outcome.result, status: outcome.status };
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
      if (auth.decision === 'REVIEW' && auth.approvalId && digest) {
        proceed = false;
        const rec = deps.pending.open({
          caller,
          spec,
          args: { ...judged, ...control },
          digest,
          auth: { ...auth, approvalId: auth.approvalId },
          registry,
          ttlMs: taskMode?.ttlMs,
        });
        if (taskMode) {
          outcome = pendingOutcome(spec.name, rec, auth.reason);
          record(deps, caller, spec.name, judged, auth, outcome, performance.now() - t0, 0);
          return { result: outcome.result, status: outcome.status, task: rec };
        }
        const w0 = performance.now();
        outcome = await watch(deps, spec.name, rec, extra, false, auth.reason);
        waitMs = performance.now() - w0;
      } else if (auth.decision === 'REVIEW' && auth.approvalId) {
        // A plan step that needs its own review: waits inside the call as before (plans are their own authority).
        approvalId = auth.approvalId;
        meta.approval_id = approvalId;
        const w = await waitForApproval(auth.approvalId);
        if (w.status === 'approved') {
          token = w.token;
          decidedBy = w.decidedBy;
          meta.decided_by = w.decidedBy;
        } else {
          proceed = false;
          const text =
            w.status === 'pending'
              ? `PENDING: approval ${approvalId} is still waiting for an operator; call get_approval_status with {"approval_id": "${approvalId}"} to collect it.`
              : `${w.status.toUpperCase()}: approval ${approvalId} (${'reason' in w ? w.reason : ''}). Nothing was executed.`;
          outcome = { result: errorResult(text, { ...meta, status: w.status }), status: w.status, error: w.status === 'pending' ? null : text };
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
          collectCall: (id, wait) => collectCall(deps, caller, id, wait, extra),
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
  return { result: outcome.result, status: outcome.status };
}

/** get_approval_status on an approval with a pending call: its settled result (waiting while the driver runs an approved call), or 'pending'. */
async function collectCall(deps: McpDeps, caller: CallerIdentity, approvalId: string, wait: boolean, extra: Extra): Promise<CallToolResult | 'pending' | null> {
  const rec = deps.pending.byApproval(approvalId);
  if (!rec || rec.agentId !== caller.agentId) return null;
  if (isSettled(rec)) return rec.result;
  const decided = deps.governance.approval(approvalId)?.status !== 'pending';
  if (!decided && !wait) return 'pending';
  const r = decided
    ? await deps.pending.wait(rec.id, { signal: extra.signal, limitMs: deps.config.review.maxWaitMs })
    : (await watch(deps, rec.tool, rec, extra, true)) && deps.pending.get(rec.id);
  return r && isSettled(r) ? r.result : 'pending';
}

/** The gateway's REVIEW as the record of an attached call shows it (for the tool_calls row). */
function reviewOf(rec: PendingCallRecord, agentId: string): AuthorizeResult {
  return {
    decision: 'REVIEW',
    reason: rec.statusMessage,
    ruleId: rec.ruleId,
    policyVersion: rec.policyVersion,
    agentId,
    risk: 0,
    approvalId: rec.approvalId ?? undefined,
  };
}

/** A settled record's outcome, or PENDING with what the agent does next. */
function pendingOutcome(tool: string, rec: PendingCallRecord, reason?: string): Outcome {
  if (isSettled(rec) && rec.result) {
    const status = rec.outcome ?? 'ok';
    const text = rec.result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ');
    return { result: rec.result, status, error: rec.result.isError ? text.slice(0, 500) : null };
  }
  const meta: GovernanceMeta = {
    decision: 'REVIEW',
    status: 'pending',
    rule_id: rec.ruleId,
    policy_version: rec.policyVersion,
    ...(rec.approvalId ? { approval_id: rec.approvalId } : {}),
    ...(rec.deadline ? { deadline: new Date(rec.deadline).toISOString() } : {}),
    task_id: rec.id,
  };
  const text =
    `PENDING: ${tool} needs an operator's approval${reason ? ` (${reason})` : ''}: ${rec.statusMessage}. Nothing has run yet. ` +
    `pending; retry the same call to collect it: the same arguments attach to this request (task ${rec.id}) and it runs once, when approved. ` +
    (rec.approvalId ? `Or call get_approval_status with {"approval_id": "${rec.approvalId}"}.` : '');
  return { result: errorResult(text, meta), status: 'pending', error: null };
}

/**
 * Watch a pending record for this request: with a progressToken up to mcp.review.maxWaitMs with a
 * progress notification every few seconds; without one, up to waitWithoutProgressMs (before the
 * common 60 s client timeout). A client that gives up (cancel, dropped stream) only stops watching.
 */
async function watch(deps: McpDeps, tool: string, rec: PendingCallRecord, extra: Extra, attached: boolean, reason?: string): Promise<Outcome> {
  const progressToken = extra._meta?.progressToken;
  const limitMs = progressToken !== undefined ? deps.config.review.maxWaitMs : deps.config.review.waitWithoutProgressMs;
  const progress = (r: PendingCallRecord, elapsedMs: number) => {
    const remaining = r.deadline ? Math.max(0, r.deadline - deps.clock.now()) : null;
    const left = remaining === null ? '' : secondsLeft(remaining);
    notifyProgress(extra, elapsedMs, remaining, `${r.statusMessage}${left}${attached ? '; attached to the earlier call' : ''}`);
  };
  if (!isSettled(rec)) progress(rec, 0);
  const r = await deps.pending.wait(rec.id, { signal: extra.signal, limitMs, onProgress: progress });
  return pendingOutcome(tool, r, reason);
}
