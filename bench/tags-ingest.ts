// bench:tags, the core's side alone: the CPU time per value from a Sparkplug DDATA message to its values
// stored and on the bus (connector decode, ingest, the tag store, the detector, the live cache), fed
// straight into ingest (no broker, no publisher: the figure is the core's own cost, comparable between
// runs on a loaded machine because it is CPU time, not wall time). 1,000 devices × 100 metrics by
// default, --seconds of data fed second by second, flushed every 100 ms worth as ingest would.
//   node --import tsx bench/tags-ingest.ts [--tags 100000] [--per-message 100] [--seconds 20]
// Last line JSON: cpu_us_per_value (the whole path), flush_us_per_value (ingest's flush: store, live cache, bus
// listeners), store_us_per_value (the store's insertBatch alone).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, testConfig } from '../electron/core';
import { encodePayload, topicOf, type UMetric } from '../electron/core/connectors/sparkplug-map';
import type { TimedReading } from '../shared/domain';
import { sparkplugModel } from './tags-sparkplug';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 20);
const PER_MESSAGE = arg('per-message', 100);
const DEVICES = Math.ceil(arg('tags', 100_000) / PER_MESSAGE);
const DEVICES_PER_NODE = 10;
const GROUP = 'bench';
const nodeOf = (d: number) => `edge-${String(Math.floor(d / DEVICES_PER_NODE)).padStart(4, '0')}`;
const deviceOf = (d: number) => `rack-${String(d % DEVICES_PER_NODE).padStart(2, '0')}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-bench-ingest-'));
try {
  const core = createCore(
    testConfig(path.join(dir, 'core'), {
      plant: { model: sparkplugModel(dir, DEVICES, PER_MESSAGE), watch: false },
      simulator: { enabled: false },
      http: { enabled: false },
      governance: { watchPolicy: false },
      immune: { enabled: false },
    }),
  );
  await core.start();
  const ingest = core.services.ingest;
  // The store's share of the flush: its insertBatch timed where ingest calls it.
  const repo = core.services.readings;
  const insertBatch = repo.insertBatch.bind(repo);
  let storeUs = 0;
  repo.insertBatch = (rows) => {
    const c0 = process.cpuUsage();
    const n = insertBatch(rows);
    const c = process.cpuUsage(c0);
    storeUs += c.user + c.system;
    return n;
  };
  let values = 0;
  core.bus.on('readings', (batch: TimedReading[]) => {
    for (const r of batch) for (const _ in r.values) values++;
  });
  // Data stamped in the recent past (inside ingest's window), one second of plant time per fed second; a
  // minute's turn (every tag's minute closes) halfway through.
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 180_000 - Math.floor(SECONDS / 2) * 1000;
  const seq = new Map<string, number>();
  const next = (node: string) => {
    const s = seq.get(node) ?? 0;
    seq.set(node, (s + 1) % 256);
    return s;
  };
  const births0 = process.cpuUsage();
  for (let d = 0; d < DEVICES; d++) {
    const node = nodeOf(d);
    if (d % DEVICES_PER_NODE === 0)
      ingest.accept(
        topicOf(GROUP, 'NBIRTH', node),
        encodePayload({ timestamp: t0 - 1000, seq: next(node), metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }] }),
      );
    const metrics: UMetric[] = Array.from({ length: PER_MESSAGE }, (_, k) => ({ name: `k${k}`, alias: k + 1, type: 'Double', value: 500 }));
    ingest.accept(topicOf(GROUP, 'DBIRTH', node, deviceOf(d)), encodePayload({ timestamp: t0 - 1000, seq: next(node), metrics }));
  }
  ingest.flush();
  const births = process.cpuUsage(births0);
  const birthsStoreUs = storeUs;
  values = 0;
  storeUs = 0;
  // Encoded before timing: the publisher's work is not the core's.
  const encoded: Array<Array<[string, Buffer]>> = [];
  for (let s = 0; s < SECONDS; s++) {
    const second: Array<[string, Buffer]> = [];
    for (let d = 0; d < DEVICES; d++) {
      const node = nodeOf(d);
      const metrics: UMetric[] = Array.from({ length: PER_MESSAGE }, (_, i) => ({
        alias: i + 1,
        type: 'Double',
        value: +(500 * (1 + 0.01 * Math.sin(s / 7 + d + i))).toFixed(3),
      }));
      second.push([topicOf(GROUP, 'DDATA', node, deviceOf(d)), encodePayload({ timestamp: t0 + s * 1000, seq: next(node), metrics })]);
    }
    encoded.push(second);
  }
  const perSlice = Math.ceil(DEVICES / 10);
  let flushUs = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (const second of encoded)
    for (let k = 0; k < 10; k++) {
      for (const [topic, payload] of second.slice(k * perSlice, (k + 1) * perSlice)) ingest.accept(topic, payload);
      const f0 = process.cpuUsage();
      ingest.flush();
      const f = process.cpuUsage(f0);
      flushUs += f.user + f.system;
      // Let timers and the bus's async listeners run between slices, as the event loop would.
      await new Promise((r) => setImmediate(r));
    }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  const rssMb = process.memoryUsage().rss / 1e6;
  const c = ingest.counters();
  console.log(
    `fed ${SECONDS} s of ${DEVICES} devices × ${PER_MESSAGE} metrics; ${values} values on the bus, stored ${c.stored} readings; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await core.stop();
  console.log(
    JSON.stringify({
      values,
      cpu_us_per_value: Number(((cpu.user + cpu.system) / values).toFixed(2)),
      flush_us_per_value: Number((flushUs / values).toFixed(2)),
      store_us_per_value: Number((storeUs / values).toFixed(2)),
      wall_us_per_value: Number(((wallMs * 1000) / values).toFixed(2)),
      rss_mb: Math.round(rssMb),
      births_cpu_ms: Math.round((births.user + births.system) / 1000),
      births_store_ms: Math.round(birthsStoreUs / 1000),
    }),
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
