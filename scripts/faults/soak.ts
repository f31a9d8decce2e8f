// npm run soak -- --minutes N: a core at 100x replay with three agents calling tools over /mcp,
// approvals flowing (device commands under review) and operators deciding them, for N minutes.
// Prints RSS, heap and event-loop lag over time; ends with one JSON line of the growth figures.
// Growth is measured from the first sample after the warm-up (the first 20 % of the run, at most
// 60 s: caches, JIT and SQLite's page cache fill there) to the median of the last three samples.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createCore, testConfig } from '../../electron/core';
import type { Caller } from '../../shared/operators';
import { DEVICE_IDS } from '../../shared/plant';

export interface SoakResult {
  minutes: number;
  samples: Array<{ t_s: number; rss_mb: number; heap_mb: number; lag_p99_ms: number; lag_max_ms: number; calls: number; approvals: number; readings: number }>;
  rss_growth_pct: number;
  heap_growth_pct: number;
  lag_p99_ms_max: number;
  calls: number;
  call_errors: number;
  approvals_decided: number;
  readings_stored: number;
}

const OPERATOR: Caller = Object.freeze({ operator: { id: 'op-soak', name: 'Soak Operator', roles: ['admin'] }, via: 'internal' });
// The demo plant's nine devices, as the plant defines them.
const DEVICES = DEVICE_IDS;
const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function soak(minutes: number, print: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<SoakResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-soak-'));
  const durationMs = Math.max(0.25, minutes) * 60_000;
  const sampleMs = Math.max(5_000, Math.min(60_000, durationMs / 24));
  const core = createCore(
    testConfig(dir, {
      simulator: { speed: 100 },
      governance: { watchPolicy: false },
      immune: { fleet: { enabled: false } },
      store: { retentionDays: 0 },
      mcp: { rateLimits: { enabled: false } },
    }),
  );
  await core.start();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let stop = false;
  let calls = 0;
  let callErrors = 0;
  let decided = 0;
  let commands = 0;
  const url = new URL(`${core.services.http!.url}/mcp`);
  const agents = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const { token } = core.services.governance.addAgent({ id: `soak-${i}`, name: `soak ${i}`, role: 'assistant' });
      const client = new Client({ name: `soak-${i}`, version: '1' });
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      return client;
    }),
  );
  // Operators: decide every approval shortly after it appears (approve most, reject some).
  const offApprovals = core.bus.on('approval.created', (a) => {
    setTimeout(() => {
      void core.api.call('approvals.decide', { id: a.id, verdict: decided % 20 === 19 ? 'reject' : 'approve' }, OPERATOR).then((r) => r.ok && decided++);
    }, 50);
  });
  const agentLoop = async (client: Client, i: number) => {
    let n = 0;
    while (!stop) {
      const device = DEVICES[(n + i) % DEVICES.length];
      const k = n++ % 10;
      try {
        if (k < 6) await client.callTool({ name: k % 2 ? 'get_sensor_stream' : 'get_device_status', arguments: { device_id: device } });
        else if (k < 8) await client.callTool({ name: k === 6 ? 'get_active_anomalies' : 'list_devices', arguments: {} });
        else if (k === 8) await client.callTool({ name: 'query_device_manual', arguments: { query: 'vibration limits' } });
        // A device command goes to review; the operator above decides it, and the call returns then.
        else {
          const r = await client.callTool(
            {
              name: 'execute_device_command',
              arguments: {
                device_id: device,
                command: 'reduce_load',
                parameters: { reduction_pct: 10 },
                justification: `soak run, command ${n}: load test of the approval path`,
              },
            },
            undefined,
            { timeout: 60_000 },
          );
          const text = JSON.stringify(r.content);
          // An operator's rejection is an outcome of the approval path, not a failure.
          if (r.isError && !text.includes('REJECTED by')) throw new Error(text.slice(0, 300));
          commands++;
        }
        calls++;
      } catch (err) {
        if (callErrors++ < 5) print(`soak: agent call failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000)); // a real agent backs off on errors
      }
      // An agent's pace (a few calls a second each): busy, not abusive (the immune system quarantines abuse).
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const loops = agents.map((c, i) => agentLoop(c, i));

  const samples: SoakResult['samples'] = [];
  const t0 = Date.now();
  const take = () => {
    const m = process.memoryUsage();
    const s = {
      t_s: Math.round((Date.now() - t0) / 1000),
      rss_mb: mb(m.rss),
      heap_mb: mb(m.heapUsed),
      lag_p99_ms: Math.round(lag.percentile(99) / 1e4) / 100,
      lag_max_ms: Math.round(lag.max / 1e4) / 100,
      calls,
      approvals: decided,
      readings: core.services.ingest.counters().stored,
    };
    lag.reset();
    samples.push(s);
    const states = core.services.governance.agents
      .list()
      .filter((a) => a.id.startsWith('soak-'))
      .map((a) => `${a.id}:${a.status}${a.statusReason ? `(${a.statusReason.slice(0, 60)})` : ''}`)
      .join(' ');
    print(
      `soak t=${s.t_s}s rss=${s.rss_mb}MB heap=${s.heap_mb}MB lag_p99=${s.lag_p99_ms}ms lag_max=${s.lag_max_ms}ms calls=${s.calls} commands=${commands} errors=${callErrors} approvals=${s.approvals} pending=${core.services.governance.listApprovals('pending').length} readings=${s.readings} agents=[${states}]`,
    );
  };
  while (Date.now() - t0 < durationMs) {
    await new Promise((r) => setTimeout(r, Math.min(sampleMs, durationMs - (Date.now() - t0))));
    take();
  }
  stop = true;
  await Promise.allSettled(loops);
  offApprovals();
  for (const c of agents) await c.close().catch(() => {});
  const readingsStored = core.services.ingest.counters().stored;
  await core.stop();
  lag.disable();
  fs.rmSync(dir, { recursive: true, force: true });

  const warm = Math.min(60_000, durationMs * 0.2) / 1000;
  const base = samples.find((s) => s.t_s >= warm) ?? samples[0];
  const tail = samples.slice(-3);
  const growth = (f: (s: (typeof samples)[number]) => number) => Math.round(((median(tail.map(f)) - f(base)) / f(base)) * 1000) / 10;
  return {
    minutes,
    samples,
    rss_growth_pct: growth((s) => s.rss_mb),
    heap_growth_pct: growth((s) => s.heap_mb),
    lag_p99_ms_max: Math.max(...samples.map((s) => s.lag_p99_ms)),
    calls,
    call_errors: callErrors,
    approvals_decided: decided,
    readings_stored: readingsStored,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '')) {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '3' } } });
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    process.stderr.write('soak: --minutes must be a positive number\n');
    process.exit(2);
  }
  const r = await soak(minutes);
  const { samples: _s, ...summary } = r;
  process.stdout.write(JSON.stringify(summary) + '\n');
  process.exit(0);
}
