// SQL of the durable pending calls (mcp_pending_calls), prepared once. A row moves working → completed |
// failed | cancelled exactly once: every settling UPDATE matches a working row only.
import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Db } from '../store';
import type { CallStatus } from './outcome';

export type PendingStatus = 'working' | 'completed' | 'failed' | 'cancelled';

export interface PendingCallRecord {
  id: string;
  /** The action digest (agent, tool, canonical arguments, policy version); null for a task that is no pending call (an ALLOW run as a task). */
  digest: string | null;
  agentId: string;
  tool: string;
  policyVersion: string;
  ruleId: string;
  approvalId: string | null;
  status: PendingStatus;
  statusMessage: string;
  /** The settled call's status as tool_calls records it (ok, rejected, expired, ...). */
  outcome: CallStatus | null;
  result: CallToolResult | null;
  createdAt: number;
  updatedAt: number;
  deadline: number | null;
  settledAt: number | null;
  ttlMs: number;
}

interface Row {
  id: string;
  digest: string | null;
  agent_id: string;
  tool: string;
  policy_version: string;
  rule_id: string;
  approval_id: string | null;
  status: PendingStatus;
  status_message: string;
  outcome: CallStatus | null;
  result_json: string | null;
  created_at: number;
  updated_at: number;
  deadline: number | null;
  settled_at: number | null;
  ttl_ms: number;
}

const toRecord = (r: Row): PendingCallRecord => ({
  id: r.id,
  digest: r.digest,
  agentId: r.agent_id,
  tool: r.tool,
  policyVersion: r.policy_version,
  ruleId: r.rule_id,
  approvalId: r.approval_id,
  status: r.status,
  statusMessage: r.status_message,
  outcome: r.outcome,
  result: r.result_json ? (JSON.parse(r.result_json) as CallToolResult) : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deadline: r.deadline,
  settledAt: r.settled_at,
  ttlMs: r.ttl_ms,
});

export type NewPendingCall = Pick<
  PendingCallRecord,
  'digest' | 'agentId' | 'tool' | 'policyVersion' | 'ruleId' | 'approvalId' | 'statusMessage' | 'deadline' | 'ttlMs'
> & { now: number };

export interface Settlement {
  status: Exclude<PendingStatus, 'working'>;
  statusMessage: string;
  outcome: CallStatus;
  result: CallToolResult;
  now: number;
}

export interface PendingCallRepository {
  /** Insert a working row; null when another working row holds this digest already. */
  insertWorking(c: NewPendingCall): PendingCallRecord | null;
  /** Insert a row that is settled from the start (a task whose call needed no operator). */
  insertSettled(c: Omit<NewPendingCall, 'deadline'>, s: Settlement): PendingCallRecord;
  get(id: string): PendingCallRecord | null;
  /** The working row of this digest, or the newest settled one since `since` (for replay). */
  latest(digest: string, since: number): PendingCallRecord | null;
  byApproval(approvalId: string): PendingCallRecord | null;
  working(): PendingCallRecord[];
  ofAgent(agentId: string, limit: number, before?: number): PendingCallRecord[];
  /** working → settled; false when it was settled already. */
  settle(id: string, s: Settlement): boolean;
  setMessage(id: string, message: string, now: number): void;
  /** Delete settled rows kept longer than their ttl (and at least `keepMs`). */
  prune(now: number, keepMs: number): number;
}

export function createPendingCallRepository(db: Db): PendingCallRepository {
  const insert = db.prepare(
    `INSERT INTO mcp_pending_calls (id, digest, agent_id, tool, policy_version, rule_id, approval_id, status, status_message, outcome, result_json,
       created_at, updated_at, deadline, settled_at, ttl_ms)
     VALUES (@id, @digest, @agent_id, @tool, @policy_version, @rule_id, @approval_id, @status, @status_message, @outcome, @result_json,
       @now, @now, @deadline, @settled_at, @ttl_ms)`,
  );
  const get = db.prepare<[string], Row>('SELECT * FROM mcp_pending_calls WHERE id = ?');
  const workingOf = db.prepare<[string], Row>(`SELECT * FROM mcp_pending_calls WHERE digest = ? AND status = 'working'`);
  const latest = db.prepare<[string, number], Row>(
    `SELECT * FROM mcp_pending_calls WHERE digest = ? AND (status = 'working' OR settled_at >= ?) ORDER BY created_at DESC, rowid DESC LIMIT 1`,
  );
  const byApproval = db.prepare<[string], Row>('SELECT * FROM mcp_pending_calls WHERE approval_id = ? ORDER BY created_at DESC LIMIT 1');
  const working = db.prepare<[], Row>(`SELECT * FROM mcp_pending_calls WHERE status = 'working' ORDER BY created_at`);
  const ofAgent = db.prepare<[string, number, number], Row>(
    'SELECT * FROM mcp_pending_calls WHERE agent_id = ? AND created_at < ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
  );
  const settle = db.prepare(
    `UPDATE mcp_pending_calls SET status = @status, status_message = @status_message, outcome = @outcome, result_json = @result_json,
       updated_at = @now, settled_at = @now WHERE id = @id AND status = 'working'`,
  );
  const setMessage = db.prepare(`UPDATE mcp_pending_calls SET status_message = ?, updated_at = ? WHERE id = ? AND status = 'working'`);
  const prune = db.prepare(`DELETE FROM mcp_pending_calls WHERE status <> 'working' AND settled_at + MAX(ttl_ms, ?) < ?`);
  const row = (c: Omit<NewPendingCall, 'deadline'> & { deadline: number | null }, id: string) => ({
    id,
    digest: c.digest,
    agent_id: c.agentId,
    tool: c.tool,
    policy_version: c.policyVersion,
    rule_id: c.ruleId,
    approval_id: c.approvalId,
    now: c.now,
    deadline: c.deadline,
    ttl_ms: c.ttlMs,
  });
  const one = (r: Row | undefined) => (r ? toRecord(r) : null);
  return {
    insertWorking(c) {
      // The partial unique index is the guarantee; this read only avoids throwing in the common case.
      if (c.digest && workingOf.get(c.digest)) return null;
      const id = `task_${randomUUID()}`;
      insert.run({ ...row(c, id), status: 'working', status_message: c.statusMessage, outcome: null, result_json: null, settled_at: null });
      return one(get.get(id));
    },
    insertSettled(c, s) {
      const id = `task_${randomUUID()}`;
      insert.run({
        ...row({ ...c, deadline: null }, id),
        status: s.status,
        status_message: s.statusMessage,
        outcome: s.outcome,
        result_json: JSON.stringify(s.result),
        settled_at: s.now,
      });
      const r = get.get(id);
      if (!r) throw new Error(`pending call ${id} vanished`);
      return toRecord(r);
    },
    get: (id) => one(get.get(id)),
    latest: (digest, since) => one(latest.get(digest, since)),
    byApproval: (approvalId) => one(byApproval.get(approvalId)),
    working: () => working.all().map(toRecord),
    ofAgent: (agentId, limit, before = Number.MAX_SAFE_INTEGER) => ofAgent.all(agentId, before, limit).map(toRecord),
    settle: (id, s) =>
      settle.run({ id, status: s.status, status_message: s.statusMessage, outcome: s.outcome, result_json: JSON.stringify(s.result), now: s.now }).changes ===
      1,
    setMessage: (id, message, now) => void setMessage.run(message, now, id),
    prune: (now, keepMs) => prune.run(keepMs, now).changes,
  };
}
