// Finding 10: one agent can hurt the others. 260 sessions from one agent evicted another agent's
// session and killed its call that was waiting for an operator; one POST batch of 100
// get_sensor_stream froze the whole core for 12.6 s; non-integer or duplicate JSON-RPC ids in a batch
// hung instead of getting an error. Now sessions are capped per agent (a new one evicts only that
// agent's own oldest idle session, or is refused; never another agent's, never one with a call in
// flight), calls are rate-limited per agent and per tool (a tool error with retry_after_ms, and an
// 'mcp.rate_limited' event), a batch is run one message per event-loop turn with bounded reads, and
// invalid or duplicate ids get a JSON-RPC error.
//
// Real parts: a real core in this process (so the probe below measures the core's own event loop),
// the SDK client over real HTTP for the victim, raw fetch for the attacker.
import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimedReading } from '../../shared/plant';
import { httpClient, nextApproval, startRig, textOf, waitFor, type McpRig } from '../mcp-helpers';
import { recordFigure } from './figures';
import { operatorCaller } from '../helpers';

const GOV = 'aegisflow/governance';
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'attacker', version: '1' } },
};
const ACCEPT = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function post(rig: McpRig, headers: Record<string, string>, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(rig.mcpUrl, { method: 'POST', headers: { ...ACCEPT, ...headers }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
}

/** initialize + notifications/initialized with raw fetch; the session's headers, or the refusal. */
async function openSession(rig: McpRig, token: string): Promise<{ status: number; headers: Record<string, string> | null; text: string }> {
  const res = await post(rig, { authorization: `Bearer ${token}` }, INIT);
  const text = await res.text();
  const sid = res.headers.get('mcp-session-id');
  if (res.status !== 200 || !sid) return { status: res.status, headers: null, text };
  const headers = { authorization: `Bearer ${token}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-03-26' };
  const n = await post(rig, headers, { jsonrpc: '2.0', method: 'notifications/initialized' });
  await n.text();
  return { status: 200, headers, text };
}

const sessionsOf = (rig: McpRig, agentId: string) => [...rig.core.services.mcp.http!.sessions.values()].filter((s) => s.agentId === agentId).length;

/**
 * How long the core's event loop (this process's main thread) was blocked at most: a timer-lag probe
 * (a 1 ms timer; each gap between two ticks is a stretch the loop could not run it). On a loaded
 * shared machine a gap also holds time the OS gave other processes, which is not the core blocking;
 * so each gap counts only as much CPU time as the main thread used during it (Linux schedstat, in ns;
 * elsewhere process.cpuUsage of all threads, an over-estimate). The raw wall-clock gap and the
 * perf_hooks histogram are reported beside it.
 */
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const HAS_SCHEDSTAT = fs.existsSync(SCHEDSTAT);
function mainThreadCpuMs(): number {
  if (HAS_SCHEDSTAT) return Number(fs.readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

function stallProbe() {
  const hist = monitorEventLoopDelay({ resolution: 5 });
  hist.enable();
  let maxBlocked = 0;
  let maxGap = 0;
  let ticks = 0;
  let last = performance.now();
  let cpuLast = mainThreadCpuMs();
  let timer: NodeJS.Timeout;
  const sample = () => {
    const now = performance.now();
    const cpu = mainThreadCpuMs();
    const cpuMs = cpu - cpuLast;
    maxGap = Math.max(maxGap, now - last);
    maxBlocked = Math.max(maxBlocked, Math.min(now - last, cpuMs));
    last = now;
    cpuLast = cpu;
  };
  const tick = () => {
    sample();
    ticks++;
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  return {
    stop() {
      clearTimeout(timer);
      sample();
      hist.disable();
      return { stallMs: Math.max(0, maxBlocked - 1), wallGapMs: Math.max(0, maxGap - 1), ticks, histogramMaxMs: hist.max / 1e6 };
    },
  };
}

/** History for every device, so get_sensor_stream with last_n 2000 reads 2000 rows per device from SQLite. */
function seedReadings(rig: McpRig, perDevice: number): void {
  const devices = rig.core.services.mcp.deps.knownDevices();
  const t0 = Date.now() - 2 * 86_400_000;
  const rows: TimedReading[] = [];
  for (const device_id of devices) {
    for (let i = 0; i < perDevice; i++) {
      const ts = t0 + i * 5000;
      rows.push({
        device_id,
        ts,
        timestamp: new Date(ts).toISOString(),
        values: { temperature: 70 + (i % 13), pressure: 100 + (i % 7), vibration: 2 + (i % 5) / 10, humidity: 40, power: 20 + (i % 3) },
      });
    }
  }
  rig.core.services.readings.insertBatch(rows);
}

describe('finding 10: one agent cannot hurt the others', () => {
  let rig: McpRig;
  let attackerToken: string;
  let victimToken: string;
  let victim: Client;

  beforeAll(async () => {
    rig = await startRig({
      mcp: {
        // The attacker's tool bucket holds exactly the batch below, so all 100 heavy reads really run
        // (the stall bound must come from bounded reads and yielding, not from refusals); it refills
        // one call per 100 s, so the call after the batch is refused.
        rateLimits: { perAgent: { perSecond: 1000, burst: 1000 }, tools: { get_sensor_stream: { perSecond: 0.01, burst: 100 } } },
      },
    });
    attackerToken = rig.core.services.governance.addAgent({ id: 'attacker', name: 'Attacker', role: 'assistant' }).token;
    victimToken = rig.core.services.governance.addAgent({ id: 'victim', name: 'Victim', role: 'assistant' }).token;
    await waitFor(() => rig.core.services.live.devices().length === 9, 'readings from all nine devices');
    seedReadings(rig, 2500);
    victim = await httpClient(rig.mcpUrl, victimToken);
  }, 60_000);
  afterAll(async () => {
    await victim?.close().catch(() => {});
    await rig?.close();
  });

  it("260 sessions from one agent evict neither the victim's session nor its call waiting for an operator", async () => {
    const approval = nextApproval(rig, 'victim');
    const progress: string[] = [];
    const call = victim.callTool(
      {
        name: 'execute_device_command',
        arguments: {
          device_id: 'line-2/motor-02',
          command: 'reduce_load',
          parameters: { reduction_pct: 20 },
          justification: 'bearing temperature rising; SOP 2.1 reduce load first',
        },
      },
      undefined,
      { onprogress: (p) => progress.push(p.message ?? ''), resetTimeoutOnProgress: true, timeout: 120_000 },
    );
    const approvalId = await approval; // the victim's call now waits for an operator

    const statuses: number[] = [];
    for (let i = 0; i < 260; i++) statuses.push((await openSession(rig, attackerToken)).status);
    // The attacker only ever displaced its own idle sessions: it holds at most its cap.
    expect(sessionsOf(rig, 'victim')).toBe(1);
    expect(sessionsOf(rig, 'attacker')).toBeLessThanOrEqual(rig.core.config.mcp.maxSessionsPerAgent);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);

    const decided = await rig.core.api.call('approvals.decide', { id: approvalId, verdict: 'approve' }, operatorCaller('olga'));
    expect(decided.ok).toBe(true);
    const r = await call;
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'executed', approved_by: 'olga' });
  }, 120_000);

  // The ≤ 50 ms stall target is a figure (recorded here, enforced by `npm run check:security`), not a
  // timed assertion: on a loaded CI machine wall-clock numbers lie. What this test asserts is an order
  // of events: other requests are answered while the batch is still being worked through.
  it('a batch of 100 get_sensor_stream("all", last_n 2000) does not stall the core: other requests are answered in between', async () => {
    const s = await openSession(rig, attackerToken);
    expect(s.status).toBe(200);
    const batch = Array.from({ length: 100 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i + 1,
      method: 'tools/call',
      params: { name: 'get_sensor_stream', arguments: { device_id: 'all', last_n: 2000, max_points: 200 } },
    }));
    const probe = stallProbe();
    const t0 = performance.now();
    // The core answers the batch in one JSON body: its work is over when the headers arrive. Reading
    // and parsing 6 MB below is the test client's work (same process), so the probe stops here.
    const events: string[] = [];
    const pending = post(rig, s.headers!, batch).then((r) => (events.push('batch answered'), r));
    // While the batch is being worked through, the core keeps serving: three health checks, one after another.
    for (let i = 0; i < 3; i++) {
      const h = await fetch(`${rig.core.services.http!.url}/api/v1/health`);
      events.push(`health ${h.status}`);
    }
    const res = await pending;
    const measured = probe.stop();
    const batchMs = performance.now() - t0;
    const text = await res.text();
    const r1 = (x: number) => Math.round(x * 10) / 10;
    recordFigure('max_event_loop_stall_ms', r1(measured.stallMs), {
      wallGapMs: r1(measured.wallGapMs),
      histogramMaxMs: r1(measured.histogramMaxMs),
      batchMs: Math.round(batchMs),
      ticks: measured.ticks,
    });
    console.log(
      `finding 10: batch of 100 get_sensor_stream answered in ${Math.round(batchMs)} ms; max event-loop stall ${r1(measured.stallMs)} ms ` +
        `(${HAS_SCHEDSTAT ? 'main-thread' : 'process'} CPU; longest wall-clock gap ${r1(measured.wallGapMs)} ms, histogram max ${r1(measured.histogramMaxMs)} ms, ${measured.ticks} probe ticks, load ${os.loadavg()[0].toFixed(1)})`,
    );

    expect(res.status).toBe(200);
    const answers = JSON.parse(text) as Array<{
      id: number;
      result?: { isError?: boolean; structuredContent?: { devices: Array<{ readings: unknown[]; downsampled: boolean }> } };
    }>;
    expect(answers.map((a) => a.id)).toEqual(batch.map((b) => b.id));
    // Every read really ran, over 2000 readings per device (averaged down to fit the model).
    for (const a of answers) {
      expect(a.result?.isError).toBeFalsy();
      expect(a.result?.structuredContent?.devices).toHaveLength(9);
      expect(a.result?.structuredContent?.devices[0]).toMatchObject({ downsampled: true });
    }
    expect(events).toEqual(['health 200', 'health 200', 'health 200', 'batch answered']);
  }, 120_000);

  it("over its tool's rate limit the attacker gets a tool error with retry_after_ms and an event is emitted; the victim is not limited", async () => {
    const s = await openSession(rig, attackerToken);
    const hits: Array<{ agentId: string; tool: string; retryAfterMs: number }> = [];
    const off = rig.core.bus.on('mcp.rate_limited', (e) => void hits.push(e));
    const res = await post(rig, s.headers!, {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'get_sensor_stream', arguments: { device_id: 'all' } },
    });
    const body = (await res.json()) as {
      result: { isError?: boolean; content: Array<{ text: string }>; _meta?: Record<string, { status: string; retry_after_ms?: number }> };
    };
    off();
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toMatch(/RATE LIMITED.*get_sensor_stream.*retry after/i);
    expect(body.result._meta?.[GOV]).toMatchObject({ status: 'rate_limited', retry_after_ms: expect.any(Number) });
    expect(body.result._meta![GOV].retry_after_ms).toBeGreaterThan(0);
    expect(hits).toEqual([expect.objectContaining({ agentId: 'attacker', tool: 'get_sensor_stream', retryAfterMs: expect.any(Number) })]);
    expect(rig.core.services.mcp.recentCalls({ agentId: 'attacker', limit: 1 })[0]).toMatchObject({ tool: 'get_sensor_stream', status: 'rate_limited' });

    const mine = await victim.callTool({ name: 'get_sensor_stream', arguments: { device_id: 'all' } });
    expect(mine.isError, textOf(mine)).toBeFalsy();
  });

  it('non-integer, object and duplicate request ids in a batch get a JSON-RPC error promptly, never a hang', async () => {
    const s = await openSession(rig, attackerToken);
    const list = (id: unknown) => ({ jsonrpc: '2.0', id, method: 'tools/list' });
    const cases: Array<[string, unknown[]]> = [
      ['id 1.5', [list(1.5)]],
      ['id 1.5 in a batch', [list(1), list(1.5)]],
      ['object id', [list({ a: 1 })]],
      ['duplicate ids', [list(7), list(7)]],
    ];
    for (const [name, body] of cases) {
      const res = await post(rig, s.headers!, body, AbortSignal.timeout(5000)).catch((err: Error) => err);
      expect(res instanceof Response ? res.status : `${name}: ${String(res)}`).toBe(400);
      const answer = (await (res as Response).json()) as { error?: { code: number; message: string } };
      expect([name, answer.error?.code]).toEqual([name, -32600]);
    }
    // The session still works.
    const ok = await post(rig, s.headers!, list(8));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(5);
  });
});

describe('finding 10: a full server refuses a session instead of evicting another agent', () => {
  let rig: McpRig;
  beforeAll(async () => {
    rig = await startRig({ simulator: { autostart: false }, mcp: { maxSessions: 3, maxSessionsPerAgent: 2 } });
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('own idle sessions go first; busy ones are never closed; others are refused with 429 / 503', async () => {
    const gov = rig.core.services.governance;
    const a = gov.addAgent({ id: 'agent-a', name: 'A', role: 'assistant' }).token;
    const b = gov.addAgent({ id: 'agent-b', name: 'B', role: 'assistant' }).token;
    const c = gov.addAgent({ id: 'agent-c', name: 'C', role: 'assistant' }).token;

    // B: one session with a call waiting for an operator.
    const bs = await openSession(rig, b);
    const approval = nextApproval(rig, 'agent-b');
    const ac = new AbortController();
    const waiting = post(
      rig,
      bs.headers!,
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: {
          name: 'execute_device_command',
          arguments: { device_id: 'line-1/pump-03', command: 'reduce_load', parameters: { reduction_pct: 10 }, justification: 'keep this call waiting' },
          _meta: { progressToken: 'b' },
        },
      },
      ac.signal,
    );
    await approval;

    // A: two idle sessions (its cap), then a third: A's own oldest idle session is closed for it.
    const a1 = await openSession(rig, a);
    const a2 = await openSession(rig, a);
    const a3 = await openSession(rig, a);
    expect([a1.status, a2.status, a3.status]).toEqual([200, 200, 200]);
    expect(sessionsOf(rig, 'agent-a')).toBe(2);
    expect((await post(rig, a1.headers!, { jsonrpc: '2.0', id: 3, method: 'tools/list' })).status).toBe(404);
    expect(sessionsOf(rig, 'agent-b')).toBe(1);

    // C: the server is full (3) and C has nothing of its own to give up: refused, nobody evicted.
    const cs = await openSession(rig, c);
    expect(cs.status).toBe(503);
    expect(cs.text).toMatch(/session/i);
    expect(sessionsOf(rig, 'agent-a')).toBe(2);
    expect(sessionsOf(rig, 'agent-b')).toBe(1);

    // B at its cap of 2 with its only other session busy: a third session is refused (429), not evicted.
    const b2 = await openSession(rig, b);
    expect(b2.status).toBe(503); // the server is still full: B may not take A's slot
    const bs2res = await (async () => {
      // Close one of A's sessions (A's own DELETE) to make room; B then opens its second.
      const del = await fetch(rig.mcpUrl, { method: 'DELETE', headers: a3.headers! });
      expect(del.status).toBe(200);
      return openSession(rig, b);
    })();
    expect(bs2res.status).toBe(200);
    // B's second session gets a call in flight too; now both are busy and a third is refused.
    const ac2 = new AbortController();
    const approval2 = nextApproval(rig, 'agent-b');
    const waiting2 = post(
      rig,
      bs2res.headers!,
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: {
          name: 'execute_device_command',
          arguments: { device_id: 'line-2/pump-03', command: 'reduce_load', parameters: { reduction_pct: 10 }, justification: 'keep this one waiting too' },
          _meta: { progressToken: 'b2' },
        },
      },
      ac2.signal,
    );
    await approval2;
    const b3 = await openSession(rig, b);
    expect(b3.status).toBe(429);
    expect(b3.text).toMatch(/agent-b.*2 sessions/);
    expect(sessionsOf(rig, 'agent-b')).toBe(2);

    // Both waiting calls are still there, and end only when their client hangs up.
    expect((await waiting).headers.get('content-type')).toBe('text/event-stream');
    expect((await waiting2).headers.get('content-type')).toBe('text/event-stream');
    ac.abort();
    ac2.abort();
  });
});
