// Finding (issue 19): implausible values were accepted as good — timestamps ±9 years, humidity
// −500 %, temperature 1e300 (in `detect`, one 1e300 row stretched an episode from 9.9 to 24.9
// minutes). Issue 15's rule: a value outside its tag's engineering range (the plant model's `range`)
// is stored and shown with bad quality (out_of_range) and never handed to the detector as good; a
// timestamp outside the window around its source's clock is refused with a reason, counted, and never
// reaches storage or the detector.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import { sensorTopic } from '../../electron/core/broker';
import { manualClock } from '../../electron/core/clock';
import { writeDataset } from '../../electron/core/plant';
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
  it('stores a value outside the engineering range as bad (never good for the detector) and refuses timestamps outside the window', async () => {
    const nineYears = 9 * 365 * 86_400_000;
    const at = (s: number) => new Date(NOW - s * 1000).toISOString();
    const outOfRange = [
      reading({ timestamp: at(4), humidity: -500 }),
      reading({ timestamp: at(3), humidity: 140 }),
      reading({ timestamp: at(2), temperature: 1e300 }),
      reading({ timestamp: at(1), pressure: -3 }),
    ];
    const badTime = [
      reading({ timestamp: new Date(NOW + nineYears).toISOString() }),
      reading({ timestamp: new Date(NOW - nineYears).toISOString() }),
      reading({ timestamp: new Date(NOW + 3 * 86_400_000).toISOString() }),
    ];
    const before = core.services.ingest.counters();
    send(reading({ timestamp: at(10), temperature: 71.5 }));
    for (const r of [...outOfRange, ...badTime]) send(r);
    core.services.ingest.flush();
    const after = core.services.ingest.counters();
    expect(after.stored - before.stored).toBe(5);
    expect(after.rejected - before.rejected).toBe(badTime.length);
    expect(after.rejectedByReason).toEqual({ bad_timestamp: 3 });
    expect(core.services.readings.count(DEV)).toBe(5);
    // Handed on marked: every value outside its range carries bad quality, the in-range ones none.
    expect(seen.map((r) => r.quality ?? {})).toEqual([
      {},
      { humidity: { level: 'bad', reason: 'out_of_range', detail: '-500 % is outside the engineering range 0..100' } },
      { humidity: { level: 'bad', reason: 'out_of_range', detail: '140 % is outside the engineering range 0..100' } },
      { temperature: { level: 'bad', reason: 'out_of_range', detail: '1e+300 °C is outside the engineering range -50..250' } },
      { pressure: { level: 'bad', reason: 'out_of_range', detail: '-3 PSI is outside the engineering range 0..300' } },
    ]);
    // Shown: the plant snapshot the UI polls carries each tag's quality and the refusals by reason.
    const snap = await core.api.call('plant.snapshot', {}, OPERATOR);
    if (!snap.ok) throw new Error(snap.error.message);
    const latest = snap.result.devices.find((d) => d.device_id === DEV)?.latest;
    expect(latest?.values.pressure).toBe(-3);
    expect(latest?.quality).toEqual({ pressure: { level: 'bad', reason: 'out_of_range', detail: '-3 PSI is outside the engineering range 0..300' } });
    expect(snap.result.ingest.rejectedByReason).toEqual({ bad_timestamp: 3 });
  });

  it('the ranges live per tag in the plant model', () => {
    const tag = core.services.model.current.tag(`${DEV}/humidity`);
    expect(tag?.range).toEqual([0, 100]);
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
    // The demo plant plus one real sensor the replay does not simulate.
    const model = path.join(t.dir, 'plant.yaml');
    const demo = fs.readFileSync(path.join(__dirname, '../../resources/plants/demo.yaml'), 'utf8');
    fs.writeFileSync(
      model,
      demo.replaceAll('manual: ../device_manual.md', 'manual: ' + path.join(__dirname, '../../resources/device_manual.md')) +
        `  - id: field\n    lines:\n      - id: line-9\n        assets:\n          - { id: pump-07, type: pump }\n`,
    );
    // The seed's day as the replay's tape: it has no data for line-9, so that asset is not simulated.
    const tape = writeDataset(path.join(t.dir, 'tape'), { seed: 42 }).csv;
    sim = createCore(
      testConfig(t.dir, {
        plant: { model, watch: false },
        simulator: { timestamps: 'keep', dataset: tape },
        http: { enabled: false },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false },
      }),
    );
    await sim.start();
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
