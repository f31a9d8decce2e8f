// The trend requests on a real core over the tag store: plant.range (one device, its tags on one ts
// axis) and plant.tagRange (any tags, raw or from the rollup), for a viewer, bad values as gaps.
import { describe, expect, it } from 'vitest';
import { testConfig } from '..';
import type { TimedReading } from '../../../shared/domain';
import { operatorCaller, perTestCores } from '../../../tests/helpers';

const cores = perTestCores();
const T0 = Date.UTC(2026, 0, 1);
const VIEWER = operatorCaller('Vic', ['viewer']);

async function startCore() {
  const core = cores.core(
    testConfig(cores.dir('aegisflow-trends-'), { simulator: { enabled: false }, governance: { watchPolicy: false }, immune: { enabled: false } }),
  );
  await core.start();
  return core;
}

/** A reading every 5 s for 2 hours; flow every other one, level bad in the first minute. */
const rows: TimedReading[] = Array.from({ length: 1440 }, (_, i) => {
  const ts = T0 + i * 5000;
  const r: TimedReading = { device_id: 'water/intake/pump-1', ts, timestamp: new Date(ts).toISOString(), values: { level: 2 + i / 1000 } };
  if (i % 2 === 0) r.values.flow = 10 + (i % 7);
  if (i < 12) r.quality = { level: { level: 'bad', reason: 'out_of_range' } };
  return r;
});

describe('trend requests over the tag store', () => {
  it('plant.tagRange: raw values for a short window with bad values null, the rollup for a long one', async () => {
    const core = await startCore();
    core.services.readings.insertBatch(rows);
    const short = await core.api.call('plant.tagRange', { tags: ['water/intake/pump-1/level', 'water/intake/pump-1/flow'], from: T0, to: T0 + 60_000 }, VIEWER);
    expect(short.ok).toBe(true);
    if (!short.ok) return;
    const [level, flow] = short.result;
    expect(level).toMatchObject({ tag: 'water/intake/pump-1/level', source: 'raw' });
    expect(level.ts).toEqual(rows.slice(0, 13).map((r) => r.ts));
    expect(level.value).toEqual([...Array(12).fill(null), 2.012]);
    expect(flow.ts).toEqual(
      rows
        .slice(0, 13)
        .filter((_, i) => i % 2 === 0)
        .map((r) => r.ts),
    );

    const long = await core.api.call('plant.tagRange', { tags: ['water/intake/pump-1/flow', 'nope/x'], from: T0, to: T0 + 7_199_999, maxPoints: 60 }, VIEWER);
    expect(long.ok && long.result.map((s) => [s.source, s.ts.length])).toEqual([
      ['rollup', 60],
      ['raw', 0],
    ]);
    if (!long.ok) return;
    const firstTwoMinutes = rows.slice(0, 24).filter((r) => r.values.flow !== undefined);
    expect(long.result[0].value[0]).toBeCloseTo(firstTwoMinutes.reduce((s, r) => s + (r.values.flow ?? 0), 0) / firstTwoMinutes.length, 3);
    expect(long.result[0].min?.[0]).toBe(10);
    expect(long.result[0].max?.[0]).toBe(16);
  });

  it('plant.range: every tag of the device on one ts axis, null where a tag has no value; buckets past maxPoints', async () => {
    const core = await startCore();
    core.services.readings.insertBatch(rows);
    const r = await core.api.call('plant.range', { device_id: 'water/intake/pump-1', from: T0, to: T0 + 20_000 }, VIEWER);
    expect(r).toEqual({
      ok: true,
      result: {
        device_id: 'water/intake/pump-1',
        ts: [T0, T0 + 5000, T0 + 10_000, T0 + 15_000, T0 + 20_000],
        series: { level: [null, null, null, null, null], flow: [10, null, 12, null, 14] },
      },
    });
    const wide = await core.api.call('plant.range', { device_id: 'water/intake/pump-1', from: T0, to: T0 + 7_199_999, maxPoints: 200 }, VIEWER);
    expect(wide.ok && wide.result.ts.length).toBe(200);
    expect(wide.ok && wide.result.ts[1] - wide.result.ts[0]).toBe(36_000);
  });
});
