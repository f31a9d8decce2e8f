// The replay's clock segments survive a restart (issue 18, one clock): a wall-clock instant stamped
// before the core stopped (an alarm, an approval, an audit row) converts to the same plant time after a
// new core starts on the same data dir, and the plant clock goes on from where it stood, with shifted or
// with kept timestamps (kept mode replayed from the dataset's first row: the clock ran back in silence).
// A real core, a real SQLite file, the injected clock moved by hand.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '..';
import { manualClock } from '../clock';
import { databasePath } from '../config';
import { createReadingsRepository, openDatabase, type ReadingsRepository } from '../store';
import { wallToPlant } from '../../../renderer/src/time';
import { INTERVAL_MS } from './generator';
import { tempDir, waitFor } from '../../../tests/helpers';

const config = (dir: string, autostart = true, timestamps: 'shift' | 'keep' = 'shift') =>
  testConfig(dir, {
    simulator: { speed: 10, autostart, timestamps },
    http: { enabled: false },
    immune: { fleet: { enabled: false } },
    governance: { watchPolicy: false },
  });

/** The plant clock as the control room holds it: every stored segment (a status carries only the newest). */
function clockOf(core: Core) {
  const sim = core.services.plant?.simulator;
  const status = sim?.status().clock;
  if (!sim || !status) throw new Error('no replay clock');
  return { ...status, segments: sim.clockSegments().segments };
}

describe('clock segments across a core restart', () => {
  const t = tempDir('aegis-clock-restart-');
  const cores: Core[] = [];
  afterAll(async () => {
    for (const c of cores) await c.stop();
    t.cleanup();
  });
  /** A core on dir with the hand-moved clock, started; its simulator. */
  const start = async (dir: string, clock: ReturnType<typeof manualClock>, autostart = true, timestamps: 'shift' | 'keep' = 'shift') => {
    const core = createCore(config(dir, autostart, timestamps), { clock });
    cores.push(core);
    await core.start();
    const sim = core.services.plant?.simulator;
    if (!sim) throw new Error('no simulator');
    return { core, sim };
  };
  /** A kept-timestamps core on dir that replayed twenty minutes at 10× (two of the clock's), then sought back to minute five. */
  const replayThenSeekBack = async (dir: string, clock: ReturnType<typeof manualClock>) => {
    const { core, sim } = await start(dir, clock, true, 'keep');
    await waitFor(() => sim.plantTime() !== null, 'the first replayed rows');
    const first = sim.plantTime() ?? 0;
    clock.advance(120_000);
    await waitFor(() => (sim.plantTime() ?? 0) >= first + 1_190_000, 'twenty minutes of plant time');
    const highest = sim.plantTime() ?? 0;
    const target = first + 300_000;
    const seekWall = clock.now();
    sim.seek(target);
    return { core, sim, highest, target, seekWall };
  };
  const stop = async (core: Core) => {
    await core.stop();
    cores.length = 0;
  };

  it('maps a wall instant from before the restart to the same plant time after it', async () => {
    const clock = manualClock(Date.parse('2026-12-07T10:00:00Z'));
    const { core: a, sim } = await start(t.dir, clock);
    await waitFor(() => sim.plantTime() !== null, 'the first replayed rows');
    // A minute of wall time at 10×: ten minutes of plant time replayed.
    clock.advance(60_000);
    await waitFor(() => (sim.plantTime() ?? 0) >= Date.parse('2026-12-07T10:09:00Z'), 'ten minutes of plant time');
    sim.seek(Date.parse('2026-01-01T12:00:00Z'));
    const seekWall = clock.now();
    clock.advance(30_000);
    const seg = sim.status().clock?.segments.at(-1);
    if (!seg) throw new Error('no segment');
    expect(seg).toMatchObject({ wall: seekWall, rate: 10 });
    // Replayed up to the clock (within one row of 5 s), so the stop's segment does not cut the instant off.
    await waitFor(() => (sim.plantTime() ?? 0) >= seg.plant + 30_000 * 10 - 5_000, 'the replay caught up with the clock');
    const instant = seekWall + 20_000;
    const before = clockOf(a);
    const plantAt = wallToPlant(before, instant);
    expect(plantAt).toBe(seg.plant + 20_000 * 10);
    expect(wallToPlant(before, seekWall - 1_000)).toBeLessThan(seg.plant);
    await stop(a);

    clock.advance(3_600_000);
    const { core: b } = await start(t.dir, clock);
    const after = clockOf(b);
    // The old segments come back as they were (plus the stop, then the new start).
    expect(after.segments.slice(0, before.segments.length)).toEqual(before.segments);
    expect(after.segments.length).toBeGreaterThan(before.segments.length);
    expect(wallToPlant(after, instant)).toBe(plantAt);
    expect(wallToPlant(after, seekWall - 1_000)).toBe(wallToPlant(before, seekWall - 1_000));
    // While the core was down the plant clock stood still.
    const stopped = after.segments[before.segments.length];
    expect(stopped.rate).toBe(0);
    expect(wallToPlant(after, clock.now() - 60_000)).toBe(stopped.plant);
    // The replay had fallen behind the wall clock (an hour down): shift mode puts it back on the wall clock.
    expect(after.segments.at(-1)).toMatchObject({ wall: clock.now(), plant: clock.now() });
  }, 60_000);

  it.each(['shift', 'keep'] as const)(
    'goes on after a restart from where a fast replay had taken the plant clock, never back (%s timestamps)',
    async (timestamps) => {
      const t2 = tempDir(`aegis-clock-ahead-${timestamps}-`);
      try {
        const clock = manualClock(Date.parse('2026-12-07T10:00:00Z'));
        const { core: a, sim } = await start(t2.dir, clock, true, timestamps);
        await waitFor(() => sim.plantTime() !== null, 'the first replayed rows');
        const first = sim.plantTime() ?? 0;
        // Shifted: the replay starts on the wall clock; kept: on the dataset's own time, far from it.
        if (timestamps === 'keep') expect(Math.abs(first - clock.now())).toBeGreaterThan(86_400_000);
        else expect(Math.abs(first - clock.now())).toBeLessThan(10_000);
        // A minute at 10×: the plant clock runs ten minutes on.
        clock.advance(60_000);
        await waitFor(() => (sim.plantTime() ?? 0) >= first + 590_000, 'ten minutes of plant time');
        const alarmWall = clock.now() - 1_000;
        const reached = sim.plantTime() ?? 0;
        const alarmPlant = wallToPlant(clockOf(a), alarmWall);
        expect(alarmPlant).toBeGreaterThan(first + 540_000);
        await stop(a);

        // Two minutes down; the new core starts paused, so nothing is replayed before it stops again.
        clock.advance(120_000);
        const { core: b } = await start(t2.dir, clock, false, timestamps);
        const nowB = wallToPlant(clockOf(b), clock.now());
        // Not back (at the wall clock's 10:03, or at the dataset's first row): an alarm raised before the restart is not "in the future".
        expect(nowB).toBeGreaterThanOrEqual(reached);
        expect(wallToPlant(clockOf(b), alarmWall)).toBe(alarmPlant);
        clock.advance(30_000);
        await stop(b);

        clock.advance(30_000);
        const { core: c, sim: simC } = await start(t2.dir, clock, true, timestamps);
        expect(wallToPlant(clockOf(c), clock.now())).toBeGreaterThanOrEqual(nowB);
        await waitFor(() => simC.plantTime() !== null, 'the first rows after the restart');
        expect(simC.plantTime()).toBeGreaterThan(reached);
        // Every instant since the first start converts to a plant time no earlier than the one before it.
        const conv = clockOf(c);
        let prev = -Infinity;
        for (let w = Date.parse('2026-12-07T10:00:00Z'); w <= clock.now(); w += 5_000) {
          const p = wallToPlant(conv, w);
          expect(p).toBeGreaterThanOrEqual(prev);
          prev = p;
        }
        await stop(c);
      } finally {
        t2.cleanup();
      }
    },
    60_000,
  );

  it('with kept timestamps goes on after a restart from where a seek back left the replay, not from the highest time published', async () => {
    const t4 = tempDir('aegis-clock-keep-seek-');
    try {
      const clock = manualClock(Date.parse('2026-12-07T10:00:00Z'));
      // Back to five minutes in, then thirty seconds at 10× (five minutes more): the replay stands at ~10 minutes.
      const { core: a, sim, highest, target, seekWall } = await replayThenSeekBack(t4.dir, clock);
      // An instant stamped a second before the seek (an alarm) stays where the clock was then, not at the seek's
      // target (the segment before a jump back used to run up to the jump's own plant time, and stop there).
      const started = clockOf(a).segments[0];
      expect(wallToPlant(clockOf(a), seekWall - 1_000)).toBe(started.plant + (seekWall - 1_000 - started.wall) * 10);
      expect(wallToPlant(clockOf(a), seekWall - 1)).toBe(highest);
      clock.advance(30_000);
      await waitFor(() => Date.parse(sim.status().simTime ?? '') > target + 295_000, 'the replay caught up after the seek');
      const position = sim.plantTime() ?? 0;
      expect(position).toBeGreaterThanOrEqual(target + 295_000);
      expect(position).toBeLessThan(highest - 500_000);
      expect(sim.status().clock?.plantTime).toBe(position);
      await stop(a);

      clock.advance(60_000);
      const { core: b, sim: simB } = await start(t4.dir, clock, false, 'keep');
      const conv = clockOf(b);
      // The stop's segment holds where the replay stood, and the clock stood still there while the core was down.
      expect(wallToPlant(conv, clock.now() - 30_000)).toBe(position);
      expect(wallToPlant(conv, clock.now())).toBeLessThan(position + 10_000);
      expect(simB.status().rowIndex).toBeLessThan(b.services.plant?.simulator.status().totalRows ?? 0);
      expect(Date.parse(simB.status().simTime ?? '')).toBeLessThan(position + 10_000);
      await stop(b);
    } finally {
      t4.cleanup();
    }
  }, 60_000);

  it('with kept timestamps after a crash that followed a seek back resumes where the replay stood, re-publishing a stretch once more, never jumping forward', async () => {
    const t5 = tempDir('aegis-clock-keep-crash-');
    const t6 = tempDir('aegis-clock-keep-crash-image-');
    try {
      const clock = manualClock(Date.parse('2026-12-07T10:00:00Z'));
      // Back to five minutes in, then two steps of fifteen seconds at 10×: the replay stands at ~10 minutes.
      const { core: a, sim, highest, target } = await replayThenSeekBack(t5.dir, clock);
      for (const step of [150_000, 300_000]) {
        clock.advance(15_000);
        await waitFor(() => Date.parse(sim.status().simTime ?? '') > target + step - 5_000, 'the replay caught up after the seek');
      }
      const position = sim.plantTime() ?? 0;
      expect(position).toBeLessThan(highest - 500_000);
      const devices = a.services.plant?.dataset.devices ?? [];
      const device = devices[0];
      await waitFor(() => a.services.readings.range(device, position, position).length === 1, 'the position stored');
      // The crash (kill -9): the database as it is on disk now, committed transactions only; no stop runs on it.
      fs.copyFileSync(path.join(t5.dir, 'sensor_data.csv'), path.join(t6.dir, 'sensor_data.csv'));
      const live = openDatabase(databasePath(config(t5.dir)));
      live.prepare('VACUUM INTO ?').run(databasePath(config(t6.dir)));
      live.close();
      await stop(a);

      clock.advance(60_000);
      const { core: b, sim: simB } = await start(t6.dir, clock, true, 'keep');
      const restart = clockOf(b).segments.at(-1);
      // Not at the highest time ever replayed: within the stretch replayed since the seek, at most where it stood.
      expect(restart?.plant).toBeGreaterThanOrEqual(target);
      expect(restart?.plant).toBeLessThanOrEqual(position);
      await waitFor(() => simB.plantTime() !== null, 'the first rows after the restart');
      expect(simB.plantTime()).toBeLessThanOrEqual(position + 5_000);
      clock.advance(30_000);
      const until = (restart?.plant ?? 0) + 300_000;
      await waitFor(() => (simB.plantTime() ?? 0) >= until - 5_000, 'the replay past the crash');
      await waitFor(() => b.services.readings.range(device, until - 5_000, until).length > 0, 'stored past the crash');
      // Nothing lost across the crash, nothing refused or flagged, and the stretch published twice is stored once.
      const rows = b.services.readings.range(device, target, until - 5_000);
      for (let i = 1; i < rows.length; i++) expect(Date.parse(rows[i].timestamp) - Date.parse(rows[i - 1].timestamp)).toBe(INTERVAL_MS);
      expect(rows.filter((r) => r.quality)).toEqual([]);
      expect(b.services.ingest.counters().rejected).toBe(0);
      const image = openDatabase(databasePath(config(t6.dir)));
      const perMinute = image.prepare('SELECT MAX(r.n + r.bad) FROM tag_rollup r JOIN tags t ON t.id = r.tag WHERE t.device = ?').pluck().get(device) as number;
      image.close();
      expect(perMinute).toBeLessThanOrEqual(60_000 / INTERVAL_MS);
      await stop(b);
    } finally {
      t5.cleanup();
      t6.cleanup();
    }
  }, 60_000);

  it('after a crash (no stop segment) resumes after the newest stored reading', async () => {
    const t3 = tempDir('aegis-clock-crash-');
    try {
      const clock = manualClock(Date.parse('2026-12-07T10:00:00Z'));
      const { core: a, sim } = await start(t3.dir, clock);
      await waitFor(() => sim.plantTime() !== null, 'the first replayed rows');
      clock.advance(60_000);
      const devices = a.services.plant?.dataset.devices ?? [];
      const newestOf = (r: Pick<ReadingsRepository, 'latest'>) => Math.max(...devices.map((d) => Date.parse(r.latest(d, 1)[0]?.timestamp ?? '') || 0));
      const newest = () => newestOf(a.services.readings);
      await waitFor(() => newest() >= Date.parse('2026-12-07T10:09:55Z'), 'ten minutes of plant time stored');
      await stop(a);
      // The crash: the core never wrote its stop's segment.
      const db = openDatabase(databasePath(config(t3.dir)));
      db.exec('DELETE FROM sim_clock_segments WHERE id = (SELECT MAX(id) FROM sim_clock_segments)');
      const stored = newestOf(createReadingsRepository(db));
      db.close();

      clock.advance(120_000);
      const { core: b, sim: simB } = await start(t3.dir, clock);
      await waitFor(() => simB.plantTime() !== null, 'the first rows after the restart');
      expect(simB.plantTime()).toBeGreaterThan(stored);
      // The crashed stretch converts up to the restart's plant time, never past it.
      const conv = clockOf(b);
      const restart = conv.segments.at(-1);
      expect(restart?.plant).toBeGreaterThan(stored);
      expect(wallToPlant(conv, clock.now() - 1)).toBeLessThanOrEqual(restart?.plant ?? 0);
      await stop(b);
    } finally {
      t3.cleanup();
    }
  }, 60_000);
});
