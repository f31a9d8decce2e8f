// The plant clock across a restart with `timestamps: keep` (the dataset's own timestamps): the replay
// position was not kept, so a new core replayed from the dataset's first row and the plant clock ran
// back to it in silence: an alarm raised before the restart showed later than "now". Kept mode now
// goes on from the first row after the plant time the clock had reached. A real core, a real SQLite file,
// the injected clock moved by hand.
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '..';
import { manualClock } from '../clock';
import { wallToPlant } from '../../../renderer/src/time';
import { tempDir, waitFor } from '../../../tests/helpers';

const config = (dir: string, autostart = true) =>
  testConfig(dir, {
    simulator: { speed: 10, autostart, timestamps: 'keep' },
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

describe('the kept-timestamps plant clock across a core restart', () => {
  const t = tempDir('aegis-clock-keep-');
  const cores: Core[] = [];
  afterAll(async () => {
    for (const c of cores) await c.stop();
    t.cleanup();
  });
  const start = async (clock: ReturnType<typeof manualClock>, autostart = true) => {
    const core = createCore(config(t.dir, autostart), { clock });
    cores.push(core);
    await core.start();
    const sim = core.services.plant?.simulator;
    if (!sim) throw new Error('no simulator');
    return { core, sim };
  };
  const stop = async (core: Core) => {
    await core.stop();
    cores.length = 0;
  };

  it('goes on from where the plant clock stood, never back to the dataset start', async () => {
    const clock = manualClock(Date.parse('2026-12-07T10:00:00Z'));
    const { core: a, sim } = await start(clock);
    await waitFor(() => sim.plantTime() !== null, 'the first replayed rows');
    const first = sim.plantTime() ?? 0;
    // Kept timestamps: the plant clock is the dataset's, far from the wall clock.
    expect(Math.abs(first - clock.now())).toBeGreaterThan(86_400_000);
    clock.advance(60_000);
    await waitFor(() => (sim.plantTime() ?? 0) >= first + 590_000, 'ten minutes of plant time');
    const alarmWall = clock.now() - 1_000;
    const alarmPlant = wallToPlant(clockOf(a), alarmWall);
    const reached = sim.plantTime() ?? 0;
    await stop(a);

    clock.advance(120_000);
    // Paused: where the clock stands before anything is replayed.
    const { core: b } = await start(clock, false);
    const nowB = wallToPlant(clockOf(b), clock.now());
    expect(nowB).toBeGreaterThanOrEqual(reached);
    expect(wallToPlant(clockOf(b), alarmWall)).toBe(alarmPlant);
    await stop(b);

    clock.advance(30_000);
    const { core: c, sim: simC } = await start(clock);
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
  }, 60_000);
});
