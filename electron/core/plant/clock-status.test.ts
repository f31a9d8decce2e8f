// The simulator status stays small however many clock segments the core keeps (a replay looping fast for
// days fills the store's 10,000): it carries the newest few, and the control room fetches the older ones
// once through simulator.clockSegments, then follows the new ones, converting old wall instants right.
// A real core on a real SQLite file, the store filled beforehand; the UI's clock store fed the core's replies.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '..';
import { manualClock } from '../clock';
import { databasePath } from '../config';
import { applyMigrations, openDatabase } from '../store';
import { followPlantClock, usePlantClock } from '../../../renderer/src/store/clock';
import { usePlant } from '../../../renderer/src/store/plant';
import { wallToPlant } from '../../../renderer/src/time';
import { operatorCaller, tempDir, waitFor } from '../../../tests/helpers';
import { createClockSegments, MAX_SEGMENTS, plantMigrations } from './clock-store';
import { STATUS_SEGMENTS } from './simulator';

const VIEWER = operatorCaller('Wall Display', ['viewer']);
const T0 = Date.parse('2026-12-01T00:00:00Z');
const P0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;

describe('clock segments in the simulator status', () => {
  const t = tempDir('aegis-clock-status-');
  const cores: Core[] = [];
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const s of stops.splice(0)) s();
  });
  afterAll(async () => {
    for (const c of cores) await c.stop();
    t.cleanup();
  });

  it('carries the newest segments only; the UI fetches the older ones once and places an old instant right', async () => {
    const config = testConfig(t.dir, {
      simulator: { speed: 10 },
      http: { enabled: false },
      immune: { fleet: { enabled: false } },
      governance: { watchPolicy: false },
    });
    // A week of a replay looping every minute: segment i starts at wall T0 + i min, 10× from plant P0 + i × 11 min.
    const clock = manualClock(T0 + MAX_SEGMENTS * MIN);
    const db = openDatabase(databasePath(config));
    applyMigrations(db, plantMigrations);
    const store = createClockSegments({ db, now: clock.now });
    for (let i = 0; i < MAX_SEGMENTS; i++) store.add({ wall: T0 + i * MIN, plant: P0 + i * 11 * MIN, rate: 10 });
    db.close();

    const core = createCore(config, { clock });
    cores.push(core);
    await core.start();
    const snap = await core.api.call('plant.snapshot', {}, VIEWER);
    if (!snap.ok) throw new Error(snap.error.message);
    const status = snap.result.simulator;
    // The whole store in each 5-s snapshot was ~450 KB of JSON; now a few segments whatever the store holds.
    expect(JSON.stringify(status).length).toBeLessThan(2_000);
    const held = core.services.plant?.simulator.clockSegments().segments ?? [];
    expect(held.length).toBeGreaterThan(MAX_SEGMENTS - 10);
    expect(status.clock?.segments).toEqual(held.slice(-STATUS_SEGMENTS));
    expect(status.clock?.older).toBe(held.length - STATUS_SEGMENTS);

    // The control room: the snapshot lands in the plant slice, the clock store asks the core for the rest.
    const fetched: unknown[] = [];
    usePlant.getState().setSnapshot(snap.result);
    stops.push(
      followPlantClock(usePlant, async (range) => {
        fetched.push(range);
        const r = await core.api.call('simulator.clockSegments', range, VIEWER);
        if (!r.ok) throw new Error(r.error.message);
        return r.result;
      }),
    );
    await waitFor(() => usePlantClock.getState().wanted.length === 0, 'the older segments fetched');
    expect(fetched).toEqual([{ to: held[held.length - STATUS_SEGMENTS].wall }]);
    expect(usePlantClock.getState().clock?.segments).toEqual(held);
    // An alarm stamped 30 s into the week's second segment: 10× from that segment's plant time.
    expect(wallToPlant(usePlantClock.getState().clock, T0 + MIN + 30_000)).toBe(P0 + 11 * MIN + 300_000);

    // More seeks between two snapshots than a status carries: the stretch in between is fetched, nothing else.
    const sim = core.services.plant?.simulator;
    if (!sim) throw new Error('no simulator');
    for (let i = 0; i < STATUS_SEGMENTS + 5; i++) {
      clock.advance(1_000);
      sim.seek(P0 + i * 3_600_000);
    }
    const next = await core.api.call('plant.snapshot', {}, VIEWER);
    if (!next.ok) throw new Error(next.error.message);
    fetched.length = 0;
    usePlant.getState().setSnapshot(next.result);
    await waitFor(() => usePlantClock.getState().wanted.length === 0, 'the skipped stretch fetched');
    expect(fetched).toHaveLength(1);
    // The UI holds what the core holds, within the same bound (the oldest pruned on both sides).
    expect(usePlantClock.getState().clock?.segments).toEqual(sim.clockSegments().segments);
  });

  it('gives a stretch of stored segments with the one covering its start, to a viewer', async () => {
    const core = cores[0];
    const all = core.services.plant?.simulator.clockSegments().segments ?? [];
    const r = await core.api.call('simulator.clockSegments', { from: T0 + 100 * MIN + 1, to: T0 + 103 * MIN }, VIEWER);
    if (!r.ok) throw new Error(r.error.message);
    const first = all.findIndex((s) => s.wall === T0 + 100 * MIN);
    expect(r.result).toEqual({ segments: all.slice(first, first + 3), older: first });
  });
});
