// bench:tags --connector sparkplug — the tags of bench:tags at 1 Hz through the Sparkplug B connector,
// batched: a separate publisher process (a Sparkplug edge fleet built on sparkplug-payload) births its
// nodes and devices, then sends one DDATA per device per second carrying that device's metrics by alias
// (--per-message, default 100), in 100 ms slices, timestamped when sent. Core path: embedded broker →
// Sparkplug connector → ingest → tag store, detector, live cache, for --seconds (default 60). Reference,
// in the same run, as bench:tags has it: the same messages through bare aedes → one plain subscriber
// (decoding each payload) → SQLite inserts (one row per value, 100 ms transactions). Last line JSON.
//   npm run bench:tags -- --connector sparkplug [--tags 10000] [--per-message 100] [--seconds 60]
// --tags 100000 offers 100,000 values/s (the Sparkplug target).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { createCore, testConfig } from '../electron/core';
import { decodePayload, encodePayload, num, topicOf, type UMetric } from '../electron/core/connectors/sparkplug-map';
import { openDatabase } from '../electron/core/store';
import type { TimedReading } from '../shared/domain';
import { pct, takenSeconds, until } from './tags-common';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 60);
const PER_MESSAGE = arg('per-message', 100);
const DEVICES = Math.ceil(arg('tags', 10_000) / PER_MESSAGE);
const TAGS = DEVICES * PER_MESSAGE;
const DEVICES_PER_NODE = 10;
const GROUP = 'bench';
const nodeOf = (d: number) => `edge-${String(Math.floor(d / DEVICES_PER_NODE)).padStart(4, '0')}`;
const deviceOf = (d: number) => `rack-${String(d % DEVICES_PER_NODE).padStart(2, '0')}`;
const self = fileURLToPath(import.meta.url);

/**
 * The publisher: births every node and device, then waits for `go <start>` on stdin (the receiving side
 * has taken the births in), then DDATA per device per second from `start`. The births of 100,000 new tags
 * cost the core seconds of CPU once (the store's tag rows, the detector's per-device models); sent 1–2 s
 * before the data they made the first seconds of the run the lag's tail, a start-up transient that is not
 * the sustained rate this bench measures.
 */
async function publisher(url: string): Promise<void> {
  const pub = await mqtt.connectAsync(url, { clientId: `bench-sp-${process.pid}` });
  const seq = new Map<string, number>();
  const next = (node: string) => {
    const s = seq.get(node) ?? 0;
    seq.set(node, (s + 1) % 256);
    return s;
  };
  const born = Date.now();
  for (let d = 0; d < DEVICES; d++) {
    const node = nodeOf(d);
    if (d % DEVICES_PER_NODE === 0) {
      seq.set(node, 0);
      pub.publish(topicOf(GROUP, 'NBIRTH', node), encodePayload({ timestamp: born, seq: next(node), metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }] }));
    }
    const metrics: UMetric[] = Array.from({ length: PER_MESSAGE }, (_, k) => ({ name: `k${k}`, alias: k + 1, type: 'Double', value: 500 }));
    pub.publish(topicOf(GROUP, 'DBIRTH', node, deviceOf(d)), encodePayload({ timestamp: born, seq: next(node), metrics }));
  }
  const start = await new Promise<number>((resolve) => {
    let text = '';
    process.stdin.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /go (\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
  });
  const perSlice = Math.ceil(DEVICES / 10);
  for (let s = 0; s < SECONDS; s++)
    for (let k = 0; k < 10; k++) {
      const at = start + s * 1000 + k * 100;
      const wait = at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (let d = k * perSlice; d < Math.min(DEVICES, (k + 1) * perSlice); d++) {
        const node = nodeOf(d);
        const metrics: UMetric[] = Array.from({ length: PER_MESSAGE }, (_, i) => ({
          alias: i + 1,
          type: 'Double',
          value: +(500 * (1 + 0.01 * Math.sin(s / 7 + d + i))).toFixed(3),
        }));
        pub.publish(topicOf(GROUP, 'DDATA', node, deviceOf(d)), encodePayload({ timestamp: Date.now(), seq: next(node), metrics }), { qos: 0 });
      }
    }
  await pub.endAsync();
}

/** The bench's plant model: `devices` racks of `perMessage` tags, 10 per edge node, read through one Sparkplug connector. */
export function sparkplugModel(dir: string, devices = DEVICES, perMessage = PER_MESSAGE): string {
  const tags = Array.from({ length: perMessage }, (_, k) => `      k${k}: { range: [0, 1000], sampling_s: 1 }`);
  const lines = ['plant_model: 1', 'site: { id: bench-sp }', 'connectors:', `  - { id: sp, type: sparkplug-b, group: ${GROUP} }`];
  lines.push('asset_types:', '  rack:', '    tags:', ...tags, 'areas:', '  - id: bench', '    lines:');
  for (let d = 0; d < devices; d++) {
    if (d % DEVICES_PER_NODE === 0) lines.push(`      - id: ${nodeOf(d)}`, '        assets:');
    lines.push(`          - { id: ${deviceOf(d)}, type: rack }`);
  }
  const file = path.join(dir, 'bench-sparkplug.yaml');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Starts the publisher (its births go out at once); `go(start)` starts its data at `start`; `done` when it exits. */
function publish(url: string): { go(start: number): void; done: Promise<void> } {
  const args = ['--import', 'tsx', self, '--sp-publish', url, '--seconds', String(SECONDS), '--tags', String(TAGS)];
  const child = spawn(process.execPath, [...args, '--per-message', String(PER_MESSAGE)], { stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited with ${code}`)))),
  );
  return { go: (start) => child.stdin?.write(`go ${start}\n`), done };
}

/** Birth messages the publisher sends: an NBIRTH per node, a DBIRTH per device. */
const BIRTHS = DEVICES + Math.ceil(DEVICES / DEVICES_PER_NODE);

interface Run {
  values: number;
  secs: number;
  lags: number[];
  /** Lag per second of the run (by the value's timestamp): where a tail comes from (the start, a minute's turn). */
  bySecond: number[][];
  rssMb: number;
}

async function throughCore(dir: string): Promise<Run> {
  const core = createCore(
    testConfig(path.join(dir, 'core'), {
      plant: { model: sparkplugModel(dir), watch: false },
      simulator: { enabled: false },
      http: { enabled: false },
      governance: { watchPolicy: false },
      immune: { enabled: false },
    }),
  );
  await core.start();
  // Values count from `start`, set once the core has taken in the births.
  let start = Infinity;
  const lags: number[] = [];
  const bySecond: number[][] = [];
  let values = 0;
  let first = 0;
  let last = 0;
  core.bus.on('readings', (batch: TimedReading[]) => {
    const now = Date.now();
    for (const r of batch) {
      if (r.ts < start) continue; // the births
      if (!first) first = now;
      values += Object.keys(r.values).length;
      lags.push(now - r.ts);
      (bySecond[Math.floor((r.ts - start) / 1000)] ??= []).push(now - r.ts);
      last = now;
    }
  });
  let rss = 0;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 1000);
  const pub = publish(core.services.broker.url);
  const sp = () => core.services.ingest.connectors().find((x) => x.id === 'sp');
  await until(() => (sp()?.messages ?? 0) >= BIRTHS && core.services.ingest.counters().stored >= DEVICES, 120_000);
  start = Date.now() + 1000;
  pub.go(start);
  await pub.done;
  await until(() => values >= SECONDS * TAGS, 15_000);
  clearInterval(sampler);
  rss = Math.max(rss, process.memoryUsage().rss);
  const c = core.services.ingest.counters();
  console.log(
    `core: received ${c.received} messages, stored ${c.stored} readings, rejected ${c.rejected} ${JSON.stringify(c.rejectedByReason)}; connector ${JSON.stringify(sp() ?? null)}`,
  );
  await core.stop();
  return { values, secs: takenSeconds(first, last, SECONDS * 10), lags, bySecond, rssMb: rss / 1e6 };
}

async function reference(dir: string): Promise<Run> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const db = openDatabase(path.join(dir, 'reference.db'));
  db.exec('CREATE TABLE v (tag TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL)');
  const insert = db.prepare('INSERT INTO v (tag, ts, value) VALUES (?, ?, ?)');
  let births = 0;
  let pending: Array<[string, number, number]> = [];
  let pendingTs: number[] = [];
  const lags: number[] = [];
  let values = 0;
  let first = 0;
  let last = 0;
  const commit = db.transaction((rows: Array<[string, number, number]>) => {
    for (const r of rows) insert.run(...r);
  });
  const flush = () => {
    const rows = pending;
    const msgs = pendingTs;
    pending = [];
    pendingTs = [];
    commit(rows);
    const now = Date.now();
    values += rows.length;
    for (const ts of msgs) lags.push(now - ts);
    if (rows.length && !first) first = now;
    if (rows.length) last = now;
  };
  const timer = setInterval(flush, 100);
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
  sub.on('message', (topic, payload) => {
    if (!topic.includes('/DDATA/')) return void births++;
    const p = decodePayload(payload);
    const ts = num(p.timestamp) ?? 0;
    for (const m of p.metrics ?? []) pending.push([`${topic}/${num(m.alias)}`, ts, Number(m.value)]);
    pendingTs.push(ts);
  });
  await sub.subscribeAsync(`spBv1.0/${GROUP}/#`);
  const pub = publish(`mqtt://127.0.0.1:${port}`);
  await until(() => births >= BIRTHS, 120_000);
  pub.go(Date.now() + 1000);
  await pub.done;
  await until(() => values >= SECONDS * TAGS, 15_000);
  clearInterval(timer);
  flush();
  await sub.endAsync();
  await new Promise<void>((r) => aedes.close(() => r()));
  server.close();
  db.close();
  return { values, secs: takenSeconds(first, last, SECONDS * 10), lags, bySecond: [], rssMb: 0 };
}

// The publisher child runs this file itself.
if (process.argv.includes('--sp-publish')) {
  await publisher(process.argv[process.argv.indexOf('--sp-publish') + 1] ?? '');
  process.exit(0);
}

export async function benchSparkplug(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-bench-sp-'));
  try {
    const load = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    console.log(
      `${TAGS} tags (${DEVICES} Sparkplug devices × ${PER_MESSAGE} metrics, ${Math.ceil(DEVICES / DEVICES_PER_NODE)} edge nodes) at 1 Hz for ${SECONDS} s: ${TAGS} values/s offered in ${DEVICES} DDATA/s; load average ${load} on ${os.cpus().length} CPUs`,
    );
    const core = await throughCore(dir);
    const ref = await reference(dir);
    const coreRate = core.values / core.secs;
    const refRate = ref.values / ref.secs;
    const ratio = coreRate / refRate;
    const fmt = (n: number) => Math.round(n).toLocaleString('en');
    console.log(
      `core path:  ${fmt(coreRate)} values/s sustained (${fmt(core.values)} of ${fmt(SECONDS * TAGS)} values), lag p50 ${pct(core.lags, 50)} ms, p99 ${pct(core.lags, 99)} ms, RSS ${fmt(core.rssMb)} MB`,
    );
    console.log(
      `reference:  ${fmt(refRate)} values/s (${fmt(ref.values)} values; bare aedes → one subscriber decoding Sparkplug → SQLite inserts), lag p50 ${pct(ref.lags, 50)} ms, p99 ${pct(ref.lags, 99)} ms`,
    );
    console.log(`core lag p99 per second of the run (ms): ${Array.from(core.bySecond, (l) => (l ? pct(l, 99) : '-')).join(' ')}`);
    console.log(`ratio:      ${ratio.toFixed(2)} (targets: ≥ 100,000 values/s batched at --tags 100000, lag p99 < 1000 ms)`);
    console.log(
      JSON.stringify({
        connector: 'sparkplug',
        tags: TAGS,
        values_per_s: Math.round(coreRate),
        lag_p99_ms: pct(core.lags, 99),
        rss_mb: Math.round(core.rssMb),
        ratio: Number(ratio.toFixed(3)),
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
