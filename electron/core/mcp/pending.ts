// Durable pending calls (issue 20): a gated call that needs an operator becomes a record, keyed by its
// action digest (agent, tool, canonical arguments, policy version), that outlives the request which
// opened it. One driver per record waits for the approval and, once approved, runs the tool exactly
// once (the gateway re-checks policy and agent state when it issues the token and again when the
// executor spends it); requests, retries, get_approval_status and tasks/get|result only watch the record.
//   working → completed (ran, or denied/expired: an isError result naming the rule and the operator)
//           | failed (the approved call could not be collected) | cancelled (withdrawn, kill switch)
// A retry with the same digest attaches to the working record, or replays the settled outcome for
// mcp.review.replayMs; a cancelled record is not replayed (the agent withdrew it: asking again is new).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { GovernanceError, canonicalHash, type AuthorizeResult, type WaitResult } from '../governance';
import { errorResult, runTool, type CallStatus, type GovernanceMeta } from './outcome';
import type { PendingCallRecord, PendingCallRepository, Settlement } from './pending-repo';
import type { CallerIdentity, McpDeps, ToolSpec } from './types';

export type { PendingCallRecord } from './pending-repo';

export interface OpenCall {
  caller: CallerIdentity;
  spec: ToolSpec;
  /** The arguments the tool runs with (judged and control arguments). */
  args: Record<string, unknown>;
  digest: string;
  auth: AuthorizeResult & { approvalId: string };
  registry?: ReadonlyMap<string, ToolSpec>;
  ttlMs?: number;
}

export interface WaitOpts {
  signal?: AbortSignal;
  limitMs: number;
  onProgress?: (r: PendingCallRecord, elapsedMs: number) => void;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
export const isSettled = (r: PendingCallRecord) => TERMINAL.has(r.status);

/** The action digest: what makes two calls "the same call" for attaching and replay. */
export function actionDigest(agentId: string, tool: string, args: Record<string, unknown>, policyVersion: string): string {
  return canonicalHash({ agent: agentId, tool, args, policy_version: policyVersion });
}

export class PendingCalls {
  readonly #waiters = new Map<string, Set<(r: PendingCallRecord) => void>>();
  readonly #driving = new Set<string>();

  constructor(
    /** The MCP deps this manager is part of (built after it: a getter). */
    private readonly depsOf: () => McpDeps,
    readonly repo: PendingCallRepository,
  ) {}

  private get deps(): McpDeps {
    return this.depsOf();
  }

  get(id: string): PendingCallRecord | null {
    return this.repo.get(id);
  }

  byApproval(approvalId: string): PendingCallRecord | null {
    return this.repo.byApproval(approvalId);
  }

  /** The record a call with this digest attaches to (working), or replays (settled recently, not cancelled). */
  find(digest: string): PendingCallRecord | null {
    const r = this.repo.latest(digest, this.deps.clock.now() - this.deps.config.review.replayMs);
    return r && r.status !== 'cancelled' ? r : null;
  }

  /** A new working record for a REVIEW decision, driven to its end from now on. */
  open(o: OpenCall): PendingCallRecord {
    const { auth } = o;
    const now = this.deps.clock.now();
    const rec = this.repo.insertWorking({
      digest: o.digest,
      agentId: o.caller.agentId,
      tool: o.spec.name,
      policyVersion: auth.policyVersion,
      ruleId: auth.ruleId,
      approvalId: auth.approvalId,
      statusMessage: awaiting(auth.ruleId, auth.approvalId, auth.deadline ?? null),
      deadline: auth.deadline ?? null,
      ttlMs: this.ttl(o.ttlMs),
      now,
    });
    if (!rec) {
      // Two identical calls raced through the gateway: the second approval is withdrawn and the call attaches to the first.
      this.deps.governance.cancelApproval(auth.approvalId, 'the same call is already waiting for an operator', 'gateway');
      const existing = this.find(o.digest);
      if (existing) return existing;
      throw new Error(`no pending call for digest ${o.digest}`);
    }
    this.drive(rec, o.spec, o.args, o.caller, o.registry);
    return rec;
  }

  /** A task whose call needed no operator (allowed, blocked, refused): settled from the start. */
  settledTask(caller: CallerIdentity, tool: string, result: CallToolResult, status: CallStatus, ttlMs?: number): PendingCallRecord {
    const meta = (result._meta?.['aegisflow/governance'] ?? {}) as Partial<GovernanceMeta>;
    const now = this.deps.clock.now();
    return this.repo.insertSettled(
      {
        digest: null,
        agentId: caller.agentId,
        tool,
        policyVersion: meta.policy_version ?? this.deps.governance.policy.current.version,
        ruleId: meta.rule_id ?? 'none',
        approvalId: meta.approval_id ?? null,
        statusMessage: result.isError ? `${tool} was not run (${status})` : `${tool} ran`,
        ttlMs: this.ttl(ttlMs),
        now,
      },
      { status: 'completed', statusMessage: result.isError ? `${tool}: ${status}` : `${tool} ran`, outcome: status, result, now },
    );
  }

  /** Wait until the record settles, the limit passes or the signal aborts; the record as it is then. */
  wait(id: string, o: WaitOpts): Promise<PendingCallRecord> {
    const first = this.repo.get(id);
    if (!first) return Promise.reject(new Error(`no pending call ${id}`));
    if (isSettled(first) || o.signal?.aborted || o.limitMs <= 0) return Promise.resolve(first);
    const start = this.deps.clock.now();
    return new Promise((resolve) => {
      let set = this.#waiters.get(id);
      if (!set) this.#waiters.set(id, (set = new Set()));
      const finish = (r: PendingCallRecord | null) => {
        set.delete(onSettled);
        if (set.size === 0 && this.#waiters.get(id) === set) this.#waiters.delete(id);
        clearTimeout(timer);
        if (ticker) clearInterval(ticker);
        o.signal?.removeEventListener('abort', onStop);
        resolve(r ?? this.repo.get(id) ?? first);
      };
      const onSettled = (r: PendingCallRecord) => finish(r);
      const onStop = () => finish(null);
      set.add(onSettled);
      const timer = setTimeout(onStop, o.limitMs);
      timer.unref?.();
      const ticker = o.onProgress
        ? setInterval(() => {
            const now = this.repo.get(id);
            if (now) o.onProgress?.(now, this.deps.clock.now() - start);
          }, this.deps.config.review.progressIntervalMs)
        : null;
      ticker?.unref?.();
      o.signal?.addEventListener('abort', onStop, { once: true });
    });
  }

  /** Withdraw a working record (tasks/cancel): its approval is cancelled (audited) and nothing runs. */
  cancel(id: string, actor: string, reason: string): PendingCallRecord | null {
    const rec = this.repo.get(id);
    if (!rec || isSettled(rec)) return rec;
    const meta = this.meta(rec, 'cancelled');
    const text = `CANCELLED: ${rec.tool} was withdrawn by ${actor} (${reason}) while approval ${rec.approvalId ?? '-'} (rule ${rec.ruleId}) was pending. Nothing was executed.`;
    this.settle(rec.id, {
      status: 'cancelled',
      statusMessage: `withdrawn: ${reason}`,
      outcome: 'cancelled',
      result: errorResult(text, meta),
      now: this.deps.clock.now(),
    });
    if (rec.approvalId) this.deps.governance.cancelApproval(rec.approvalId, `withdrawn by the agent: ${reason}`, actor);
    return this.repo.get(id);
  }

  /** At start: drive the records a previous run left working (their approvals may still be decided). */
  resume(registry: ReadonlyMap<string, ToolSpec>): void {
    for (const rec of this.repo.working()) {
      const spec = registry.get(rec.tool);
      const a = rec.approvalId ? this.deps.governance.approval(rec.approvalId) : null;
      const parsed = spec && a ? spec.input.safeParse(a.args) : null;
      if (!spec || !a || !parsed?.success) {
        const text = `FAILED: the pending ${rec.tool} call could not be resumed after a restart; nothing was executed. Request it again if it is still needed.`;
        this.settle(rec.id, {
          status: 'failed',
          statusMessage: 'lost in a restart',
          outcome: 'error',
          result: errorResult(text, this.meta(rec, 'error')),
          now: this.deps.clock.now(),
        });
        continue;
      }
      this.drive(rec, spec, parsed.data, { agentId: rec.agentId, transport: 'http' }, registry);
    }
  }

  sweep(): number {
    return this.repo.prune(this.deps.clock.now(), this.deps.config.review.replayMs);
  }

  private ttl(requested: number | undefined): number {
    const t = this.deps.config.tasks;
    return Math.max(t.minTtlMs, Math.min(t.maxTtlMs, requested ?? t.defaultTtlMs));
  }

  private meta(rec: PendingCallRecord, status: CallStatus, decidedBy?: string | null): GovernanceMeta {
    return {
      decision: 'REVIEW',
      status,
      rule_id: rec.ruleId,
      policy_version: rec.policyVersion,
      ...(rec.approvalId ? { approval_id: rec.approvalId } : {}),
      ...(decidedBy !== undefined ? { decided_by: decidedBy } : {}),
    };
  }

  private settle(id: string, s: Settlement): void {
    if (!this.repo.settle(id, s)) return;
    const rec = this.repo.get(id);
    const ws = this.#waiters.get(id);
    if (!rec || !ws) return;
    this.#waiters.delete(id);
    for (const w of ws) w(rec);
  }

  private drive(rec: PendingCallRecord, spec: ToolSpec, args: Record<string, unknown>, caller: CallerIdentity, registry?: ReadonlyMap<string, ToolSpec>): void {
    if (this.#driving.has(rec.id) || !rec.approvalId) return;
    this.#driving.add(rec.id);
    const approvalId = rec.approvalId;
    void (async () => {
      let s: Settlement;
      try {
        const w = await this.deps.governance.waitForApproval(approvalId);
        s = await this.settlementOf(rec, spec, args, caller, registry, w);
      } catch (err) {
        const known = err instanceof GovernanceError;
        if (!known) this.deps.log.error({ err, tool: rec.tool, agentId: rec.agentId }, 'pending call failed');
        const text = known
          ? `FAILED: approval ${approvalId} could not be carried out: ${err.message}`
          : `internal error while running ${rec.tool}; nothing further was done`;
        s = {
          status: 'failed',
          statusMessage: known ? err.code : 'internal error',
          outcome: 'error',
          result: errorResult(text, this.meta(rec, 'error')),
          now: this.deps.clock.now(),
        };
      }
      this.settle(rec.id, s);
    })().finally(() => this.#driving.delete(rec.id));
  }

  private async settlementOf(
    rec: PendingCallRecord,
    spec: ToolSpec,
    args: Record<string, unknown>,
    caller: CallerIdentity,
    registry: ReadonlyMap<string, ToolSpec> | undefined,
    w: WaitResult,
  ): Promise<Settlement> {
    const now = () => this.deps.clock.now();
    const approvalId = rec.approvalId ?? w.approvalId;
    if (w.status === 'approved') {
      // Withdrawn meanwhile (tasks/cancel settled the record first): the token is never used.
      if (this.repo.get(rec.id)?.status !== 'working')
        throw new GovernanceError('withdrawn', `the call was withdrawn before approval ${approvalId} was decided`);
      const meta = this.meta(rec, 'ok', w.decidedBy);
      const ctx = { deps: this.deps, agentId: rec.agentId, caller, registry, token: w.token, approvalId, decidedBy: w.decidedBy };
      const out = await runTool(this.deps, spec, args, ctx, meta);
      const who = w.decidedBy ?? 'an operator';
      return {
        status: 'completed',
        statusMessage: out.result.isError ? `approved by ${who}; ${spec.name} failed` : `approved by ${who}; ${spec.name} ran`,
        outcome: out.status,
        result: out.result,
        now: now(),
      };
    }
    if (w.status === 'pending') throw new GovernanceError('still_pending', `approval ${approvalId} is still pending`);
    const who = w.decidedBy ?? 'nobody';
    const meta = this.meta(rec, w.status, w.decidedBy);
    const rule = `rule ${rec.ruleId}, policy ${rec.policyVersion}`;
    const text =
      w.status === 'rejected'
        ? `REJECTED by ${who}: the operator did not approve ${spec.name} (${w.reason}; ${rule}). Nothing was executed. Do not resubmit it unchanged (SOP 4.1); ask the operator what they want instead.`
        : w.status === 'expired'
          ? `EXPIRED: no operator decided approval ${approvalId} in time (${rule}; ${w.reason}), which counts as a rejection. Nothing was executed.`
          : `CANCELLED: approval ${approvalId} was cancelled by ${who} (${w.reason}; ${rule}). Nothing was executed.`;
    return {
      status: w.status === 'cancelled' ? 'cancelled' : 'completed',
      statusMessage: `${w.status} by ${who} (${rule})`,
      outcome: w.status,
      result: errorResult(text, meta),
      now: now(),
    };
  }
}

export function awaiting(ruleId: string, approvalId: string, deadline: number | null): string {
  return `awaiting operator approval — rule ${ruleId} (approval ${approvalId}${deadline ? `, until ${new Date(deadline).toISOString()}` : ''})`;
}
