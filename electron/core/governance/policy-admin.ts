// The policy as operators see and shape it: the agent bill of materials (how each tool is treated for
// each agent), the policy's state, promotion of a decided approval into a rule, and the audit of every
// policy load (a version once) and refusal.
import { describeToolFor, KNOWN_TOOLS, type Predicate, type Rule } from './policy';
import type { PolicyLoadEvent } from './policy-file';
import type { PolicyInfo } from '../../../shared/governance';
import { GovernanceError, type AgentManifest } from './requests';
import type { GatewayParts } from './trail';

export class PolicyAdmin {
  constructor(
    private readonly p: GatewayParts,
    private readonly promoteIgnoreArgs: readonly string[],
  ) {}

  /** Seed 002's agent bill of materials: identity, scope, status and how each tool is treated. */
  manifest(): AgentManifest {
    const policy = this.p.policy.current;
    const tools = [
      ...new Set([
        ...KNOWN_TOOLS,
        ...Object.values(policy.doc.tool_groups)
          .flat()
          .filter((t) => !/[*?]/.test(t)),
      ]),
    ];
    return {
      generatedAt: new Date(this.p.clock.now()).toISOString(),
      policyVersion: policy.version,
      policyFile: this.p.policy.file,
      agents: this.p.registry.list().map((a) => ({
        id: a.id,
        name: a.name,
        role: a.role,
        model: a.model,
        status: a.status,
        statusReason: a.statusReason,
        createdAt: new Date(a.createdAt).toISOString(),
        lastSeen: a.lastSeen === null ? null : new Date(a.lastSeen).toISOString(),
        scope: a.scope,
        reducedAutonomy: a.reducedAutonomy,
        revokedTools: a.revokedTools,
        tools: tools.map((tool) => {
          const probe = this.p.judge({ ...a, status: 'active' }, tool, {});
          const d = describeToolFor(policy, { id: a.id, role: a.role }, tool);
          const outOfScope = probe.ruleId === 'scope' || probe.ruleId === 'revoked';
          return {
            tool,
            groups: policy.groupsOf(tool),
            decision: outOfScope ? 'BLOCK' : probe.ruleId === 'reduced-autonomy' ? 'REVIEW' : d.decision,
            ruleId: outOfScope || probe.ruleId === 'reduced-autonomy' ? probe.ruleId : d.ruleId,
            conditional: outOfScope ? [] : d.conditional,
          };
        }),
      })),
    };
  }

  policyInfo(): PolicyInfo {
    const p = this.p.policy.current;
    return {
      file: this.p.policy.file,
      version: p.version,
      rules: p.rules.length,
      problems: [...this.p.policy.problems],
      failSafe: this.p.policy.failSafe,
      status: this.p.policy.status,
    };
  }

  /**
   * Turn a decided approval into a rule for that agent + tool + argument values, written to the
   * policy file. ALLOW rules get priority 100 so they lift the general REVIEW rule; nothing lifts a BLOCK.
   */
  promote(approvalId: string, decision: 'ALLOW' | 'BLOCK', operator: string): { ruleId: string; version: string } {
    const a = this.p.approvals.require(approvalId);
    if (a.status === 'pending') throw new GovernanceError('not_decided', `approval ${approvalId} is still pending; decide it first`);
    if (a.kind !== 'call') throw new GovernanceError('invalid', 'only single-call approvals can be promoted');
    if (decision !== 'ALLOW' && decision !== 'BLOCK') throw new GovernanceError('invalid', 'decision must be ALLOW or BLOCK');
    const leaves: Predicate[] = [];
    const walk = (v: unknown, p: string[]): void => {
      if (p.length === 1 && this.promoteIgnoreArgs.includes(p[0])) return;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, [...p, k]);
      } else if (Array.isArray(v)) {
        if (decision === 'ALLOW') throw new GovernanceError('invalid', `argument ${p.join('.')} is a list; an ALLOW rule cannot pin it exactly`);
      } else if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) {
        if (p.some((k) => k.includes('.'))) throw new GovernanceError('invalid', `argument name ${p.join('.')} contains "."`);
        leaves.push({ arg: p.join('.'), eq: v as string | number | boolean | null });
      }
    };
    walk(a.args, []);
    const ruleId = `promoted-${decision.toLowerCase()}-${a.id.slice(4, 12)}`;
    const rule: Rule = {
      id: ruleId,
      description: `Promoted to ${decision} by ${operator} from approval ${a.id} (${new Date(this.p.clock.now()).toISOString()})`,
      agent: a.agentId,
      tool: a.tool,
      ...(leaves.length > 0 ? { when: { all: leaves } } : {}),
      decision,
      reason:
        decision === 'ALLOW'
          ? `allowed for ${a.agentId} by ${operator} (promoted from approval ${a.id})`
          : `blocked for ${a.agentId} by ${operator} (promoted from approval ${a.id})`,
      priority: decision === 'ALLOW' ? 100 : 0,
    };
    const ev = this.p.policy.appendRule(rule);
    if (!ev.ok) throw new GovernanceError('policy_invalid', 'the policy file did not accept the promoted rule');
    this.p.trail.record({
      kind: 'POLICY_PROMOTED',
      agentId: a.agentId,
      tool: a.tool,
      decision,
      ruleId,
      policyVersion: ev.version,
      approvalId: a.id,
      actor: operator,
      argsHash: a.argsHash,
    });
    return { ruleId, version: ev.version };
  }

  /** The policy store calls this on every load (accepted or refused): audited once per version, announced. */
  onLoad(ev: PolicyLoadEvent): void {
    try {
      if (ev.ok) {
        // Audit a version once, not on every start or CLI run that loads the same file.
        const lastLoaded = this.p.audit.query({ kind: 'POLICY_LOADED', limit: 1 })[0]?.policyVersion ?? null;
        if (ev.previousVersion !== ev.version && lastLoaded !== ev.version)
          this.p.trail.record({
            kind: 'POLICY_LOADED',
            policyVersion: ev.version,
            actor: 'gateway',
            detail: { file: ev.file, rules: ev.rules, previous: ev.previousVersion },
          });
      } else {
        const reason = ev.failSafe
          ? (ev.status ?? 'policy file refused; the fail-safe policy is in force')
          : 'policy file refused; previous policy stays in force';
        this.p.trail.record({
          kind: 'POLICY_REFUSED',
          policyVersion: ev.keptVersion,
          actor: 'gateway',
          reason,
          detail: { file: ev.file, problems: ev.problems.slice(0, 20), fail_safe: ev.failSafe },
        });
      }
    } catch (err) {
      this.p.log.error({ err }, 'could not audit a policy load');
    }
    this.p.bus?.emit('policy.loaded', ev);
  }
}
