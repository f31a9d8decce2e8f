// bench:tags --connector opcua — the same 10,000 tags at 1 Hz (2,000 assets of the demo's types × 5 tags)
// served by a real node-opcua server in a child process (tests/opcua-server.ts, one AnalogItem per tag,
// every value set once a second with its source timestamp, the tags' turns spread over the second in ten
// slices, ticks planned on the clock's 100 ms), read by the core's OPC UA connector (SignAndEncrypt, the
// server's certificate trusted through connectors.trust) into the store, the detector and the live cache,
// for --seconds (default 60). Then, in the same run, the same server read by a bare node-opcua client (same
// subscription plan) → SQLite inserts as the reference. Both are measured the same way (Window below): the
// values stamped in the window, stored by its end + 3 s, per second of the window, beside what the server
// offered in it (counted by the server per second of stamp). Lag is arrival on the bus (core) or commit
// (reference) minus the value's source timestamp. --assets above 2,000 offers more than 10,000 values/s:
// what the connector sustains beyond the issue's 10,000. Last line: one JSON object.
//   node --import tsx bench/tags.ts --connector opcua [--seconds 60] [--assets 2000] [--security None]
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
import { readServerLimits } from '../electron/core/connectors/opcua-limits';
import { bindTags } from '../electron/core/connectors';
import { openDatabase } from '../electron/core/store';
import type { OpcUaSettings } from '../shared/schemas/connectors-opcua';
import type { TimedReading } from '../shared/domain';
import { freePort } from '../tests/helpers';
import { demoPlantOverOpcUa, modelOf, startPlantServer } from '../tests/opcua-server';
import { pct, sleep } from './tags-common';

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
  // What the server offers, per second of the changes' stamp, written once the second is over: its changes,
  // how late its latest tick fired at most (ticks are planned on multiples of 100 ms), and the CPU it used (ms).
  let second = 0;
  let changes = 0;
  let late = 0;
  let cpu = process.cpuUsage();
  const onTick = (at: number, n: number, lateMs: number) => {
    const s = Math.floor(at / 1000);
    if (s !== second) {
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      if (second) process.stdout.write(`generated ${second} ${changes} ${late} ${Math.round((used.user + used.system) / 1000)}\n`);
      [second, changes, late] = [s, 0, 0];
    }
    changes += n;
    late = Math.max(late, lateMs);
  };
  const server = await startPlantServer({ model: model.model, port: Number(arg('port', '0')), pkiDir: arg('pki', ''), tickMs: 100, stagger: true, onTick });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

/** How long after the window's end a value stamped in it may still be stored and count. */
const DRAIN_MS = 3000;

/**
 * The measured window, the same for the core and the reference: the values stamped (source timestamp) in
 * SECONDS whole seconds, counted when stored by the window's end + DRAIN_MS. The server stamps each change when
 * it makes it and counts its changes per second of stamp, so the values offered in the window are known
 * exactly and the rate is values stored / SECONDS: no arrival-time span to scale, no noise from where the
 * window's first and last publish responses fall. A path that falls behind stores fewer by then (and shows lag).
 */
class Window {
  readonly lags: number[] = [];
  values = 0;
  late = 0;
  /** Values that arrived between from and to (whatever their stamp), and this process's CPU time (µs) meanwhile. */
  arrived = 0;
  cpuUs = 0;
  private cpuAt: NodeJS.CpuUsage | null = null;
  /**
   * How late this process's event loop ran in the window (ms): a long synchronous task (a big commit, a
   * detector batch) delays the handling of the publish responses queued behind it, and shows up as lag.
   */
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  constructor(
    readonly from: number,
    readonly to = from + SECONDS * 1000,
  ) {
    setTimeout(() => {
      this.cpuAt = process.cpuUsage();
      this.loop.enable();
    }, from - Date.now());
    setTimeout(() => {
      const used = process.cpuUsage(this.cpuAt ?? undefined);
      this.loop.disable();
      this.cpuUs = used.user + used.system;
      this.cpuAt = null;
    }, this.to - Date.now());
  }
  /** The event loop's delay in the window (ms) at percentile p (100: the longest). */
  loopDelayMs(p: number): number {
    return Math.round((p >= 100 ? this.loop.max : this.loop.percentile(p)) / 1e6);
  }
  /** CPU time per value taken in (µs): what one value costs this process, whatever else runs on the machine. */
  get usPerValue(): number {
    return this.cpuUs / Math.max(this.arrived, 1);
  }
  take(ts: number, now: number, n = 1): void {
    if (this.cpuAt) this.arrived += n;
    if (ts < this.from || ts >= this.to) return;
    if (now > this.to + DRAIN_MS) {
      this.late += n;
      return;
    }
    this.values += n;
    for (let i = 0; i < n; i++) this.lags.push(now - ts);
  }
  /** Counted from the first full second from now. */
  static next(): Window {
    return new Window(Math.ceil(Date.now() / 1000) * 1000);
  }
  async drained(): Promise<void> {
    while (Date.now() <= this.to + DRAIN_MS) await sleep(100);
  }
}

interface Run {
  window: Window;
  rssMb: number;
}

/** The server, per second of its changes' stamp (epoch second →): changes, its ticks' worst lateness (ms), CPU used (ms). */
const generated = new Map<number, { changes: number; late: number; cpu: number }>();
const seconds = (w: Window) => Array.from({ length: SECONDS }, (_, i) => generated.get(w.from / 1000 + i));
/** The changes the server stamped in the window. */
const offered = (w: Window): number => seconds(w).reduce((n, g) => n + (g?.changes ?? 0), 0);
/** How the server fared in the window: its ticks' worst lateness and its CPU (share of one core). */
const serverLoad = (w: Window): string => {
  const s = seconds(w);
  const cpu = s.reduce((n, g) => n + (g?.cpu ?? 0), 0) / (SECONDS * 10);
  return `ticks up to ${Math.max(...s.map((g) => g?.late ?? 0))} ms late, CPU ${cpu.toFixed(0)} % of a core`;
};

function serve(model: string, port: number, pki: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', model, '--port', String(port), '--pki', pki], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let rest = '';
    child.stdout?.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^generated (\d+) (\d+) (\d+) (\d+)$/.exec(line);
        if (m) generated.set(Number(m[1]), { changes: Number(m[2]), late: Number(m[3]), cpu: Number(m[4]) });
        else if (line === 'ready') resolve(child);
      }
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
  const w = Window.next();
  core.bus.on('readings', (batch: TimedReading[]) => {
    const now = Date.now();
    for (const r of batch) w.take(r.ts, now, Object.keys(r.values).length);
  });
  let rss = 0;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 1000);
  await w.drained();
  clearInterval(sampler);
  const c = core.services.ingest.counters();
  console.log(`core: ${status()?.values} values through the connector, stored ${c.stored} readings, rejected ${c.rejected}; errors ${status()?.errors}`);
  await core.stop();
  return { window: w, rssMb: rss / 1e6 };
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
  let w: Window | null = null;
  const flush = () => {
    const rows = pending;
    pending = [];
    commit(rows);
    const now = Date.now();
    if (w) for (const [, ts] of rows) w.take(ts, now);
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
  const window = (w = Window.next());
  await window.drained();
  clearInterval(timer);
  await client.disconnect();
  await cm.dispose();
  db.close();
  return { window, rssMb: 0 };
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
    const c = core.window;
    const r = ref.window;
    const coreRate = c.values / SECONDS;
    const refRate = r.values / SECONDS;
    // Each path against what the server offered it: the server is a process on the same CPUs and offers less
    // while starved, so the two windows' offers differ (not so the MQTT JSON bench's publisher, same messages).
    const share = (x: Window) => x.values / Math.max(offered(x), 1);
    const ratio = share(c) / share(r);
    const fmt = (n: number) => Math.round(n).toLocaleString('en');
    const taken = (x: Window) =>
      `${fmt(x.values)} of ${fmt(offered(x))} offered values stamped in the window, by its end + ${DRAIN_MS / 1000} s${x.late ? `; ${fmt(x.late)} later` : ''}`;
    console.log(
      `core path:  ${fmt(coreRate)} values/s stored of ${fmt(offered(c) / SECONDS)} offered (${taken(c)}), lag p50 ${pct(c.lags, 50)} ms, p99 ${pct(c.lags, 99)} ms, RSS ${fmt(core.rssMb)} MB`,
    );
    console.log(
      `reference:  ${fmt(refRate)} values/s stored of ${fmt(offered(r) / SECONDS)} offered (${taken(r)}; bare node-opcua client → SQLite inserts), lag p50 ${pct(r.lags, 50)} ms, p99 ${pct(r.lags, 99)} ms`,
    );
    const cost = (x: Window) => `${x.usPerValue.toFixed(1)} µs CPU a value (${fmt(1e6 / x.usPerValue)} values/s on one core)`;
    console.log(`CPU:        core process ${cost(c)}; reference ${cost(r)}`);
    const loop = (x: Window) => `p50 ${x.loopDelayMs(50)} ms, p99 ${x.loopDelayMs(99)} ms, max ${x.loopDelayMs(100)} ms`;
    console.log(`event loop: delay in the core's window ${loop(c)}; in the reference's ${loop(r)}`);
    console.log(`server:     in the core's window ${serverLoad(c)}; in the reference's ${serverLoad(r)}`);
    console.log(
      `ratio:      ${ratio.toFixed(3)}: the core stored ${(share(c) * 100).toFixed(1)} % of what it was offered, the reference ${(share(r) * 100).toFixed(1)} % (rates ${(coreRate / refRate).toFixed(3)}); targets: ≥ 10,000 values/s, lag p99 < 1000 ms`,
    );
    console.log(
      JSON.stringify({
        connector: 'opcua',
        tags: TAGS,
        offered_per_s: Math.round(offered(c) / SECONDS),
        values_per_s: Math.round(coreRate),
        lag_p99_ms: pct(c.lags, 99),
        rss_mb: Math.round(core.rssMb),
        cpu_us_per_value: Number(c.usPerValue.toFixed(1)),
        ratio: Number(ratio.toFixed(3)),
        loop_delay_p99_ms: c.loopDelayMs(99),
      }),
    );
  } finally {
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
