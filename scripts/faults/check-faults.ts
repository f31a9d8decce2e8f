// npm run check:faults: the fault and fuzz checks of issue 19 that fit CI, against real processes,
// a real mosquitto and real SQLite files. Ends with one JSON line:
// {"payloads_fuzzed":…,"crashes":0,"hung_requests":0,"acked_rows_lost_per_kill":0,"recovery_s":…,
//  "reconnect_s":…,"outage_rows_lost":0,"soak_rss_growth_pct":…}
// Exit code 1 when a target is missed. Sections: --only mqtt,http,kill,outage,soak; --soak-minutes N.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { createCore, testConfig, type Core } from '../../electron/core';
import { sensorTopic } from '../../electron/core/broker';
import { countReadings } from '../../electron/core/store';
import { DEVICE_IDS } from '../../shared/domain';
import { freePort, mosquitto } from '../../tests/faults/mosquitto';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/aegisflow.mjs');
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'soak-minutes': { type: 'string', default: '3' },
    'kill-rounds': { type: 'string', default: '3' },
    'outage-seconds': { type: 'string', default: '60' },
  },
});
const only = values.only ? new Set(values.only.split(',')) : null;
const want = (s: string) => !only || only.has(s);
const say = (m: string) => process.stderr.write(`check:faults ${m}\n`);
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-faults-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let crashes = 0;
process.on('uncaughtException', (err) => {
  crashes++;
  if (crashes <= 3) say(`UNCAUGHT: ${err.stack}`);
});

async function until(fn: () => boolean | Promise<boolean>, what: string, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await sleep(everyMs);
  }
  say(`timed out waiting for ${what}`);
  return false;
}

const good = (device: string, ts: number, i: number) =>
  JSON.stringify({
    device_id: device,
    timestamp: new Date(ts).toISOString(),
    temperature: 60 + (i % 17),
    pressure: 95 + (i % 5),
    vibration: 2 + (i % 3) / 10,
    humidity: 40 + (i % 9),
    power: 30 + (i % 7),
  });

// ------------------------------------------------------------------ MQTT payload fuzz

async function mqttFuzz(): Promise<{ fuzzed: number; goodLost: number; uncounted: number }> {
  const dir = path.join(tmpRoot, 'mqtt');
  const core = createCore(testConfig(dir, { simulator: { enabled: false }, http: { enabled: false } }));
  await core.start();
  const pub = await mqtt.connectAsync(core.services.broker.url);
  const rnd = crypto.randomBytes.bind(crypto);
  const now = Date.now();
  const bad: Array<() => string | Buffer> = [
    () => rnd(1 + Math.floor(Math.random() * 200)),
    () => '{"device_id": "line-1/pump-03", "temperature": ',
    () =>
      JSON.stringify({
        device_id: 'line-1/pump-03',
        timestamp: new Date(now).toISOString(),
        temperature: 'hot',
        pressure: 1,
        vibration: 1,
        humidity: 1,
        power: 1,
      }),
    () => good('line-1/pump-03', now, 1).replace(/"pressure":[^,]+/, '"pressure":1e999'),
    () => good('line-1/pump-03', now, 1).replace(/"humidity":[^,]+/, '"humidity":-500'),
    () => good('line-1/pump-03', now, 1).replace(/"temperature":[^,]+/, '"temperature":1e300'),
    () => good('line-1/pump-03', now + 9 * 365 * 86_400_000, 1),
    () => good('line-1/pump-03', now - 9 * 365 * 86_400_000, 1),
    () => good('line-9/ghost-01', now, 1),
    () => Buffer.alloc(20_000, 'x'),
    () => '[]',
    () => 'null',
    () => JSON.stringify({ device_id: 'line-1/pump-03' }),
    () => '\u202e' + good('line-1/pump-03', now, 1),
  ];
  const N_BAD = 10_000;
  const N_GOOD = 3_000;
  const jobs: Array<[string, string | Buffer, boolean]> = [];
  for (let i = 0; i < N_BAD; i++) jobs.push([sensorTopic('line-1/pump-03'), bad[i % bad.length](), false]);
  for (let i = 0; i < N_GOOD; i++) {
    const d = DEVICE_IDS[i % DEVICE_IDS.length];
    jobs.push([sensorTopic(d), good(d, now - 86_400_000 + i * 1000, i), true]);
  }
  jobs.sort(() => Math.random() - 0.5);
  for (let i = 0; i < jobs.length; i += 500) await Promise.all(jobs.slice(i, i + 500).map(([t, p]) => pub.publishAsync(t, p as Buffer, { qos: 1 })));
  await until(() => core.services.ingest.counters().received >= jobs.length, 'every fuzzed payload received', 60_000);
  core.services.ingest.flush();
  const c = core.services.ingest.counters();
  const goodLost = N_GOOD - c.stored;
  const uncounted = N_BAD - Object.values(c.rejectedByReason).reduce((a, b) => a + b, 0);
  say(`mqtt fuzz: ${N_BAD} malformed + ${N_GOOD} good; stored ${c.stored}, rejected ${c.rejected} ${JSON.stringify(c.rejectedByReason)}`);
  await pub.endAsync();
  await core.stop();
  return { fuzzed: N_BAD + N_GOOD, goodLost, uncounted };
}

// ------------------------------------------------------------------ HTTP / MCP fuzz

interface HttpFuzzResult {
  requests: number;
  hung: number;
  status5xx: number;
  closedWithoutAnswer: number;
  rssStartMb: number;
  rssEndMb: number;
}

async function httpFuzz(n = 10_000): Promise<HttpFuzzResult> {
  const dir = path.join(tmpRoot, 'http');
  const core = createCore(
    testConfig(dir, {
      simulator: { speed: 100 },
      governance: { watchPolicy: false },
      immune: { fleet: { enabled: false } },
      http: { requestTimeoutMs: 5000 },
    }),
  );
  await core.start();
  const { token } = core.services.governance.addAgent({ id: 'fuzz', name: 'fuzz', role: 'assistant' });
  const port = core.services.http!.port!;
  const host = `127.0.0.1:${port}`;
  const rssStart = process.memoryUsage().rss;
  // One MCP session to fuzz inside of.
  const init = await fetch(`http://${host}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
    }),
  });
  const session = init.headers.get('mcp-session-id') ?? '';
  await init.text();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];
  const junkValues = [null, 0, -1, 1e308, 'x', '', '\u202e\u0000', [], [1, [2]], {}, { a: { b: { c: {} } } }, true, 'x'.repeat(5000)];
  const methods = [
    'tools/call',
    'tools/list',
    'resources/read',
    'resources/list',
    'prompts/get',
    'prompts/list',
    'initialize',
    'ping',
    'nope',
    '',
    'notifications/initialized',
    'logging/setLevel',
    'completion/complete',
  ];
  const tools = ['list_devices', 'get_device_status', 'execute_device_command', 'get_sensor_stream', 'propose_plan', 'nope', ''];
  const body = (): string | Buffer => {
    const k = Math.random();
    if (k < 0.1) return crypto.randomBytes(Math.floor(Math.random() * 300));
    if (k < 0.15) return '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":';
    const msg = () => ({
      jsonrpc: pick(['2.0', '2.0', '2.0', '1.0', 2]),
      id: pick([1, 'a', null, {}, [], 1.5, undefined]),
      method: pick(methods),
      params:
        Math.random() < 0.7
          ? {
              name: pick(tools),
              arguments:
                Math.random() < 0.5 ? { device_id: pick(['line-1/pump-03', 'x', 5, null]), command: pick(['reduce_load', 'restart', 7]) } : pick(junkValues),
            }
          : pick(junkValues),
    });
    if (k < 0.25) return JSON.stringify(Array.from({ length: Math.floor(Math.random() * 5) }, msg));
    return JSON.stringify(msg());
  };
  const paths = [
    '/mcp',
    '/mcp',
    '/mcp',
    '/api/v1/governance/check',
    '/api/v1/status',
    '/api/v1/auth/login',
    '/api/v1/auth',
    '/api/v1/health',
    '/ws',
    '/',
    '/index.html',
    '/../etc/passwd',
    '/api/v1/nope',
    '/%00',
    '/mcp?x=1',
  ];
  let hung = 0;
  let s5xx = 0;
  let closed = 0;
  let done = 0;

  const oneHttp = () =>
    new Promise<void>((resolve) => {
      const p = pick(paths);
      const method = Math.random() < 0.75 ? 'POST' : pick(['GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD']);
      const headers: Record<string, string> = { host: Math.random() < 0.95 ? host : pick(['evil.example', `localhost:${port}`, '']) };
      if (Math.random() < 0.8) headers.authorization = Math.random() < 0.8 ? `Bearer ${token}` : pick(['Bearer x', 'Basic abc', 'Bearer ' + 'a'.repeat(3000)]);
      if (Math.random() < 0.8) headers['content-type'] = pick(['application/json', 'text/plain', 'application/json; charset=latin1', 'multipart/form-data']);
      if (Math.random() < 0.7) headers.accept = pick(['application/json, text/event-stream', 'application/json', '*/*']);
      if (p.startsWith('/mcp') && Math.random() < 0.7) headers['mcp-session-id'] = Math.random() < 0.8 ? session : 'nope';
      if (p.startsWith('/mcp') && Math.random() < 0.3) headers['mcp-protocol-version'] = pick(['2025-06-18', 'x']);
      if (Math.random() < 0.1) headers.cookie = pick(['aegisflow_session=x', 'a='.repeat(500)]);
      const b = method === 'GET' || method === 'HEAD' ? null : body();
      const req = http.request({ host: '127.0.0.1', port, path: p, method, headers, timeout: 15_000 }, (res) => {
        // 503 is the designed answer for the page while the UI is not built (npm run build).
        if ((res.statusCode ?? 0) >= 500 && res.statusCode !== 503) {
          s5xx++;
          if (s5xx <= 5) say(`5xx: ${res.statusCode} ${method} ${p} ${JSON.stringify(headers).slice(0, 300)} ${String(b).slice(0, 300)}`);
        }
        // An SSE stream (GET /mcp) stays open by design: the answer is its status line.
        res.destroy();
        resolve();
      });
      req.on('timeout', () => {
        hung++;
        if (hung <= 5) say(`hung: ${method} ${p} ${JSON.stringify(headers).slice(0, 200)} ${String(b).slice(0, 200)}`);
        req.destroy();
        resolve();
      });
      req.on('error', () => {
        closed++;
        resolve();
      });
      if (b !== null) req.end(b);
      else req.end();
    });

  // A client that sends headers and part of the body, then nothing: the server answers 408 within its request timeout.
  const onePartial = () =>
    new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      const t = setTimeout(() => {
        hung++;
        say('hung: partial body');
        s.destroy();
        resolve();
      }, 15_000);
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => {
        clearTimeout(t);
        if (!/^HTTP\/1\.1 \d{3}/.test(got)) closed++;
        else if (/^HTTP\/1\.1 5/.test(got)) s5xx++;
        resolve();
      });
      s.on('error', () => {});
      const which = Math.random();
      if (which < 0.5)
        s.write(
          `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"jsonrpc"`,
        );
      else if (which < 0.8)
        s.write(
          `POST /api/v1/governance/check HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{`,
        );
      else s.write(crypto.randomBytes(64));
    });

  const CONC = 32;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await (Math.random() < 0.01 ? onePartial() : oneHttp());
      done++;
      if (done % 2000 === 0) say(`http fuzz: ${done}/${n} (hung ${hung}, 5xx ${s5xx}, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB)`);
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  const rssEnd = process.memoryUsage().rss;
  await core.stop();
  return {
    requests: n,
    hung,
    status5xx: s5xx,
    closedWithoutAnswer: closed,
    rssStartMb: Math.round(rssStart / 1048576),
    rssEndMb: Math.round(rssEnd / 1048576),
  };
}

// ------------------------------------------------------------------ SIGKILL rounds

interface Serve {
  child: ChildProcess;
  ready: Promise<void>;
  out: () => string;
}

function serve(dataDir: string, args: string[]): Serve {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--http-port', '0', '--no-mqtt-ws', '--no-simulator', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"core started"')) resolve();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out.slice(-2000)}`)));
  });
  ready.catch(() => {});
  return { child, ready, out: () => out };
}

const kill9 = (c: ChildProcess) =>
  new Promise<void>((r) => {
    if (c.exitCode !== null) return r();
    c.once('exit', () => r());
    c.kill('SIGKILL');
  });

/** Readings in the store (for progress while the core writes). */
function storedRows(dbFile: string): number {
  if (!fs.existsSync(dbFile)) return 0;
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return countReadings(db);
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

/** Distinct readings (device, time) stored: a redelivered duplicate counts once. */
function storedDistinct(dbFile: string): number {
  if (!fs.existsSync(dbFile)) return 0;
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return countReadings(db);
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

function integrity(dbFile: string): string {
  const db = new Database(dbFile, { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

/** A device fleet publishing QoS 1 as fast as the broker acknowledges (up to 200 in flight). */
function fleet(url: string, clientId: string, startTs: number) {
  let i = 0;
  let acked = 0;
  let inflight = 0;
  let running = true;
  let client: MqttClient | null = null;
  const ready = mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 200 }).then((c) => (client = c));
  const pump = async () => {
    await ready;
    while (running) {
      if (inflight >= 200) {
        await sleep(2);
        continue;
      }
      const k = i++;
      const d = DEVICE_IDS[k % DEVICE_IDS.length];
      inflight++;
      client!.publish(sensorTopic(d), good(d, startTs + Math.floor(k / DEVICE_IDS.length) * 1000, k), { qos: 1 }, (err) => {
        inflight--;
        if (!err) acked++;
      });
      if (k % 50 === 0) await sleep(1);
    }
  };
  const loop = pump();
  return {
    get acked() {
      return acked;
    },
    get sent() {
      return i;
    },
    /** Stop publishing; wait for the broker's acknowledgements unless the broker is gone (force). */
    async stop(force = false) {
      running = false;
      await loop;
      if (!force) await until(() => inflight === 0, "the fleet's in-flight publishes acknowledged", 30_000);
      await client?.endAsync(force);
    },
  };
}

async function killRounds(rounds: number): Promise<{ lostPerKill: number[]; recoveryS: number[]; integrity: string[]; embeddedLost: number | null }> {
  const dir = path.join(tmpRoot, 'kill');
  fs.mkdirSync(dir, { recursive: true });
  const broker = await mosquitto(dir);
  const dataDir = path.join(dir, 'data');
  const dbFile = path.join(dataDir, 'aegisflow.db');
  const lostPerKill: number[] = [];
  const recoveryS: number[] = [];
  const checks: string[] = [];
  let startTs = Date.now() - 6 * 86_400_000;
  let total = 0;
  try {
    for (let r = 0; r < rounds; r++) {
      const s = serve(dataDir, ['--broker-url', broker.url]);
      await s.ready;
      const before = storedRows(dbFile);
      const f = fleet(broker.url, 'plant-devices', startTs);
      await until(() => storedRows(dbFile) > before + 2000, 'readings flowing into SQLite', 30_000, 200);
      await kill9(s.child);
      const atKill = storedDistinct(dbFile);
      await sleep(500); // the plant keeps publishing while AegisFlow is down
      await f.stop();
      total += f.acked;
      startTs += Math.ceil(f.sent / DEVICE_IDS.length) * 1000 + 1000;
      checks.push(integrity(dbFile));
      const t0 = Date.now();
      const again = serve(dataDir, ['--broker-url', broker.url]);
      await again.ready;
      await until(
        () => storedRows(dbFile) >= total && storedDistinct(dbFile) >= total,
        'every broker-accepted reading in SQLite after the restart',
        90_000,
        250,
      );
      const stored = storedDistinct(dbFile);
      recoveryS.push(Math.round((Date.now() - t0) / 100) / 10);
      lostPerKill.push(Math.max(0, total - stored));
      say(
        `kill round ${r + 1}: broker accepted ${f.acked} (total ${total}), ${atKill} stored at the kill, ${stored} after recovery in ${recoveryS.at(-1)} s; lost ${lostPerKill.at(-1)}; integrity ${checks.at(-1)}`,
      );
      const notes = again
        .out()
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l) && !l.includes('"component":"operators"'));
      if (notes.length) say(`serve warnings after restart: ${notes.slice(0, 5).join(' | ').slice(0, 2000)}`);
      await kill9(again.child);
    }
  } finally {
    await broker.stop();
  }

  // The embedded broker: what does a crash lose? Publishers get their PUBACK from aedes, in memory.
  let embeddedLost: number | null;
  {
    const eDir = path.join(dir, 'embedded');
    const eDb = path.join(eDir, 'aegisflow.db');
    const port = await freePort();
    const s = serve(eDir, ['--mqtt-port', String(port)]);
    await s.ready;
    const f = fleet(`mqtt://127.0.0.1:${port}`, 'embedded-devices', Date.now() - 86_400_000);
    const tStart = Date.now();
    await until(() => storedRows(eDb) > 5000, 'readings flowing (embedded broker)', 30_000, 200);
    const ackedAtKill = f.acked;
    const rate = Math.round(ackedAtKill / ((Date.now() - tStart) / 1000));
    await kill9(s.child);
    await f.stop(true).catch(() => {});
    const stored = storedDistinct(eDb);
    embeddedLost = Math.max(0, ackedAtKill - stored);
    say(`embedded broker: ${ackedAtKill} acknowledged by aedes before the kill (~${rate} readings/s), ${stored} in SQLite: ${embeddedLost} lost`);
  }
  return { lostPerKill, recoveryS, integrity: checks, embeddedLost };
}

// ------------------------------------------------------------------ broker outage

async function outage(seconds: number): Promise<{ reconnectS: number; lost: number }> {
  const dir = path.join(tmpRoot, 'outage');
  fs.mkdirSync(dir, { recursive: true });
  const broker = await mosquitto(dir);
  const core: Core = createCore(
    testConfig(path.join(dir, 'data'), {
      broker: { url: broker.url },
      simulator: { speed: 100 },
      http: { enabled: false },
      immune: { fleet: { enabled: false } },
    }),
  );
  await core.start();
  const sim = core.services.plant!.simulator;
  await until(() => core.services.ingest.counters().stored > 500, 'replay readings flowing', 30_000);
  const down = new Promise<void>((r) => {
    const off = core.bus.on('broker.connection', (e) => !e.connected && (off(), r()));
  });
  await broker.stop();
  await down;
  await sleep(seconds * 1000);
  const up = new Promise<number>((r) => {
    const off = core.bus.on('broker.connection', (e) => e.connected && (off(), r(Date.now())));
  });
  await broker.start();
  const brokerUp = Date.now();
  const reconnectS = Math.round(((await up) - brokerUp) / 100) / 10;
  await sleep(3000);
  sim.pause();
  const published = () => sim.status().published;
  const c = () => core.services.ingest.counters();
  await until(() => c().stored + c().rejected >= published(), 'every replayed reading stored after the outage', 60_000);
  core.services.ingest.flush();
  // Distinct (device, time): a QoS 1 redelivery after the reconnect may store a reading twice.
  const distinct = countReadings(core.db);
  const lost = Math.max(0, published() - distinct - c().rejected);
  say(
    `outage ${seconds} s: reconnected ${reconnectS} s after the broker; published ${published()}, stored ${c().stored} (${distinct} distinct), rejected ${c().rejected} ${JSON.stringify(c().rejectedByReason)}; lost ${lost}`,
  );
  await core.stop();
  await broker.stop();
  return { reconnectS, lost };
}

// ------------------------------------------------------------------ main

const result: Record<string, unknown> = {};
let failed = false;
const miss = (what: string) => {
  failed = true;
  say(`MISSED: ${what}`);
};
try {
  let fuzzed = 0;
  if (want('mqtt')) {
    const m = await mqttFuzz();
    fuzzed += m.fuzzed;
    result.mqtt_good_lost = m.goodLost;
    result.mqtt_rejects_uncounted = m.uncounted;
    if (m.goodLost) miss(`${m.goodLost} good readings lost in the MQTT fuzz`);
    if (m.uncounted) miss(`${m.uncounted} malformed payloads not counted`);
  }
  let hung = 0;
  if (want('http')) {
    const h = await httpFuzz();
    fuzzed += h.requests;
    hung = h.hung;
    result.http_requests_fuzzed = h.requests;
    result.http_5xx = h.status5xx;
    result.http_closed_without_answer = h.closedWithoutAnswer;
    result.http_fuzz_rss_mb = [h.rssStartMb, h.rssEndMb];
    if (h.hung) miss(`${h.hung} HTTP requests hung`);
    if (h.status5xx) miss(`${h.status5xx} HTTP 5xx answers`);
  }
  let lostPerKill = 0;
  let recoveryS: number | null = null;
  if (want('kill')) {
    const k = await killRounds(Number(values['kill-rounds']));
    lostPerKill = Math.max(...k.lostPerKill);
    recoveryS = Math.max(...k.recoveryS);
    result.kill_rounds = k.lostPerKill.length;
    result.integrity = k.integrity.every((x) => x === 'ok') ? 'ok' : k.integrity;
    result.embedded_acked_rows_lost_per_kill = k.embeddedLost;
    if (lostPerKill) miss(`${lostPerKill} broker-accepted readings lost in a kill round`);
    if (result.integrity !== 'ok') miss('integrity check after SIGKILL');
  }
  let reconnectS: number | null = null;
  let outageLost = 0;
  if (want('outage')) {
    const o = await outage(Number(values['outage-seconds']));
    reconnectS = o.reconnectS;
    outageLost = o.lost;
    if (o.lost) miss(`${o.lost} readings lost in the broker outage`);
    if (o.reconnectS > 2.5) miss(`reconnect took ${o.reconnectS} s`);
  }
  let soakGrowth: number | null = null;
  if (want('soak')) {
    // A process of its own: its memory figures are the soak's, not what the fuzz above left behind.
    const s = await new Promise<{
      rss_growth_pct: number;
      heap_growth_pct: number;
      lag_p99_ms_max: number;
      calls: number;
      call_errors: number;
      approvals_decided: number;
    }>((resolve, reject) => {
      const c = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/faults/soak.ts'), '--minutes', String(values['soak-minutes'])], {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: ROOT,
      });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => process.stderr.write(d));
      c.on('exit', (code) => {
        const last = out.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last));
        } catch {
          reject(new Error(`soak exited ${code} without its result line`));
        }
      });
    });
    soakGrowth = s.rss_growth_pct;
    result.soak_heap_growth_pct = s.heap_growth_pct;
    result.soak_lag_p99_ms_max = s.lag_p99_ms_max;
    result.soak_calls = s.calls;
    result.soak_approvals_decided = s.approvals_decided;
    result.soak_call_errors = s.call_errors;
    if (s.call_errors) miss(`${s.call_errors} agent calls failed in the soak`);
  }
  say(`details ${JSON.stringify(result)}`);
  if (crashes) miss(`${crashes} crashes`);
  process.stdout.write(
    JSON.stringify({
      payloads_fuzzed: fuzzed,
      crashes,
      hung_requests: hung,
      acked_rows_lost_per_kill: lostPerKill,
      recovery_s: recoveryS,
      reconnect_s: reconnectS,
      outage_rows_lost: outageLost,
      soak_rss_growth_pct: soakGrowth,
    }) + '\n',
  );
} finally {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
