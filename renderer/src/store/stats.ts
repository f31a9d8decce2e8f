// Overview figures computed from today's audit rows: every gateway decision is one row, so counting
// rows by kind gives calls, allowed, blocked, reviewed and killed without a separate counter to drift.
import type { AuditRowView } from '../../../shared/governance';

export interface GovernanceStats {
  calls: number;
  allowed: number;
  blocked: number;
  reviewed: number;
  approved: number;
  rejected: number;
  expired: number;
  killed: number;
  topAgents: Array<{ id: string; calls: number }>;
  topTools: Array<{ tool: string; calls: number }>;
  /** True when the day had more rows than were read (figures are a lower bound). */
  truncated: boolean;
}

const CALL_KINDS = new Set(['ALLOWED', 'BLOCKED', 'REVIEW']);

export function governanceStats(rows: readonly AuditRowView[], truncated = false, top = 5): GovernanceStats {
  const s: GovernanceStats = {
    calls: 0,
    allowed: 0,
    blocked: 0,
    reviewed: 0,
    approved: 0,
    rejected: 0,
    expired: 0,
    killed: 0,
    topAgents: [],
    topTools: [],
    truncated,
  };
  const agents = new Map<string, number>();
  const tools = new Map<string, number>();
  for (const r of rows) {
    switch (r.kind) {
      case 'ALLOWED':
        s.allowed++;
        break;
      case 'BLOCKED':
        s.blocked++;
        break;
      case 'REVIEW':
        s.reviewed++;
        break;
      case 'APPROVED':
        s.approved++;
        break;
      case 'REJECTED':
        s.rejected++;
        break;
      case 'EXPIRED':
        s.expired++;
        break;
      case 'KILLED':
        s.killed++;
        break;
    }
    if (!CALL_KINDS.has(r.kind)) continue;
    s.calls++;
    if (r.agentId) agents.set(r.agentId, (agents.get(r.agentId) ?? 0) + 1);
    if (r.tool) tools.set(r.tool, (tools.get(r.tool) ?? 0) + 1);
  }
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, top)
      .map(([k, calls]) => ({ [key]: k, calls }) as Record<K, string> & { calls: number });
  s.topAgents = rank(agents, 'id');
  s.topTools = rank(tools, 'tool');
  return s;
}

/** Calls per time bucket by decision (agent detail chart). */
export function bucketDecisions(rows: readonly AuditRowView[], bucketMs: number): { t: number[]; allowed: number[]; blocked: number[]; reviewed: number[] } {
  const m = new Map<number, [number, number, number]>();
  for (const r of rows) {
    if (!CALL_KINDS.has(r.kind)) continue;
    const b = Math.floor(r.ts / bucketMs) * bucketMs;
    const e = m.get(b) ?? [0, 0, 0];
    e[r.kind === 'ALLOWED' ? 0 : r.kind === 'BLOCKED' ? 1 : 2]++;
    m.set(b, e);
  }
  const keys = [...m.keys()].sort((a, b) => a - b);
  // Continuous buckets (empty hours are zeros) plus one after the last, so a step chart closes and a
  // single busy hour still has a time axis; no filling across absurd spans.
  if (keys.length && (keys[keys.length - 1] - keys[0]) / bucketMs < 2000) {
    const first = keys[0];
    const n = Math.round((keys[keys.length - 1] - first) / bucketMs) + 2;
    keys.length = 0;
    for (let i = 0; i < n; i++) keys.push(first + i * bucketMs);
  }
  const get = (k: number) => m.get(k) ?? [0, 0, 0];
  return {
    t: keys.map((k) => k / 1000),
    allowed: keys.map((k) => get(k)[0]),
    blocked: keys.map((k) => get(k)[1]),
    reviewed: keys.map((k) => get(k)[2]),
  };
}

export function startOfLocalDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
