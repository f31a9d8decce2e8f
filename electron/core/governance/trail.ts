// What the gateway's collaborators share: the private parts they work on (created and held by the
// Gateway, never handed outside governance), and the trail they leave: audit rows (committed at once,
// or group-committed on the hot path), the governance.decision event, the masked view of an approval.
import { neutralizeDeep } from '../../../shared/text';
import type { ApprovalView, GovDecision } from '../../../shared/governance';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Logger, Masker } from '../observability';
import type { AgentRegistry } from './agents';
import type { ApprovalQueue, ApprovalRecord } from './approvals';
import type { AuditEntry, AuditLog } from './audit';
import { canonicalHash } from './canonical';
import type { Judge } from './judge';
import type { PlanRepository } from './plans';
import type { PolicyStore } from './policy-file';
import type { AuthorizeResult } from './requests';
import type { IntentTokens } from './tokens';

/** Arguments that may not be canonicalisable (bad input) are recorded as a note instead. */
function safeArgs(args: unknown): unknown {
  if (args === undefined) return undefined;
  try {
    canonicalHash(args);
    return args;
  } catch {
    return { _unrecordable: true };
  }
}

export class Trail {
  constructor(
    private readonly audit: AuditLog,
    private readonly policy: PolicyStore,
    private readonly mask: Masker,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly bus: EventBus | undefined,
  ) {}

  /** Audit now: committed before this returns (operator actions, agent changes, approvals). */
  record(e: AuditEntry): void {
    this.audit.append(e);
  }

  /** Audit on the hot path: group-committed; authorize() awaits the commit before answering. */
  queue(e: AuditEntry): void {
    this.audit.enqueue(e);
  }

  decision(agentId: string | null, tool: string, decision: GovDecision, ruleId: string, reason: string): void {
    this.bus?.emit('governance.decision', { agentId, tool, decision, ruleId, reason, ts: this.clock.now() });
  }

  blocked(agentId: string | null, tool: string, args: unknown, ruleId: string, reason: string): AuthorizeResult {
    const policyVersion = this.policy.current.version;
    this.queue({ kind: 'BLOCKED', agentId, tool, decision: 'BLOCK', reason, ruleId, policyVersion, actor: 'gateway', args: safeArgs(args) });
    this.decision(agentId, tool, 'BLOCK', ruleId, reason);
    return { decision: 'BLOCK', reason, ruleId, policyVersion, agentId, risk: 10 };
  }

  /** A BLOCK that is answered even when it cannot be audited (the answer stays BLOCK). */
  safeBlock(agentId: string | null, tool: string, args: unknown, ruleId: string, reason: string): AuthorizeResult {
    try {
      return this.blocked(agentId, tool, args, ruleId, reason);
    } catch (err) {
      this.log.error({ err }, 'could not audit a BLOCK');
      return { decision: 'BLOCK', reason, ruleId, policyVersion: 'unknown', agentId, risk: 10 };
    }
  }

  /** The approval as people see it: sensitive argument values masked. */
  view(a: ApprovalRecord): ApprovalView {
    const { tokenIssued: _t, ...rest } = a;
    // Agent text is shown as it is: no direction overrides or control characters (issue 19).
    return neutralizeDeep({ ...rest, args: this.mask(a.args) as Record<string, unknown> });
  }
}

/** The gateway's private parts, as its collaborators receive them (all inside governance). */
export interface GatewayParts {
  clock: Clock;
  log: Logger;
  bus?: EventBus;
  policy: PolicyStore;
  audit: AuditLog;
  registry: AgentRegistry;
  approvals: ApprovalQueue;
  plans: PlanRepository;
  tokens: IntentTokens;
  trail: Trail;
  judge: Judge;
}
