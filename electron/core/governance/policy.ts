// Policy: the rule schema (zod), its compiled form and the pure evaluation function.
//
// Resolution, in this order (documented in resources/policies/default.yaml too):
//   1. any matching BLOCK rule → BLOCK (BLOCK always wins, whatever its priority; never approvable);
//   2. otherwise, among matching ALLOW/REVIEW rules, the highest `priority` wins, and on a tie
//      REVIEW beats ALLOW;
//   3. no matching rule → REVIEW (deny by default means "a person looks first").
// Priority exists so an operator's promoted "ALLOW this agent this exact command" can sit above a
// general "device commands need review" rule, while no ALLOW can ever lift a BLOCK.
import { SEED_TOOLS } from '../../../shared/mcp';
import { z } from 'zod';
import { canonicalHash } from './canonical';

export const DECISIONS = ['ALLOW', 'REVIEW', 'BLOCK'] as const;
export const DecisionSchema = z.enum(DECISIONS);
export type Decision = z.infer<typeof DecisionSchema>;

/** The MCP tool names of seed 000 plus propose_plan (seed 003). Rules may name others; these are the known ones. */
export const KNOWN_TOOLS = [...SEED_TOOLS, 'propose_plan'] as const;

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
type ScalarValue = z.infer<typeof Scalar>;

const regexString = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

const OPS = ['eq', 'ne', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'matches', 'exists'] as const;

export const ArgPredicateSchema = z
  .object({
    /** Dotted path into the call's arguments, e.g. `command` or `params.reduction_pct`. */
    arg: z.string().min(1),
    eq: Scalar.optional(),
    ne: Scalar.optional(),
    in: z.array(Scalar).optional(),
    not_in: z.array(Scalar).optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    matches: regexString.optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .refine((p) => OPS.some((op) => p[op] !== undefined), { message: `an argument predicate needs one of ${OPS.join(', ')}` });
export type ArgPredicate = z.infer<typeof ArgPredicateSchema>;

export type Predicate = ArgPredicate | { all: Predicate[] } | { any: Predicate[] } | { not: Predicate };
export const PredicateSchema: z.ZodType<Predicate> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(PredicateSchema).min(1) }).strict(),
    z.object({ any: z.array(PredicateSchema).min(1) }).strict(),
    z.object({ not: PredicateSchema }).strict(),
    ArgPredicateSchema,
  ]),
);

const globs = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const RuleSchema = z
  .object({
    id: z.string().min(1).max(128),
    description: z.string().optional(),
    /** Agent ids (globs). Omitted = every agent. */
    agent: globs.optional(),
    /** Agent roles (globs). Omitted = every role. */
    role: globs.optional(),
    /** Tool names (globs) or `@group` from tool_groups. */
    tool: globs,
    when: PredicateSchema.optional(),
    decision: DecisionSchema,
    reason: z.string().max(1000).optional(),
    priority: z.number().int().min(-1000).max(1000).default(0),
    /** REVIEW only: the operator role that may approve (any operator when omitted). */
    approver_role: z.string().min(1).optional(),
    /** REVIEW only, two-person rule: this many distinct operators must approve (default 1). */
    approvals: z.number().int().min(1).max(5).optional(),
    /** REVIEW only: seconds until a pending approval expires (= denied). */
    timeout_s: z.number().positive().max(86_400).optional(),
    /** 0-10, shown with approvals; defaults by tool group. */
    risk: z.number().min(0).max(10).optional(),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;

export const PolicySchema = z
  .object({
    description: z.string().optional(),
    defaults: z
      .object({
        review_timeout_s: z.number().positive().max(86_400).default(120),
        approver_role: z.string().min(1).optional(),
        /**
         * What a call no rule covers gets: REVIEW (the default: a person looks first) or BLOCK (the
         * built-in fail-safe policy). Never ALLOW. Optional, so policies that omit it keep their version.
         */
        unmatched: z.enum(['REVIEW', 'BLOCK']).optional(),
      })
      .strict()
      .prefault({}),
    /** Named tool sets, used by rules (`tool: '@read'`) and agent scopes (`toolGroups: [read]`). */
    tool_groups: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    rules: z.array(RuleSchema).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    p.rules.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${r.id}" (first at rules[${seen.get(r.id)}])` });
      else seen.set(r.id, i);
      const tools = Array.isArray(r.tool) ? r.tool : [r.tool];
      tools.forEach((t) => {
        if (t.startsWith('@') && !(t.slice(1) in p.tool_groups))
          ctx.addIssue({ code: 'custom', path: ['rules', i, 'tool'], message: `unknown tool group "${t}"` });
      });
      if (r.decision !== 'REVIEW' && (r.approver_role !== undefined || r.timeout_s !== undefined || r.approvals !== undefined))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'decision'], message: 'approver_role, approvals and timeout_s apply to REVIEW rules only' });
    });
  });
export type PolicyDoc = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

export interface AgentRef {
  id: string;
  role: string;
}

export interface EvaluationInput {
  agent: AgentRef;
  tool: string;
  args: Record<string, unknown>;
}

export interface Evaluation {
  decision: Decision;
  reason: string;
  /** The deciding rule's id, or 'default' when no rule matched. */
  ruleId: string;
  policyVersion: string;
  approverRole?: string;
  /** REVIEW: how many distinct operators must approve (the rule's `approvals`, default 1). */
  approvals?: number;
  timeoutS: number;
  risk: number;
}

type Test = (args: Record<string, unknown>) => boolean;
type NameTest = (name: string) => boolean;

interface CompiledRule {
  rule: Rule;
  index: number;
  tool: NameTest;
  agent: NameTest | null;
  role: NameTest | null;
  when: Test | null;
}

export interface CompiledPolicy {
  doc: PolicyDoc;
  version: string;
  rules: readonly CompiledRule[];
  /** Rules that can match a tool, in file order (cached per tool name). */
  candidates(tool: string): readonly CompiledRule[];
  /** Tool groups a tool belongs to. */
  groupsOf(tool: string): string[];
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Exact names go through a Set, globs through one combined regex: O(1)-ish per check. */
function nameTest(patterns: string[]): NameTest {
  const exact = new Set<string>();
  const wild: string[] = [];
  for (const p of patterns) {
    if (/[*?]/.test(p)) wild.push(p);
    else exact.add(p);
  }
  if (wild.length === 0) return (n) => exact.has(n);
  const re = new RegExp(wild.map((w) => globToRegExp(w).source).join('|'));
  return (n) => exact.has(n) || re.test(n);
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function getPath(args: Record<string, unknown>, path: string[]): unknown {
  let cur: unknown = args;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, k) ? (cur as Record<string, unknown>)[k] : undefined;
  }
  return cur;
}

function sameScalar(a: unknown, b: ScalarValue): boolean {
  return a === b;
}

function compileArg(p: ArgPredicate): Test {
  const path = p.arg.split('.');
  const checks: Array<(v: unknown) => boolean> = [];
  if (p.exists !== undefined) checks.push((v) => (v !== undefined) === p.exists);
  if (p.eq !== undefined) checks.push((v) => sameScalar(v, p.eq!));
  if (p.ne !== undefined) checks.push((v) => !sameScalar(v, p.ne!));
  if (p.in !== undefined) {
    const set = new Set<unknown>(p.in);
    checks.push((v) => set.has(v));
  }
  if (p.not_in !== undefined) {
    const set = new Set<unknown>(p.not_in);
    checks.push((v) => !set.has(v));
  }
  if (p.lt !== undefined) checks.push((v) => typeof v === 'number' && v < p.lt!);
  if (p.lte !== undefined) checks.push((v) => typeof v === 'number' && v <= p.lte!);
  if (p.gt !== undefined) checks.push((v) => typeof v === 'number' && v > p.gt!);
  if (p.gte !== undefined) checks.push((v) => typeof v === 'number' && v >= p.gte!);
  if (p.matches !== undefined) {
    const re = new RegExp(p.matches);
    checks.push((v) => (typeof v === 'string' || typeof v === 'number') && re.test(String(v)));
  }
  return (args) => {
    const v = getPath(args, path);
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

function compilePredicate(p: Predicate): Test {
  if ('all' in p) {
    const parts = p.all.map(compilePredicate);
    return (a) => parts.every((t) => t(a));
  }
  if ('any' in p) {
    const parts = p.any.map(compilePredicate);
    return (a) => parts.some((t) => t(a));
  }
  if ('not' in p) {
    const inner = compilePredicate(p.not);
    return (a) => !inner(a);
  }
  return compileArg(p);
}

/** Policy version: content hash of the validated policy (comments and formatting do not change it). */
export function policyVersion(doc: PolicyDoc): string {
  return canonicalHash(doc).slice(0, 16);
}

export function compilePolicy(doc: PolicyDoc): CompiledPolicy {
  const expandTools = (patterns: string[]) => patterns.flatMap((t) => (t.startsWith('@') ? (doc.tool_groups[t.slice(1)] ?? []) : [t]));
  const rules: CompiledRule[] = doc.rules.map((rule, index) => ({
    rule,
    index,
    tool: nameTest(expandTools(list(rule.tool))),
    agent: rule.agent === undefined ? null : nameTest(list(rule.agent)),
    role: rule.role === undefined ? null : nameTest(list(rule.role)),
    when: rule.when ? compilePredicate(rule.when) : null,
  }));
  const cache = new Map<string, CompiledRule[]>();
  const groupTests = Object.entries(doc.tool_groups).map(([g, tools]) => [g, nameTest(tools)] as const);
  return {
    doc,
    version: policyVersion(doc),
    rules,
    candidates(tool) {
      let c = cache.get(tool);
      if (!c) {
        c = rules.filter((r) => r.tool(tool));
        // Unbounded tool names come from agents; keep the cache from growing without limit.
        if (cache.size < 10_000) cache.set(tool, c);
      }
      return c;
    },
    groupsOf(tool) {
      return groupTests.filter(([, t]) => t(tool)).map(([g]) => g);
    },
  };
}

const DEFAULT_RISK: Record<string, number> = { read: 1, report: 2, plan: 3, acknowledge: 4, control: 7 };

function defaultRisk(policy: CompiledPolicy, tool: string): number {
  let risk = 5;
  let found = false;
  for (const g of policy.groupsOf(tool)) {
    const r = DEFAULT_RISK[g];
    if (r !== undefined) {
      risk = found ? Math.max(risk, r) : r;
      found = true;
    }
  }
  return risk;
}

function ruleMatches(r: CompiledRule, input: EvaluationInput): boolean {
  if (r.agent && !r.agent(input.agent.id)) return false;
  if (r.role && !r.role(input.agent.role)) return false;
  if (r.when && !r.when(input.args)) return false;
  return true;
}

/** Pure decision for one call. Throws nothing: an error inside a predicate fails closed (BLOCK). */
export function evaluate(policy: CompiledPolicy, input: EvaluationInput): Evaluation {
  try {
    let block: CompiledRule | null = null;
    let best: CompiledRule | null = null;
    for (const r of policy.candidates(input.tool)) {
      if (!ruleMatches(r, input)) continue;
      const d = r.rule.decision;
      if (d === 'BLOCK') {
        block = r;
        break; // file order: the first BLOCK names the reason
      }
      if (!best || r.rule.priority > best.rule.priority || (r.rule.priority === best.rule.priority && d === 'REVIEW' && best.rule.decision === 'ALLOW'))
        best = r;
    }
    const chosen = block ?? best;
    if (!chosen) {
      if (policy.doc.defaults.unmatched === 'BLOCK')
        return {
          decision: 'BLOCK',
          reason: `no policy rule covers ${input.tool} for this agent, and this policy blocks what it does not cover`,
          ruleId: 'default',
          policyVersion: policy.version,
          timeoutS: policy.doc.defaults.review_timeout_s,
          risk: 10,
        };
      return {
        decision: 'REVIEW',
        reason: `no policy rule covers ${input.tool} for this agent; an operator must review it`,
        ruleId: 'default',
        policyVersion: policy.version,
        approverRole: policy.doc.defaults.approver_role,
        timeoutS: policy.doc.defaults.review_timeout_s,
        risk: defaultRisk(policy, input.tool),
      };
    }
    const r = chosen.rule;
    return {
      decision: r.decision,
      reason: r.reason ?? r.description ?? `${r.decision} by rule ${r.id}`,
      ruleId: r.id,
      policyVersion: policy.version,
      approverRole: r.decision === 'REVIEW' ? (r.approver_role ?? policy.doc.defaults.approver_role) : undefined,
      approvals: r.decision === 'REVIEW' ? (r.approvals ?? 1) : undefined,
      timeoutS: r.timeout_s ?? policy.doc.defaults.review_timeout_s,
      risk: r.risk ?? defaultRisk(policy, input.tool),
    };
  } catch (err) {
    return {
      decision: 'BLOCK',
      reason: `policy evaluation failed (${(err as Error).message}); failing closed`,
      ruleId: 'internal-error',
      policyVersion: policy.version,
      timeoutS: policy.doc.defaults.review_timeout_s,
      risk: 10,
    };
  }
}

/** How a tool is treated for an agent regardless of arguments, plus the argument-dependent rules (for manifests). */
export function describeToolFor(
  policy: CompiledPolicy,
  agent: AgentRef,
  tool: string,
): { decision: Decision; ruleId: string; conditional: Array<{ ruleId: string; decision: Decision; when: Predicate }> } {
  const unconditional = compilePolicy({ ...policy.doc, rules: policy.doc.rules.filter((r) => !r.when) });
  const base = evaluate(unconditional, { agent, tool, args: {} });
  const conditional = policy
    .candidates(tool)
    .filter((r) => r.rule.when && (!r.agent || r.agent(agent.id)) && (!r.role || r.role(agent.role)))
    .map((r) => ({ ruleId: r.rule.id, decision: r.rule.decision, when: r.rule.when! }));
  return { decision: base.decision, ruleId: base.ruleId, conditional };
}
