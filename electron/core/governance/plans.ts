// Plans (seed 003: sense → plan → govern → act). An agent submits an ordered list of tool calls
// with a rationale; the gateway judges every step, the operator approves the plan as a whole, and
// each step then runs with its own intent token carrying the plan's hash. Steps run in order and
// must match their approved arguments exactly.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Db } from '../store';
import { canonicalHash, canonicalize } from './canonical';
import { defaultMasker, type Masker } from '../observability';

export const PlanStepSchema = z
  .object({
    tool: z.string().min(1).max(128),
    args: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type PlanStep = z.infer<typeof PlanStepSchema>;

export const PlanInputSchema = z
  .object({
    steps: z.array(PlanStepSchema).min(1).max(50),
    rationale: z.string().min(1).max(4000),
  })
  .strict();
export type PlanInput = z.input<typeof PlanInputSchema>;

export type PlanStatus = 'pending' | 'approved' | 'blocked' | 'rejected' | 'expired' | 'cancelled' | 'done';

export interface PlanRecord {
  id: string;
  agentId: string;
  /** SHA-256 of the canonical JSON of { agent, steps, rationale }. */
  hash: string;
  rationale: string;
  steps: PlanStep[];
  status: PlanStatus;
  approvalId: string | null;
  /** Index of the next step allowed to run. */
  nextStep: number;
  createdAt: number;
}

interface Row {
  id: string;
  agent_id: string;
  hash: string;
  rationale: string;
  steps_json: string;
  status: PlanStatus;
  approval_id: string | null;
  next_step: number;
  created_at: number;
}

function toRecord(r: Row): PlanRecord {
  return {
    id: r.id,
    agentId: r.agent_id,
    hash: r.hash,
    rationale: r.rationale,
    steps: JSON.parse(r.steps_json) as PlanStep[],
    status: r.status,
    approvalId: r.approval_id,
    nextStep: r.next_step,
    createdAt: r.created_at,
  };
}

export function planHash(agentId: string, steps: PlanStep[], rationale: string): string {
  return canonicalHash({ agent: agentId, steps, rationale });
}

/** Real steps kept in memory at most for this many plans (the oldest go first). */
const MAX_CLEAR_PLANS = 10_000;

export class PlanRepository {
  private readonly q;
  /**
   * The real rationale and steps of plans whose stored copy is masked (the row never holds a
   * secret). Lost on restart: a step sent with its real arguments then no longer matches, and is
   * blocked as a plan mismatch (the agent proposes again).
   */
  private readonly clear = new Map<string, { steps: PlanStep[]; rationale: string }>();
  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly mask: Masker = defaultMasker,
  ) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO gov_plans (id, agent_id, hash, rationale, steps_json, status, approval_id, created_at)
         VALUES (@id, @agent_id, @hash, @rationale, @steps_json, @status, @approval_id, @created_at)`,
      ),
      get: db.prepare<[string], Row>('SELECT * FROM gov_plans WHERE id = ?'),
      setStatus: db.prepare('UPDATE gov_plans SET status = ? WHERE id = ?'),
      setApproval: db.prepare('UPDATE gov_plans SET approval_id = ? WHERE id = ?'),
      // Advancing only from the expected step makes two concurrent calls for one step race safely.
      advance: db.prepare(
        `UPDATE gov_plans SET next_step = next_step + 1,
           status = CASE WHEN next_step + 1 >= json_array_length(steps_json) THEN 'done' ELSE status END
         WHERE id = ? AND next_step = ? AND status = 'approved'`,
      ),
    };
  }

  create(agentId: string, input: { steps: PlanStep[]; rationale: string }, status: PlanStatus): PlanRecord {
    const id = `plan_${randomUUID()}`;
    const steps = this.mask(input.steps) as PlanStep[];
    const rationale = this.mask.text(input.rationale);
    if (steps !== input.steps || rationale !== input.rationale) {
      if (this.clear.size >= MAX_CLEAR_PLANS) this.clear.delete(this.clear.keys().next().value!);
      this.clear.set(id, { steps: input.steps, rationale: input.rationale });
    }
    this.q.insert.run({
      id,
      agent_id: agentId,
      hash: planHash(agentId, input.steps, input.rationale),
      rationale,
      steps_json: canonicalize(steps),
      status,
      approval_id: null,
      created_at: this.clock.now(),
    });
    return this.get(id)!;
  }

  get(id: string): PlanRecord | null {
    const r = this.q.get.get(id);
    if (!r) return null;
    const rec = toRecord(r);
    const clear = this.clear.get(id);
    return clear ? { ...rec, ...clear } : rec;
  }

  setStatus(id: string, status: PlanStatus): void {
    this.q.setStatus.run(status, id);
    if (status !== 'pending' && status !== 'approved') this.clear.delete(id);
  }

  setApproval(id: string, approvalId: string): void {
    this.q.setApproval.run(approvalId, id);
  }

  /** Claim step `index` of an approved plan. False if another call claimed it first. */
  advance(id: string, index: number): boolean {
    return this.q.advance.run(id, index).changes === 1;
  }
}
