// bench:tags --connector opcua — the same 10,000 tags at 1 Hz (2,000 assets of the demo's types × 5 tags)
// served by a real node-opcua server in a child process (tests/opcua-server.ts, one AnalogItem per tag,
// every value set once a second with its source timestamp), read by the core's OPC UA connector
// (SignAndEncrypt, the server's certificate trusted through connectors.trust) into the store, the
// detector and the live cache, for --seconds (default 60). Then, in the same run, the same server read
// by a bare node-opcua client (same subscription settings) → SQLite inserts as the reference.
// Lag is arrival on the bus minus the value's source timestamp. Last line: one JSON object.
//   node --import tsx bench/tags.ts --connector opcua [--seconds 60] [--assets 2000] [--security None]
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AttributeIds,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  setErrorLogger,
  setWarningLogger,
  TimestampsToReturn,
  type DataValue,
} from 'node-opcua';
import { createCore, testConfig } from '../electron/core';
import { opcUaItems, planSubscriptions } from '../electron/core/connectors/opcua-map';
import { readServerLimits } from '../electron/core/connectors/opcua-client';
import { bindTags } from '../electron/core/connectors';
import { openDatabase } from '../electron/core/store';
import type { OpcUaSettings } from '../shared/schemas/connectors-opcua';
import type { TimedReading } from '../shared/domain';
import { freePort } from '../tests/helpers';
import { demoPlantOverOpcUa, modelOf, startPlantServer } from '../tests/opcua-server';
import { pct, sleep, takenSeconds } from './tags-common';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const SECONDS = Number(arg('seconds', '60'));
const ASSETS = Number(arg('assets', '2000'));
const SECURITY = arg('security', 'SignAndEncrypt') as OpcUaSettings['security_mode'];
const SENSORS = 5;
const TAGS = ASSETS * SENSORS;
const quiet = () => undefined;

/** The demo's asset types sampled every second, ASSETS assets, read from an OPC UA server at the endpoint. */
function writeModel(dir: string, port: number): string {
  const file = path.join(dir, 'bench-opcua-plant.yaml');
  const connector = `  - { id: bench-opc, type: opc-ua, endpoint: 'opc.tcp://127.0.0.1:${port}', security_mode: ${SECURITY}, publishing_interval_ms: 250 }`;
  fs.writeFileSync(file, demoPlantOverOpcUa(ASSETS, connector));
  return file;
}

// ---- the server (a child process: its event loop is not the core's) ----
if (process.argv.includes('--serve')) {
  setWarningLogger(quiet);
  const model = modelOf(fs.readFileSync(arg('serve', ''), 'utf8'));
  const server = await startPlantServer({ model: model.model, port: Number(arg('port', '0')), pkiDir: arg('pki', ''), tickMs: 100 });
  process.stdout.write('ready\n');
  // What the server offers: the changes its generator made so far, every second, for the parent to print.
  setInterval(() => process.stdout.write(`generated ${Date.now()} ${server.generated()}\n`), 1000);
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

interface Run {
  values: number;
  secs: number;
  lags: number[];
  rssMb: number;
  /** The measured window (source timestamps). */
  from: number;
  to: number;
}

/** The server's generated-changes counter over time: [when, changes so far]. */
const generated: Array<[number, number]> = [];
/** Changes per second the server made between two moments (the counter's samples nearest inside them). */
const offered = (from: number, to: number): number => {
  const inside = generated.filter(([t]) => t >= from && t <= to);
  const a = inside[0];
  const b = inside[inside.length - 1];
  return a && b && b[0] > a[0] ? ((b[1] - a[1]) * 1000) / (b[0] - a[0]) : NaN;
};

function serve(model: string, port: number, pki: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', model, '--port', String(port), '--pki', pki], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const text = d.toString();
      for (const [, at, n] of text.matchAll(/generated (\d+) (\d+)/g)) generated.push([Number(at), Number(n)]);
      if (text.includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the OPC UA server exited with ${code}`)));
  });
}

async function throughCore(dir: string, model: string): Promise<Run> {
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
  const status = () => core.services.ingest.connectors()[0];
  if (SECURITY !== 'None') {
    while (!status()?.untrusted) await sleep(100);
    const r = await core.api.call(
      'connectors.trust',
      { connector: 'bench-opc', thumbprint: status()?.untrusted?.thumbprint ?? '' },
      {
        operator: { id: 'bench', name: 'bench', roles: ['admin'] },
        via: 'internal',
      },
    );
    if (!r.ok) throw new Error(r.error.message);
  }
  const deadline = Date.now() + 120_000;
  while (status()?.state !== 'connected') {
    if (Date.now() > deadline) throw new Error(`the connector did not connect in 120 s: ${JSON.stringify(status())}`);
    await sleep(100);
  }
  // Counted from the first full second after every monitored item exists.
  await sleep(1500);
  const from = Math.ceil(Date.now() / 1000) * 1000;
  const to = from + SECONDS * 1000;
  const lags: number[] = [];
  let values = 0;
  let first = 0;
  let last = 0;
  core.bus.on('readings', (batch: TimedReading[]) => {
    const now = Date.now();
    for (const r of batch) {
      if (r.ts < from || r.ts >= to) continue;
      if (!first) first = now;
      last = now;
      values += Object.keys(r.values).length;
      lags.push(now - r.ts);
    }
  });
  let rss = 0;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 1000);
  while (Date.now() < to + 3000) await sleep(200);
  clearInterval(sampler);
  const c = core.services.ingest.counters();
  console.log(`core: ${status()?.values} values through the connector, stored ${c.stored} readings, rejected ${c.rejected}; errors ${status()?.errors}`);
  await core.stop();
  return { values, secs: takenSeconds(first, last, SECONDS), lags, rssMb: rss / 1e6, from, to };
}

/** A bare node-opcua client with the same subscription settings → SQLite inserts every 100 ms. */
async function reference(dir: string, model: string, port: number): Promise<Run> {
  const m = modelOf(fs.readFileSync(model, 'utf8'));
  const settings = m.connectors[0];
  if (settings?.type !== 'opc-ua') throw new Error('no opc-ua connector');
  const items = opcUaItems(settings, bindTags(m.model, settings.id));
  const cm = new OPCUACertificateManager({ rootFolder: path.join(dir, 'ref-pki'), automaticallyAcceptUnknownCertificate: true });
  await cm.initialize();
  const client = OPCUAClient.create({
    applicationName: 'bench-reference',
    clientCertificateManager: cm,
    endpointMustExist: false,
    securityMode: MessageSecurityMode[SECURITY],
    securityPolicy: SECURITY === 'None' ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256,
  });
  await client.connect(`opc.tcp://127.0.0.1:${port}`);
  const session = await client.createSession();
  const db = openDatabase(path.join(dir, 'reference.db'));
  db.exec('CREATE TABLE v (tag TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL)');
  const insert = db.prepare('INSERT INTO v (tag, ts, value) VALUES (?, ?, ?)');
  const commit = db.transaction((rows: Array<[string, number, number]>) => {
    for (const r of rows) insert.run(...r);
  });
  let pending: Array<[string, number, number]> = [];
  const lags: number[] = [];
  let values = 0;
  let first = 0;
  let last = 0;
  let from = Infinity;
  let to = Infinity;
  const flush = () => {
    const rows = pending;
    pending = [];
    commit(rows);
    const now = Date.now();
    for (const [, ts] of rows) {
      if (ts < from || ts >= to) continue;
      if (!first) first = now;
      last = now;
      values++;
      lags.push(now - ts);
    }
  };
  const timer = setInterval(flush, 100);
  // As the connector does: subscriptions of 1,000 items within the server's limits, one call per monitoring group.
  const plan = planSubscriptions(items, await readServerLimits(session), 1000);
  if (plan.left.length) throw new Error(`the server has room for ${items.length - plan.left.length} of ${items.length} monitored items`);
  for (const calls of plan.subscriptions) {
    const sub = await session.createSubscription2({
      requestedPublishingInterval: settings.publishing_interval_ms,
      requestedMaxKeepAliveCount: 20,
      requestedLifetimeCount: 120,
      publishingEnabled: true,
    });
    for (const call of calls) {
      const g = await sub.monitorItems(
        call.map((i) => ({ nodeId: i.nodeId, attributeId: AttributeIds.Value })),
        { samplingInterval: call[0]?.samplingMs ?? 1000, queueSize: 2, discardOldest: true },
        TimestampsToReturn.Both,
      );
      g.on('changed', (_mi, dv: DataValue, i) => {
        const v = dv.value.value;
        if (typeof v === 'number') pending.push([call[i]?.tag ?? '', dv.sourceTimestamp?.getTime() ?? Date.now(), v]);
      });
    }
  }
  await sleep(1500);
  from = Math.ceil(Date.now() / 1000) * 1000;
  to = from + SECONDS * 1000;
  while (Date.now() < to + 3000) await sleep(200);
  clearInterval(timer);
  flush();
  await client.disconnect();
  await cm.dispose();
  db.close();
  return { values, secs: takenSeconds(first, last, SECONDS), lags, rssMb: 0, from, to };
}

export async function benchOpcUa(): Promise<void> {
  setWarningLogger(quiet);
  setErrorLogger(quiet);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-bench-opcua-'));
  let server: ChildProcess | null = null;
  try {
    const port = await freePort();
    const model = writeModel(dir, port);
    console.log(
      `${TAGS} tags (${ASSETS} assets × ${SENSORS}) at 1 Hz over OPC UA (${SECURITY}) for ${SECONDS} s; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} CPUs`,
    );
    server = await serve(model, port, path.join(dir, 'server-pki'));
    const core = await throughCore(dir, model);
    const ref = await reference(dir, model, port);
    const coreRate = core.values / core.secs;
    const refRate = ref.values / ref.secs;
    const ratio = coreRate / refRate;
    const fmt = (n: number) => Math.round(n).toLocaleString('en');
    console.log(
      `core path:  ${fmt(coreRate)} values/s sustained (${fmt(core.values)} values), lag p50 ${pct(core.lags, 50)} ms, p99 ${pct(core.lags, 99)} ms, RSS ${fmt(core.rssMb)} MB`,
    );
    console.log(
      `reference:  ${fmt(refRate)} values/s (${fmt(ref.values)} values; bare node-opcua client → SQLite inserts), lag p50 ${pct(ref.lags, 50)} ms, p99 ${pct(ref.lags, 99)} ms`,
    );
    console.log(`server:     offered ${fmt(offered(core.from, core.to))} changes/s in the core's window, ${fmt(offered(ref.from, ref.to))} in the reference's`);
    console.log(`ratio:      ${ratio.toFixed(2)} (targets: ≥ 10,000 values/s, lag p99 < 1000 ms)`);
    console.log(
      JSON.stringify({
        connector: 'opcua',
        tags: TAGS,
        values_per_s: Math.round(coreRate),
        lag_p99_ms: pct(core.lags, 99),
        rss_mb: Math.round(core.rssMb),
        ratio: Number(ratio.toFixed(3)),
      }),
    );
  } finally {
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
