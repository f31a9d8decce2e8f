// bench:tags — one generated plant model of 10,000 tags at 1 Hz, published over MQTT JSON by a
// separate publisher process (one message per asset per second, in 100 ms slices), through the core's
// path for --seconds (default 60): embedded broker → ingest → tag store, detector, live cache. Then,
// in the same run, the same messages through bare aedes → one plain subscriber → SQLite inserts (one
// row per value, 100 ms transactions) as the reference. Prints sustained values/s, ingest lag p50/p99
// (publish → stored and on the bus), RSS, and the ratio to the reference; the last line is JSON.
//
// The model is 2,000 assets of the demo's types × 5 tags = 10,000 tags, bound through the demo's MQTT JSON
// connector (its preset: aegisflow/sensors/<device>, one flat JSON message per asset). Usage:
//   node --import tsx bench/tags.ts [--seconds 60] [--assets 2000]
//   node --import tsx bench/tags.ts --connector sparkplug [--tags 10000] [--per-message 100] (bench/tags-sparkplug.ts)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { createCore, testConfig } from '../electron/core';
import { openDatabase } from '../electron/core/store';
import type { TimedReading } from '../shared/domain';
import { pct, takenSeconds, until } from './tags-common';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 60);
const ASSETS = arg('assets', 2000);
const SENSORS = ['temperature', 'pressure', 'vibration', 'humidity', 'power'] as const;
const TAGS = ASSETS * SENSORS.length;
const LINE_SIZE = 20;
const TYPES = ['compressor', 'motor', 'pump'] as const;
const here = path.dirname(fileURLToPath(import.meta.url));
const deviceId = (a: number) =>
  `line-${String(Math.floor(a / LINE_SIZE) + 1).padStart(3, '0')}/${TYPES[a % 3]}-${String((a % LINE_SIZE) + 1).padStart(2, '0')}`;

// --connector sparkplug | opcua: the same tags through that connector (bench/tags-sparkplug.ts,
// bench/tags-opcua.ts); the default run (MQTT JSON) is below.
const connector = process.argv.includes('--connector') ? process.argv[process.argv.indexOf('--connector') + 1] : 'mqtt-json';
if (connector === 'sparkplug') {
  await (await import('./tags-sparkplug')).benchSparkplug();
  process.exit(0);
}
if (connector === 'opcua') {
  await (await import('./tags-opcua')).benchOpcUa();
  process.exit(0);
}

// ---- the publisher (a child process: its CPU is not the core's) ----
if (process.argv.includes('--publish')) {
  const url = process.argv[process.argv.indexOf('--publish') + 1];
  const start = Number(process.argv[process.argv.indexOf('--start') + 1]);
  const pub = await mqtt.connectAsync(url, { clientId: `bench-pub-${process.pid}` });
  const base = { temperature: 80, pressure: 110, vibration: 2.8, humidity: 50, power: 25 };
  const perSlice = Math.ceil(ASSETS / 10);
  for (let s = 0; s < SECONDS; s++)
    for (let k = 0; k < 10; k++) {
      const at = start + s * 1000 + k * 100;
      const wait = at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (let a = k * perSlice; a < Math.min(ASSETS, (k + 1) * perSlice); a++) {
        const d = deviceId(a);
        const body: Record<string, string | number> = { device_id: d, timestamp: new Date().toISOString() };
        for (const [i, key] of SENSORS.entries()) body[key] = +(base[key] * (1 + 0.01 * Math.sin(s / 7 + a + i))).toFixed(3);
        pub.publish(`aegisflow/sensors/${d}`, JSON.stringify(body), { qos: 0 });
      }
    }
  await pub.endAsync();
  process.exit(0);
}

/** A plant model of ASSETS assets of the demo's types: the demo's connector and asset types, generated areas. */
function writeModel(dir: string): string {
  const demo = fs.readFileSync(path.join(here, '..', 'resources', 'plants', 'demo.yaml'), 'utf8');
  // The demo's types sampled every second (the bench publishes at 1 Hz).
  const head = demo
    .slice(0, demo.indexOf('\nareas:'))
    .replace(/^\s*manual:.*$/gm, '')
    .replace(/sampling_s: \d+/g, 'sampling_s: 1');
  const lines: string[] = ['', 'areas:', '  - id: bench', '    name: Bench area', '    lines:'];
  for (let a = 0; a < ASSETS; a++) {
    const [line, asset] = deviceId(a).split('/');
    if (a % LINE_SIZE === 0) lines.push(`      - id: ${line}`, '        assets:');
    lines.push(`          - { id: ${asset}, type: ${TYPES[a % 3]} }`);
  }
  const file = path.join(dir, 'bench-plant.yaml');
  fs.writeFileSync(file, head + lines.join('\n') + '\n');
  return file;
}

interface Run {
  values: number;
  secs: number;
  lags: number[];
  /** Lags of readings published in the first 2 s of a minute (when the store packs every tag's minute). */
  turnLags: number[];
  rssMb: number;
}

/** Starts the publisher against url and resolves when it exits. */
function publish(url: string, start: number): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--publish', url, '--start', String(start), '--seconds', String(SECONDS), '--assets', String(ASSETS)],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited with ${code}`)))));
}

async function throughCore(dir: string): Promise<Run> {
  const model = writeModel(dir);
  const core = createCore(
    testConfig(path.join(dir, 'core'), {
      plant: { model, watch: false },
      simulator: { enabled: false },
      http: { enabled: false },
      governance: { watchPolicy: false },
      immune: { enabled: false },
    }),
  );
  await core.start();
  const lags: number[] = [];
  const turnLags: number[] = [];
  let values = 0;
  let first = 0;
  let last = 0;
  core.bus.on('readings', (batch: TimedReading[]) => {
    const now = Date.now();
    if (!first && batch.length) first = now;
    for (const r of batch) {
      values += Object.keys(r.values).length;
      lags.push(now - r.ts);
      if (r.ts % 60_000 < 2000) turnLags.push(now - r.ts);
    }
    last = now;
  });
  let rss = 0;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 1000);
  const start = Date.now() + 1500;
  await publish(core.services.broker.url, start);
  const expected = SECONDS * TAGS;
  await until(() => values >= expected, 10_000);
  clearInterval(sampler);
  rss = Math.max(rss, process.memoryUsage().rss);
  const c = core.services.ingest.counters();
  const stored = core.services.readings.count();
  console.log(
    `core: received ${c.received} messages, stored ${c.stored} readings (${stored} in the store), rejected ${c.rejected} ${JSON.stringify(c.rejectedByReason)}; ${core.services.detection ? 'detector on' : 'no detector'}`,
  );
  await core.stop();
  return { values, secs: takenSeconds(first, last, SECONDS * 10), lags, turnLags, rssMb: rss / 1e6 };
}

async function reference(dir: string): Promise<Run> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const db = openDatabase(path.join(dir, 'reference.db'));
  db.exec('CREATE TABLE v (tag TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL)');
  const insert = db.prepare('INSERT INTO v (tag, ts, value) VALUES (?, ?, ?)');
  let pending: Array<[string, number, number]> = [];
  let pendingTs: number[] = [];
  const lags: number[] = [];
  const turnLags: number[] = [];
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
    for (const ts of msgs) {
      lags.push(now - ts);
      if (ts % 60_000 < 2000) turnLags.push(now - ts);
    }
    if (rows.length && !first) first = now;
    if (rows.length) last = now;
  };
  const timer = setInterval(flush, 100);
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
  sub.on('message', (_topic, payload) => {
    const m = JSON.parse(payload.toString()) as Record<string, string | number>;
    const ts = Date.parse(String(m.timestamp));
    for (const k of SENSORS) pending.push([`${m.device_id}/${k}`, ts, Number(m[k])]);
    pendingTs.push(ts);
  });
  await sub.subscribeAsync('aegisflow/sensors/#');
  const start = Date.now() + 1500;
  await publish(`mqtt://127.0.0.1:${port}`, start);
  await until(() => values >= SECONDS * TAGS, 10_000);
  clearInterval(timer);
  flush();
  await sub.endAsync();
  await new Promise<void>((r) => aedes.close(() => r()));
  server.close();
  db.close();
  return { values, secs: takenSeconds(first, last, SECONDS * 10), lags, turnLags, rssMb: 0 };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-bench-tags-'));
try {
  console.log(
    `${TAGS} tags (${ASSETS} assets × ${SENSORS.length}) at 1 Hz for ${SECONDS} s; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs`,
  );
  const core = await throughCore(dir);
  const ref = await reference(dir);
  const coreRate = core.values / core.secs;
  const refRate = ref.values / ref.secs;
  const ratio = coreRate / refRate;
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  console.log(
    `core path:  ${fmt(coreRate)} values/s sustained (${fmt(core.values)} values), lag p50 ${pct(core.lags, 50)} ms, p99 ${pct(core.lags, 99)} ms, RSS ${fmt(core.rssMb)} MB`,
  );
  console.log(
    `reference:  ${fmt(refRate)} values/s (${fmt(ref.values)} values; bare aedes → one subscriber → SQLite inserts), lag p50 ${pct(ref.lags, 50)} ms, p99 ${pct(ref.lags, 99)} ms`,
  );
  console.log(
    `lag p99 of readings published in the first 2 s of a minute (the store packs each tag's minute then): core ${pct(core.turnLags, 99)} ms, reference ${pct(ref.turnLags, 99)} ms`,
  );
  console.log(`ratio:      ${ratio.toFixed(2)} (targets: ≥ 10,000 values/s, lag p99 < 1000 ms, ratio ≥ 0.5)`);
  console.log(
    JSON.stringify({
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
