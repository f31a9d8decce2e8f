// Rate limits on tools/call: token buckets per agent and per (agent, tool), on the core's clock (tests
// move it by hand). One agent's calls never draw from another agent's buckets. A refused call costs a
// map lookup: nothing of the tool, the gateway or the audit chain runs.
import type { RateBucket, RateLimits } from './config';

export interface RateDecision {
  ok: boolean;
  /** When refused: which bucket was empty, and how long until it holds a token again (ms, ≥ 1). */
  limit?: 'agent' | 'tool';
  bucket?: RateBucket;
  retryAfterMs?: number;
}

export interface RateLimiter {
  /** Take one token from the agent's bucket and the agent's bucket for this tool, or neither. */
  take(agentId: string, tool: string): RateDecision;
  /** Refused calls so far, per agent (for counters and the 'mcp.rate_limited' event). */
  hits(agentId: string): number;
  totalHits(): number;
}

interface State {
  tokens: number;
  at: number;
}

export function createRateLimiter(cfg: RateLimits, now: () => number): RateLimiter {
  const states = new Map<string, State>();
  const hitsByAgent = new Map<string, number>();
  let total = 0;
  const toolBucket = (tool: string): RateBucket => (cfg.tools as Record<string, RateBucket | undefined>)[tool] ?? cfg.perTool;

  /** The bucket's tokens now (refilled since it was last read). */
  const level = (key: string, b: RateBucket, t: number): State => {
    let s = states.get(key);
    if (!s) {
      s = { tokens: b.burst, at: t };
      states.set(key, s);
      return s;
    }
    if (t > s.at) {
      s.tokens = Math.min(b.burst, s.tokens + ((t - s.at) / 1000) * b.perSecond);
      s.at = t;
    }
    return s;
  };
  // (The epsilon keeps float noise such as 1.0000000000000009 ms from rounding up to 2.)
  const waitMs = (s: State, b: RateBucket) => Math.max(1, Math.ceil(((1 - s.tokens) / b.perSecond) * 1000 - 1e-6));

  return {
    take(agentId, tool) {
      if (!cfg.enabled) return { ok: true };
      const t = now();
      const ab = cfg.perAgent;
      const tb = toolBucket(tool);
      const a = level(`a\u0000${agentId}`, ab, t);
      const k = level(`t\u0000${agentId}\u0000${tool}`, tb, t);
      if (a.tokens >= 1 && k.tokens >= 1) {
        a.tokens -= 1;
        k.tokens -= 1;
        return { ok: true };
      }
      total++;
      hitsByAgent.set(agentId, (hitsByAgent.get(agentId) ?? 0) + 1);
      // The caller may retry once both buckets hold a token: report the longer wait.
      const aw = a.tokens >= 1 ? 0 : waitMs(a, ab);
      const kw = k.tokens >= 1 ? 0 : waitMs(k, tb);
      return kw >= aw ? { ok: false, limit: 'tool', bucket: tb, retryAfterMs: kw } : { ok: false, limit: 'agent', bucket: ab, retryAfterMs: aw };
    },
    hits: (agentId) => hitsByAgent.get(agentId) ?? 0,
    totalHits: () => total,
  };
}
