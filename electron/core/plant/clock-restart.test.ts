// The replay's clock segments survive a restart (issue 18, one clock): a wall-clock instant stamped
// before the core stopped (an alarm, an approval, an audit row) converts to the same plant time after a
// new core starts on the same data dir. A real core, a real SQLite file, the injected clock moved by hand.
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '..';
import { manualClock } from '../clock';
import { wallToPlant } from '../../../renderer/src/time';
import { tempDir, waitFor } from '../../../tests/helpers';

const config = (dir: string) =>
  testConfig(dir, {
    simulator: { speed: 10 },
    http: { enabled: false },
    immune: { fleet: { enabled: false } },
    governance: { watchPolicy: false },
  });

describe('clock segments across a core restart', () => {
  const t = tempDir('aegis-clock-restart-');
  const cores: Core[] = [];
  afterAll(async () => {
    for (const c of cores) await c.stop();
    t.cleanup();
  });

  it('maps a wall instant from before the restart to the same plant time after it', async () => {
    const clock = manualClock(Date.parse('2026-12-07T10:00:00Z'));
    const a = createCore(config(t.dir), { clock });
    cores.push(a);
    await a.start();
    const sim = a.services.plant?.simulator;
    if (!sim) throw new Error('no simulator');
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
    const before = sim.status().clock;
    const plantAt = wallToPlant(before, instant);
    expect(plantAt).toBe(seg.plant + 20_000 * 10);
    expect(wallToPlant(before, seekWall - 1_000)).toBeLessThan(seg.plant);
    await a.stop();
    cores.length = 0;

    clock.advance(3_600_000);
    const b = createCore(config(t.dir), { clock });
    cores.push(b);
    await b.start();
    const after = b.services.plant?.simulator.status().clock;
    if (!after || !before) throw new Error('no clock');
    // The old segments come back as they were (plus the stop, then the new start).
    expect(after.segments.slice(0, before.segments.length)).toEqual(before.segments);
    expect(after.segments.length).toBeGreaterThan(before.segments.length);
    expect(wallToPlant(after, instant)).toBe(plantAt);
    expect(wallToPlant(after, seekWall - 1_000)).toBe(wallToPlant(before, seekWall - 1_000));
    // While the core was down the plant clock stood still.
    const stopped = after.segments[before.segments.length];
    expect(stopped.rate).toBe(0);
    expect(wallToPlant(after, clock.now() - 60_000)).toBe(stopped.plant);
  }, 60_000);
});
