// Finding (issue 19): implausible values were accepted as good — timestamps ±9 years, humidity
// −500 %, temperature 1e300 (in `detect`, one 1e300 row stretched an episode from 9.9 to 24.9
// minutes). A value outside its sensor's engineering range (shared/plant.ts) or a timestamp outside
// the window around its source's clock is refused with a reason, counted, shown in the plant snapshot,
// and never reaches storage or the detector.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import { sensorTopic } from '../../electron/core/broker';
import { manualClock } from '../../electron/core/clock';
import type { TimedReading } from '../../shared/domain';
import { OPERATOR, tempDir, waitFor } from '../helpers';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const tmp = tempDir('aegis-plaus-');
let core: Core;
const seen: TimedReading[] = [];
beforeAll(async () => {
  core = createCore(testConfig(tmp.dir, { simulator: { enabled: false }, http: { enabled: false } }), { clock: manualClock(NOW) });
  await core.start();
  core.bus.on('readings', (batch) => seen.push(...batch));
}, 60_000);
afterAll(async () => {
  await core?.stop();
  tmp.cleanup();
});

const DEV = 'line-1/compressor-01';
const reading = (over: Record<string, unknown> = {}) => ({
  device_id: DEV,
  timestamp: new Date(NOW).toISOString(),
  temperature: 70,
  pressure: 100,
  vibration: 2,
  humidity: 40,
  power: 30,
  ...over,
});
const send = (r: object) => core.services.ingest.accept(sensorTopic(DEV), Buffer.from(JSON.stringify(r)));

describe('plausibility', () => {
  it('refuses values outside the engineering range and timestamps outside the window, with a reason', async () => {
    const nineYears = 9 * 365 * 86_400_000;
    const bad = [
      reading({ humidity: -500 }),
      reading({ humidity: 140 }),
      reading({ temperature: 1e300 }),
      reading({ pressure: -3 }),
      reading({ timestamp: new Date(NOW + nineYears).toISOString() }),
      reading({ timestamp: new Date(NOW - nineYears).toISOString() }),
      reading({ timestamp: new Date(NOW + 3 * 86_400_000).toISOString() }),
    ];
    const good = reading({ temperature: 71.5 });
    const before = core.services.ingest.counters();
    for (const r of bad) send(r);
    send(good);
    core.services.ingest.flush();
    const after = core.services.ingest.counters();
    expect(after.stored - before.stored).toBe(1);
    expect(after.rejected - before.rejected).toBe(bad.length);
    expect(after.rejectedByReason.implausible ?? 0).toBe(4);
    expect(after.rejectedByReason.bad_timestamp ?? 0).toBe(3);
    // Never fed to the detector as good, never stored.
    expect(seen.map((r) => r.values.temperature)).toEqual([71.5]);
    expect(core.services.readings.count(DEV)).toBe(1);
    // Shown: the plant snapshot the UI polls carries the counts by reason.
    const snap = await core.api.call('plant.snapshot', {}, OPERATOR);
    expect(JSON.stringify(snap)).toMatch(/"implausible":4/);
  });

  it('the ranges live per sensor in shared/plant.ts', async () => {
    const plant = await import('../../shared/plant');
    const ranges = (plant as Record<string, unknown>).SENSOR_RANGES as Record<string, { min: number; max: number }> | undefined;
    expect(ranges).toBeTruthy();
    expect(ranges!.humidity).toEqual({ min: 0, max: 100 });
  });
});

// Before: the window was always the replay's clock, so with the simulator at 100x real sensors' wall-clock
// timestamps fell more than maxClockSkewDays behind it after ~1.7 h and were all refused. Now each reading
// is judged against the clock of its source. Here the replay keeps the dataset's own timestamps (from
// 2026-01-01), months away from the wall clock: the same distance, without waiting for it.
describe('plausibility against the clock of the reading’s source', () => {
  const t = tempDir('aegis-plaus-src-');
  let sim: Core;
  const REAL = 'line-9/pump-07';
  beforeAll(async () => {
    sim = createCore(
      testConfig(t.dir, {
        simulator: { timestamps: 'keep' },
        http: { enabled: false },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false },
      }),
    );
    await sim.start();
    sim.services.ingest.addKnownDevices([REAL]);
    await waitFor(() => sim.services.plant?.simulator.plantTime() != null, 'the replay to publish');
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
    t.cleanup();
  });

  it('a real sensor is judged by the wall clock, a simulated device by the replay’s clock', () => {
    const plantNow = sim.services.plant?.simulator.plantTime() ?? 0;
    const wallNow = Date.now();
    expect(wallNow - plantNow).toBeGreaterThan(sim.config.ingest.maxClockSkewDays * 86_400_000);
    const simulated = sim.services.plant?.dataset.devices[0] ?? '';
    const at = (device: string, ts: number) =>
      sim.services.ingest.accept(sensorTopic(device), Buffer.from(JSON.stringify(reading({ device_id: device, timestamp: new Date(ts).toISOString() }))));
    const refused = () => sim.services.ingest.counters().rejectedByReason.bad_timestamp ?? 0;

    at(REAL, wallNow);
    sim.services.ingest.flush();
    expect(sim.services.readings.count(REAL)).toBe(1);
    expect(refused()).toBe(0);

    at(REAL, plantNow); // months behind its own clock
    at(simulated, wallNow); // months ahead of the replay that produces it
    sim.services.ingest.flush();
    expect(refused()).toBe(2);
    expect(sim.services.readings.count(REAL)).toBe(1);
  });
});
