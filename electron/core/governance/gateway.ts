// The governance gateway: every agent call passes here. identity → kill switch / quarantine →
// scope → immune overlays → policy (ALLOW | REVIEW | BLOCK) → approval queue → intent token.
// Every decision and action lands in the audit chain; anything unexpected fails closed (BLOCK).
// The gateway owns the private parts (keys, tokens, approval queue, plans, agent registry) and wires
// the collaborators that work on them, each with one job: CallDecisions (the decision pipeline),
// ApprovalDesk (waiting, operator decisions, healing approvals), PlanFlow (plans), ApprovedCalls (the one
// way an approved call runs: issue, run, spend), AgentAdmin (agents and kill switch), PolicyAdmin
// (manifest, promote, policy loads). This class is their one public face.
import path from 'node:path';
import type { AgentScope, AgentView, ApprovalStatus, ApprovalView, PolicyInfo } from '../../../shared/governance';
import { createMasker, DEFAULT_MASK, type Masker } from '../observability';
import { AgentAdmin } from './agent-admin';
import { AgentRegistry, type NewAgent } from './agents';
import { ApprovalDesk } from './approval-desk';
import { ApprovalError, ApprovalQueue, type ApprovalRecord, type DecideBy, type Verdict } from './approvals';
import { ApprovedCalls } from './approved-calls';
import { AuditLog } from './audit';
import type { GovernanceOptions } from './config';
import { CallDecisions } from './decisions';
import type { EXECUTE_TOOL, ExecuteResult, RedeemOutcome } from './executor';
import { judgeCall } from './judge';
import { loadOrCreateKeys, type GatewayKeys } from './keys';
import { PlanFlow } from './plan-flow';
import { PlanRepository, type PlanInput } from './plans';
import type { Evaluation } from './policy';
import { PolicyAdmin } from './policy-admin';
import { PolicyStore } from './policy-file';
import type { AgentDirectory } from './ports';
import type { AgentManifest, AuthorizeRequest, AuthorizeResult, GovernanceDeps, PlanResult, WaitOptions, WaitResult } from './requests';
import { IntentTokens } from './tokens';
import { Trail, type GatewayParts } from './trail';

export { AuthorizeRequestSchema, GovernanceError, HEAL_TOOL } from './requests';
export type { AgentManifest, AuthorizeRequest, AuthorizeResult, GovernanceDeps, PlanResult, WaitOptions, WaitResult } from './requests';
export { governanceOptions, type GovernanceOptions } from './config';

export class Gateway {
  /** Who the agents are, read only: registration, status and tokens change through the audited methods below. */
  readonly agents: AgentDirectory;
  readonly policy: PolicyStore;
  readonly audit: AuditLog;
  /** The secret masker: audit rows, approval and plan rows, every view of agent arguments. */
  readonly mask: Masker;
  // Issue 13, finding 11: what can mint, redeem or sign is private to the gateway (ES private fields, not
  // reachable at run time from outside this class), and so are the collaborators holding them. Others get
  // the narrow methods below and the ports in ports.ts (tests/security/11-narrow-ports.test.ts).
  readonly #registry: AgentRegistry;
  readonly #approvals: ApprovalQueue;
  readonly #plans: PlanRepository;
  readonly #tokens: IntentTokens;
  readonly #keys: GatewayKeys;
  readonly #trail: Trail;
  readonly #calls: ApprovedCalls;
  readonly #decisions: CallDecisions;
  readonly #desk: ApprovalDesk;
  readonly #planFlow: PlanFlow;
  readonly #agentAdmin: AgentAdmin;
  readonly #policyAdmin: PolicyAdmin;
  private sweepTimer: NodeJS.Timeout | null = null;
  /** When signIfDue last looked (clock ms). */
  private lastSignCheck = 0;
  private started = false;

  constructor(
    private readonly deps: GovernanceDeps,
    private readonly opts: GovernanceOptions,
  ) {
    const { db, clock, log } = deps;
    this.#keys = loadOrCreateKeys(path.join(opts.dataDir, 'keys'));
    this.mask = createMasker(
      opts.masking ?? { patterns: [...DEFAULT_MASK.patterns, ...(opts.audit.maskPatterns ?? [])], keyPattern: opts.audit.maskKeys ?? DEFAULT_MASK.keyPattern },
    );
    this.audit = new AuditLog(db, clock, {
      signEvery: opts.audit.signEvery,
      mask: this.mask,
      privateKey: this.#keys.privateKey,
      keyId: this.#keys.keyId,
      onAppend: (row) => deps.bus?.emit('audit.appended', row),
    });
    this.#registry = new AgentRegistry(db, clock);
    const reg = this.#registry;
    this.agents = Object.freeze({
      get: (id: string) => reg.get(id),
      require: (id: string) => reg.require(id),
      byToken: (t: string) => reg.byToken(t),
      list: () => reg.list(),
    });
    this.#tokens = new IntentTokens(db, clock, this.#keys, opts.tokenTtlS);
    this.#plans = new PlanRepository(db, clock, this.mask);
    this.#approvals = new ApprovalQueue(db, clock, (a, by) => this.#desk.onSettled(a, by), this.mask, {
      collectWindowMs: (opts.collectWindowS ?? 120) * 1000,
      tokenTtlMs: opts.tokenTtlS * 1000,
    });
    this.policy = new PolicyStore({
      file: opts.policyFile,
      writableCopy: opts.policyCopy,
      watch: opts.watchPolicy,
      debounceMs: opts.reloadDebounceMs,
      log: log.child({ component: 'policy' }),
      onLoad: (ev) => this.#policyAdmin.onLoad(ev),
    });
    this.#trail = new Trail(this.audit, this.policy, this.mask, clock, log, deps.bus);
    const parts: GatewayParts = {
      clock,
      log,
      bus: deps.bus,
      policy: this.policy,
      audit: this.audit,
      registry: this.#registry,
      approvals: this.#approvals,
      plans: this.#plans,
      tokens: this.#tokens,
      trail: this.#trail,
      judge: (agent, tool, args, touched) => this.judge(agent, tool, args, touched),
    };
    this.#calls = new ApprovedCalls(parts, {
      publishCommand: deps.publishCommand,
      deviceCommands: deps.deviceCommands,
      log: log.child({ component: 'executor' }),
    });
    this.#planFlow = new PlanFlow(parts, this.#calls, (req) => this.authorize(req));
    this.#decisions = new CallDecisions(parts, this.#calls, (agent, planId, tool, args, touched) =>
      this.#planFlow.authorizeStep(agent, planId, tool, args, touched),
    );
    this.#desk = new ApprovalDesk(parts, this.#calls, opts.progressIntervalMs);
    this.#agentAdmin = new AgentAdmin(parts, this.deps.plant);
    this.#policyAdmin = new PolicyAdmin(parts, opts.promoteIgnoreArgs);
    this.policy.load();
  }

  // ------------------------------------------------------------ life cycle

  start(): void {
    if (this.started) return;
    this.started = true;
    // Nothing approved before a restart runs after it: the agent that asked is gone and the operator
    // decided for a moment that has passed. Audited, one EXPIRED row per approval.
    try {
      const expired = this.#approvals.expireLive('the core restarted before the approved call ran; an approval does not outlive a restart');
      if (expired.length) this.deps.log.warn({ approvals: expired.map((a) => a.id) }, 'approved calls not yet run expired at start');
    } catch (err) {
      this.deps.log.error({ err }, 'could not expire approvals at start');
    }
    this.sweep();
    this.policy.start();
    this.sweepTimer = setInterval(() => this.sweep(), this.opts.sweepIntervalMs);
    this.sweepTimer.unref?.();
  }

  /** Stop timers and sign the audit head so the chain's end is provable. */
  stop(): void {
    this.policy.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    this.started = false;
    try {
      if (this.audit.unsignedRows() > 0) this.audit.signHead();
    } catch (err) {
      this.deps.log.error({ err }, 'could not sign the audit head on shutdown');
    }
  }

  /** Expire overdue approvals, cancel those of paused agents, forget spent jtis. */
  sweep(): void {
    try {
      this.#approvals.sweep();
      this.#tokens.purgeUsed();
    } catch (err) {
      this.deps.log.error({ err }, 'approval sweep failed');
    }
    this.signIfDue();
  }

  /**
   * Sign the chain head when rows have waited signIntervalMs unsigned. Rows after the last signed head
   * could be cut off undetected (a crash leaves no shutdown signature): this bounds that window in time,
   * as signEvery bounds it in rows.
   */
  private signIfDue(): void {
    const every = this.opts.audit.signIntervalMs ?? 0;
    const now = this.deps.clock.now();
    if (every <= 0 || now - this.lastSignCheck < every) return;
    this.lastSignCheck = now;
    try {
      if (this.audit.unsignedRows() > 0) this.audit.signHead();
    } catch (err) {
      this.deps.log.error({ err }, 'could not sign the audit head');
    }
  }

  /** The gateway's public key (devices and `audit verify` check signatures with it; the private key never leaves). */
  get publicKey(): GatewayKeys['publicKey'] {
    return this.#keys.publicKey;
  }

  /** Where the key pair lives (the public key file is what an edge gateway is given). */
  get keysDir(): string {
    return this.#keys.dir;
  }

  // ------------------------------------------------------------ agent-facing (the AgentGate port)

  /**
   * The synchronous core of a decision for a known agent: status, scope, overlays, policy.
   * Pure reads (one policy evaluation, no writes): this is what the benchmark's latency measures.
   */
  judge(agent: AgentView, tool: string, args: Record<string, unknown>, touched: readonly string[] = []): Evaluation {
    return judgeCall(this.policy.current, agent, tool, args, touched, this.deps.plant);
  }

  /**
   * Decide one tool call. Never throws: bad input or an internal error is a BLOCK, audited. The
   * answer is given only once its audit row is committed; if that commit fails, the answer is BLOCK.
   */
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    return this.#decisions.authorize(request);
  }

  /**
   * Wait until an operator decides (or the approval expires or is cancelled). On approval the
   * single-use intent token is issued now, so its short life starts when the agent can use it.
   */
  waitForApproval(approvalId: string, o: WaitOptions = {}): Promise<WaitResult> {
    return this.#desk.waitForApproval(approvalId, o);
  }

  /** Poll form of waitForApproval (for agents whose client cannot hold a call open). */
  approvalStatus(approvalId: string): Promise<WaitResult> {
    return this.#desk.approvalStatus(approvalId);
  }

  /** Judge a plan step by step: BLOCKed if any step is, approved whole by an operator if any needs review. */
  submitPlan(req: { agentToken?: string; agentId?: string } & PlanInput): Promise<PlanResult> {
    return this.#planFlow.submit(req);
  }

  /**
   * The one way an approved (or ALLOWed) call is carried out: the intent token is verified and spent
   * here, the authority behind it re-checked, and for device commands the executor publishes and waits
   * for the device's acknowledgement. Tools hand over what they were given; they never see a key.
   */
  runApproved(input: { agentId: string; tool: typeof EXECUTE_TOOL; args: Record<string, unknown>; token: string | undefined }): Promise<ExecuteResult>;
  runApproved(input: { agentId: string; tool: string; args: unknown; token: string | undefined }): Promise<RedeemOutcome>;
  runApproved(input: { agentId: string; tool: string; args: unknown; token: string | undefined }): Promise<ExecuteResult | RedeemOutcome> {
    return this.#calls.run(input);
  }

  /**
   * Why these execute_device_command arguments cannot work, before anyone is asked: parameters that
   * are not a JSON object, or that the plant's command model refuses. Null: they may. No audit.
   */
  deviceCommandProblem(args: Record<string, unknown>): { code: 'invalid_args' | 'invalid_params'; message: string } | null {
    return this.#calls.deviceCommandProblem(args);
  }

  /** The core issued this consequence preview for this pending approval (its decision may cite the hash). */
  notePreview = (approvalId: string, hash: string): void => this.#desk.notePreview(approvalId, hash);

  /** One approval as stored (arguments masked), or null. */
  approval(id: string): ApprovalRecord | null {
    return this.#approvals.get(id);
  }

  /** Cancel a pending or approved-but-unused approval (an agent that stopped waiting, a healing that is moot). */
  cancelApproval(id: string, reason: string, actor: string): void {
    this.#approvals.cancel(id, reason, actor);
  }

  /** A healing approval's authority is spent: the healing it allowed has started. */
  spendHealingApproval(id: string): boolean {
    return this.#calls.spend(id, 'healing');
  }

  /** A plan as stored, or null. */
  plan(id: string): ReturnType<PlanRepository['get']> {
    return this.#plans.get(id);
  }

  // ------------------------------------------------------------ approvals (operators, immune system)

  /**
   * The immune system asks operators to approve healing a quarantined agent (issue 13, finding 12):
   * an approval of kind 'healing' in the one queue, audited, decided with approvals.decide, expiring at its deadline.
   */
  requestHealing(r: { agentId: string; infectionId: number; severity: number; diagnosis: string; reason: string; timeoutS: number }): ApprovalView {
    return this.#desk.requestHealing(r);
  }

  /** Called once for each settled healing approval (the immune system acts on it). Returns the unsubscribe. */
  onHealingSettled(fn: (a: ApprovalView) => void): () => void {
    return this.#desk.onHealingSettled(fn);
  }

  /** A decision takes only with its audit rows, in one transaction (disk full: it stays pending, no token follows; issue 19).
   *  Others' queued rows commit first; a refusal (e.g. expired, audited as such) commits, only a failed write rolls back. */
  decide(id: string, verdict: Verdict, by: DecideBy): ApprovalView {
    this.audit.flush();
    const r = this.deps.db.transaction(() => {
      try {
        return { view: this.#desk.decide(id, verdict, by) };
      } catch (err) {
        if (err instanceof ApprovalError) return { refused: err };
        throw err;
      }
    })();
    if ('refused' in r) throw r.refused;
    return r.view;
  }

  decideAll(verdict: Verdict, by: DecideBy): ApprovalView[] {
    this.audit.flush();
    return this.deps.db.transaction(() => this.#desk.decideAll(verdict, by))();
  }

  listApprovals(status?: ApprovalStatus, limit?: number): ApprovalView[] {
    return this.#desk.listApprovals(status, limit);
  }

  /** The approval as people see it: sensitive argument values masked. */
  view(a: ApprovalRecord): ApprovalView {
    return this.#trail.view(a);
  }

  // ------------------------------------------------------------ agents, kill switch, immune hooks

  addAgent(input: NewAgent, actor = 'operator'): { agent: AgentView; token: string } {
    return this.#agentAdmin.addAgent(input, actor);
  }

  /** Kill switch for one agent: every further call is BLOCKed and its pending approvals are cancelled. */
  pauseAgent(id: string, reason = 'paused by operator', actor = 'operator'): AgentView {
    return this.#agentAdmin.pauseAgent(id, reason, actor);
  }

  /** Immune system: quarantine (like pause, recorded as QUARANTINED). */
  quarantineAgent(id: string, reason: string, actor = 'immune'): AgentView {
    return this.#agentAdmin.quarantineAgent(id, reason, actor);
  }

  /** Revive a paused agent or release a quarantined one. */
  reviveAgent(id: string, actor = 'operator', reason: string | null = null): AgentView {
    return this.#agentAdmin.reviveAgent(id, actor, reason);
  }

  /** Global kill switch: pause every active agent. */
  killAll(reason = 'global kill switch', actor = 'operator'): string[] {
    return this.#agentAdmin.killAll(reason, actor);
  }

  /** Immune system: "reduced autonomy" turns every ALLOW of this agent into REVIEW. */
  setReducedAutonomy(id: string, on: boolean, reason: string, actor = 'immune'): AgentView {
    return this.#agentAdmin.setReducedAutonomy(id, on, reason, actor);
  }

  /** Immune system: BLOCK these tools (names or globs) for this agent, on top of the policy file. */
  revokeTools(id: string, tools: string[], reason: string, actor = 'immune'): AgentView {
    return this.#agentAdmin.revokeTools(id, tools, reason, actor);
  }

  /** Give back revoked tools (all of them when `tools` is omitted). */
  restoreTools(id: string, tools: string[] | undefined, reason: string, actor = 'immune'): AgentView {
    return this.#agentAdmin.restoreTools(id, tools, reason, actor);
  }

  /** Operator: lift the immune system's overlays (reduced autonomy, revoked tools) in one audited step. */
  restoreTrust(id: string, actor = 'operator'): AgentView {
    return this.#agentAdmin.restoreTrust(id, actor);
  }

  setScope(id: string, scope: AgentScope, actor = 'operator'): AgentView {
    return this.#agentAdmin.setScope(id, scope, actor);
  }

  rotateToken(id: string, actor = 'operator'): string {
    return this.#agentAdmin.rotateToken(id, actor);
  }

  removeAgent(id: string, actor = 'operator'): void {
    this.#agentAdmin.removeAgent(id, actor);
  }

  // ------------------------------------------------------------ policy

  /** Seed 002's agent bill of materials: identity, scope, status and how each tool is treated. */
  manifest(): AgentManifest {
    return this.#policyAdmin.manifest();
  }

  policyInfo(): PolicyInfo {
    return this.#policyAdmin.policyInfo();
  }

  /** Turn a decided approval into a rule for that agent + tool + argument values, written to the policy file. */
  promote(approvalId: string, decision: 'ALLOW' | 'BLOCK', operator: string): { ruleId: string; version: string } {
    return this.#policyAdmin.promote(approvalId, decision, operator);
  }
}

export { ApprovalError };
