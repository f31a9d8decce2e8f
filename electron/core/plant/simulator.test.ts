import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { TimedReading } from '../../../shared/domain';
import { tempDir, waitFor } from '../../../tests/helpers';
import { createBroker } from '../broker';
import { createBus } from '../bus';
import { manualClock } from '../clock';
import { testConfig } from '../config';
import { governanceMigrations } from '../governance';
import { loadOrCreateKeys } from '../governance/keys';
import { IntentTokens } from '../governance/tokens';
import { applyMigrations, openDatabase } from '../store';
import { createLogger } from '../observability';
import type { AssetView } from '../../../shared/schemas/model';
import { loadModelFile } from '../model';
import { DeviceModel } from './device-model';
import { DEFAULT_START, generateDay } from './generator';
import { createSimulator, type Simulator } from './simulator';
import type { PlantSpec } from './publish';
import { tapeOf } from './tape';

const log = createLogger({ level: 'silent' });
const day = generateDay({ seed: 3, hours: 24 });
const loaded = loadModelFile(path.join(__dirname, '../../../resources/plants/demo.yaml'));
if (!loaded.ok) throw new Error('resources/plants/demo.yaml does not load');
const demoPlant: PlantSpec = loaded;
const demo = demoPlant.model;
const demoAsset = (id: string): AssetView => {
  const a = demo.assets.find((x) => x.id === id);
  if (!a) throw new Error(`no asset ${id}`);
  return a;
};

describe('replay simulator over a real broker', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(opts: { speed?: number; autostart?: boolean; timestamps?: 'shift' | 'keep'; rows?: TimedReading[] } = {}) {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const config = testConfig(t.dir);
    const broker = createBroker(config.broker, log);
    await broker.start();
    cleanups.push(() => broker.stop());
    const clock = manualClock(1_000_000);
    const bus = createBus();
    // The gateway's real key pair and token issuer: the devices act only on what it signed.
    const keys = loadOrCreateKeys(path.join(t.dir, 'keys'));
    const db = openDatabase(path.join(t.dir, 'gov.db'));
    cleanups.push(() => {
      db.close();
    });
    applyMigrations(db, governanceMigrations);
    const tokens = new IntentTokens(db, clock, keys, 60);
    const sim = createSimulator({
      broker,
      bus,
      clock,
      log,
      gatewayPublicKey: keys.publicKey,
      model: demoPlant,
      tape: tapeOf(opts.rows ?? day.readings),
      options: { speed: opts.speed ?? 100, timestamps: opts.timestamps ?? 'keep', loop: false, autostart: opts.autostart ?? true },
    });
    const received: Array<{ topic: string; body: Record<string, unknown> }> = [];
    const sub = await mqtt.connectAsync(broker.url);
    sub.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) }));
    await sub.subscribeAsync('aegisflow/sensors/#');
    cleanups.push(() => sub.endAsync());
    await sim.start();
    cleanups.push(() => sim.stop());
    return { broker, sim, clock, received, bus, tokens };
  }

  const settle = async (sim: Simulator, n: number) => waitFor(() => sim.status().published === n, `published=${n} (is ${sim.status().published})`);

  it('publishes as many rows as the simulated time that passed allows, at the chosen speed', async () => {
    const { sim, clock, received } = await setup({ speed: 100 });
    await settle(sim, 9); // the first tick is due at once
    clock.advance(1000); // 1 s of wall time at 100× = 100 s of plant time = 20 more ticks of 9 devices
    await settle(sim, 9 + 180);
    await waitFor(() => received.length === 189, 'subscriber got every row');
    expect(received[0].topic).toBe('aegisflow/sensors/' + received[0].body.device_id);
    expect(received[0].body).not.toHaveProperty('is_anomaly');
    sim.setSpeed(10); // re-anchors: the next tick is due at once
    clock.advance(1000); // then 10 s of plant time = 2 more ticks
    await settle(sim, 189 + 9 + 18);
  });

  it('pauses, resumes, and seeks to a time or a scenario', async () => {
    const { sim, clock, received } = await setup({ speed: 100 });
    await settle(sim, 9);
    sim.pause();
    clock.advance(5000);
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.status().published).toBe(9);
    expect(sim.status().paused).toBe(true);
    sim.resume(); // the next tick is due at once
    clock.advance(500); // then 50 s = 10 ticks
    await settle(sim, 9 + 9 + 90);

    sim.seek(new Date(DEFAULT_START + 12 * 3.6e6).toISOString());
    await settle(sim, 108 + 9);
    await waitFor(() => received.length === 117, 'rows after seek');
    expect(received.at(-1)!.body.timestamp).toBe(new Date(DEFAULT_START + 12 * 3.6e6).toISOString());

    const info = sim.jumpToScenario('thermal_runaway', 60);
    expect(info.device_id).toBe('line-1/compressor-01');
    await settle(sim, 126);
    await waitFor(() => received.length === 126, 'rows after jump');
    expect(received.at(-1)!.body.timestamp).toBe(new Date(DEFAULT_START + 3 * 3.6e6 - 60_000).toISOString());
  });

  it('shifts timestamps to the wall clock, continuous across a seek backwards', async () => {
    const { sim, clock, received } = await setup({ speed: 100, timestamps: 'shift' });
    await settle(sim, 9);
    expect(received.length === 0 || Date.parse(received[0].body.timestamp as string) === 1_000_000).toBe(true);
    clock.advance(100);
    await settle(sim, 27);
    sim.seek(DEFAULT_START); // back to the start of the day
    await settle(sim, 36);
    await waitFor(() => received.length === 36, 'all rows');
    const ts = received.map((m) => Date.parse(m.body.timestamp as string));
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
    expect(ts[0]).toBe(1_000_000);
  });

  it('says how its clock maps to the wall clock: the published times follow the segments in its status', async () => {
    const { sim, clock, received } = await setup({ speed: 100, timestamps: 'shift' });
    await settle(sim, 9);
    clock.advance(100); // 10 s of plant time
    await settle(sim, 27);
    sim.pause();
    clock.advance(5000); // paused: the plant clock stands still
    sim.setSpeed(10);
    sim.resume(); // the next tick is due at once
    clock.advance(1000); // 10 s more = 2 ticks
    await settle(sim, 27 + 9 + 18);
    await waitFor(() => received.length === 54, 'all rows');
    const c = sim.status().clock;
    // The speed change while paused and the resume start at the same instant: one segment (clock-store.ts).
    expect(c?.segments.map((s) => s.rate)).toEqual([100, 0, 10]);
    expect(c?.plantTime).toBe(Date.parse(received.at(-1)?.body.timestamp as string));
    // The newest segment, followed at its rate from its start, lands on the newest published time.
    const last = c?.segments.at(-1);
    expect(last && last.plant + (clock.now() - last.wall) * (last.rate ?? 0)).toBe(c?.plantTime);
  });

  it('announces every discontinuity of the replay (seek, speed, resume) on the bus, with the next published time', async () => {
    const { sim, bus } = await setup({ speed: 100, autostart: false, timestamps: 'shift' });
    const seen: Array<{ kind: string; ts: number }> = [];
    bus.on('simulator.discontinuity', (e) => seen.push(e));
    sim.seek(DEFAULT_START + 12 * 3.6e6);
    sim.setSpeed(10);
    sim.setSpeed(10); // same speed: no discontinuity
    sim.resume();
    sim.pause();
    expect(seen.map((e) => e.kind)).toEqual(['seek', 'speed', 'resume']);
    for (const e of seen) expect(Number.isFinite(e.ts)).toBe(true);
  });

  it('replays as fast as possible at speed 0 and reports the end', async () => {
    const rows = day.readings.slice(0, 9 * 400);
    const { sim, received } = await setup({ speed: 0, rows });
    await sim.finished();
    expect(sim.status().finished).toBe(true);
    await waitFor(() => received.length === rows.length, 'all rows received');
  });

  it('applies only commands signed by the gateway, answers each on the ack topic, and the device then behaves differently', async () => {
    const { broker, sim, clock, received, tokens } = await setup({ speed: 100 });
    await settle(sim, 9);
    const device = 'line-1/pump-03';
    // An ordinary client may read the plant but not command it: the broker refuses the publish.
    const rogue = await mqtt.connectAsync(broker.url);
    cleanups.push(() => rogue.endAsync());
    await rogue.publishAsync(`aegisflow/commands/${device}`, JSON.stringify({ command: 'emergency_shutdown' }), { qos: 0 });

    const executor = await broker.connect('aegisflow-executor-');
    cleanups.push(() => executor.endAsync());
    const acks: Array<Record<string, unknown>> = [];
    executor.on('message', (_t, payload) => acks.push(JSON.parse(payload.toString()) as Record<string, unknown>));
    await executor.subscribeAsync(`aegisflow/acks/${device}`, { qos: 1 });
    // Even the executor's connection gets nowhere without a token: the device itself refuses.
    await executor.publishAsync(`aegisflow/commands/${device}`, JSON.stringify({ command: 'emergency_shutdown', issued_by: 'test' }), { qos: 1 });
    await waitFor(() => acks.length === 1, 'the refusal');
    expect(acks[0]).toMatchObject({ device_id: device, status: 'refused', code: 'bad_token', jti: null });
    expect(sim.device(device)!.state).toBe('running');

    const args = { device_id: device, command: 'emergency_shutdown', justification: 'test' };
    const { token, claims } = await tokens.issue({ agent: 'diag', tool: 'execute_device_command', args, policyVersion: 'v', approvalId: null });
    // The in-process path verifies too: a tokenless call is refused, a valid one is not bypassed.
    expect(sim.applyCommand(device, { args })).toMatchObject({ status: 'refused', code: 'bad_token' });
    await executor.publishAsync(`aegisflow/commands/${device}`, JSON.stringify({ args, intent_token: token }), { qos: 1 });
    await waitFor(() => acks.length === 2, 'the acceptance');
    expect(acks[1]).toMatchObject({ status: 'accepted', jti: claims.jti, command: 'emergency_shutdown' });
    expect(sim.device(device)!.state).toBe('shutdown');
    expect(sim.commandCounters()).toMatchObject({ accepted: 1, refused: 2, byCode: { bad_token: 2 } });
    clock.advance(6000); // 10 minutes of plant time
    await settle(sim, 9 + 9 * 120);
    await waitFor(() => received.length === sim.status().published, 'all rows received');
    const last = received.filter((m) => m.body.device_id === device).at(-1)!.body;
    expect(last.power).toBeLessThan(0.5);
    expect(last.vibration).toBeLessThan(0.2);
  });
});

describe('device model', () => {
  const rows = day.readings.filter((r) => r.device_id === 'line-1/compressor-01');
  // 3:30–4:00 is the thermal runaway plateau (~118 °C).
  const start = rows.findIndex((r) => r.ts >= DEFAULT_START + 3.5 * 3.6e6);

  it('reduce_load 30 % cuts power at once and brings temperature and vibration down with a lag', () => {
    const m = new DeviceModel(demoAsset('line-1/compressor-01'));
    expect(m.command({ command: 'reduce_load', params: { reduction_pct: 30 } }, 'now')).toBeNull();
    const out = rows.slice(start, start + 120).map((r) => ({ raw: r, shown: m.apply(r) }));
    const first = out[2];
    const last = out.at(-1)!;
    expect(first.shown.values.power / first.raw.values.power).toBeLessThan(0.75); // within 10 s
    expect(first.raw.values.temperature - first.shown.values.temperature).toBeLessThan(2); // heat takes time
    expect(last.raw.values.temperature - last.shown.values.temperature).toBeGreaterThan(12); // after 10 min
    expect(last.shown.values.vibration).toBeLessThan(last.raw.values.vibration * 0.95);
    expect(m.status()).toMatchObject({ state: 'reduced', load_pct: 70 });
  });

  it('refuses bad parameters and commands to a stopped device, with a reason', () => {
    const m = new DeviceModel(demoAsset('line-1/compressor-01'));
    expect(m.command({ command: 'reduce_load', params: { reduction_pct: 300 } }, 'now')).toMatch(/between 1 and 90/);
    expect(m.command({ command: 'reduce_load', params: {} }, 'now')).toMatch(/reduction_pct/);
    expect(m.command({ command: 'emergency_shutdown', params: {} }, 'now')).toBeNull();
    expect(m.command({ command: 'reduce_load', params: { reduction_pct: 10 } }, 'now')).toMatch(/shut down/);
    expect(m.command({ command: 'restart', params: {} }, 'now')).toBeNull();
    expect(m.status().state).toBe('restarting');
  });

  it('restart brings a stopped device back after its start-up time', () => {
    const m = new DeviceModel(demoAsset('line-1/compressor-01'));
    m.command({ command: 'emergency_shutdown', params: {} }, 'now');
    const seq = rows.slice(100, 400);
    seq.slice(0, 150).forEach((r) => m.apply(r));
    expect(m.apply(seq[150]).values.power).toBeLessThan(1);
    m.command({ command: 'restart', params: {} }, 'now');
    const after = seq.slice(151).map((r) => m.apply(r));
    expect(m.status().state).toBe('running');
    expect(after.at(-1)!.values.power).toBeGreaterThan(seq.at(-1)!.values.power * 0.9);
  });
});
