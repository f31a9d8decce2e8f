// MCP calls → immune vitals, one record per agent *run*, not per call. An MCP client's calls come in
// bursts (one model turn = a few tool calls); a run is a burst ended by runIdleMs of silence (or cut at
// maxRunMs). Per-call records would be wrong twice: sub-millisecond latencies make every GC pause a
// "latency explosion" (a busy agent got quarantined in bench:mcp), and a looping agent would look like
// many normal one-call runs instead of one run with a tool-call explosion.
import type { Clock } from '../clock';
import type { VitalsSink } from './types';

export interface RunVitalsOptions {
  runIdleMs: number;
  maxRunMs: number;
}

interface Run {
  start: number;
  last: number;
  calls: number;
  errors: number;
  /** Agent-side work: the sum of call latencies without operator waits. */
  busyMs: number;
  tools: Set<string>;
}

export interface RunVitals {
  add(agentId: string, call: { latencyMs: number; error: boolean; tool: string }): void;
  /** Close runs that went idle or grew too long (all of them with force). Returns how many. */
  flush(force?: boolean): number;
  start(): void;
  stop(): void;
}

export function createRunVitals(sink: VitalsSink, clock: Clock, opts: RunVitalsOptions): RunVitals {
  const runs = new Map<string, Run>();
  let timer: NodeJS.Timeout | null = null;
  const emit = (agentId: string, r: Run) => {
    sink.recordVitals({
      agent_id: agentId,
      ts: r.last,
      latency_ms: Math.round(r.busyMs * 1000) / 1000,
      input_tokens: 0,
      output_tokens: 0,
      tool_calls: r.calls,
      errors: r.errors,
      mcp_servers: ['aegisflow'],
      tools: [...r.tools].slice(0, 256),
    });
  };
  const flush = (force = false) => {
    const now = clock.now();
    let n = 0;
    for (const [agentId, r] of runs) {
      if (force || now - r.last >= opts.runIdleMs || now - r.start >= opts.maxRunMs) {
        runs.delete(agentId);
        emit(agentId, r);
        n++;
      }
    }
    return n;
  };
  return {
    add(agentId, call) {
      const now = clock.now();
      let r = runs.get(agentId);
      if (r && now - r.start >= opts.maxRunMs) {
        runs.delete(agentId);
        emit(agentId, r);
        r = undefined;
      }
      if (!r) runs.set(agentId, (r = { start: now, last: now, calls: 0, errors: 0, busyMs: 0, tools: new Set() }));
      r.last = now;
      r.calls++;
      if (call.error) r.errors++;
      r.busyMs += call.latencyMs;
      r.tools.add(call.tool);
    },
    flush,
    start() {
      if (timer) return;
      timer = setInterval(() => flush(), Math.max(100, Math.min(1000, Math.floor(opts.runIdleMs / 2))));
      timer.unref?.();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      flush(true);
    },
  };
}
