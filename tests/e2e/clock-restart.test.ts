// One clock on screen after a restart (truth on screen): a replay ran ten times faster than the wall clock,
// an operator wrote a note, the replay's speed changed often enough that the note's clock segment is no
// longer in the status a UI polls, and the core restarted (paused) on the same data dir. In a real
// browser the top bar and the Replay pane show the plant clock where it stood, not back at the wall
// clock, and the logbook places the note at the plant time it was written: not after "now".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import { manualClock } from '../../electron/core/clock';
import { STATUS_SEGMENTS } from '../../electron/core/plant/simulator';
import { wallToPlant } from '../../renderer/src/time';
import { operatorCaller, waitFor } from '../helpers';
import { CHROMIUM, CHROMIUM_ARGS, ensureRendererBuilt, logIn, showPane, UI_OPERATOR } from './harness';

const config = (dir: string, autostart: boolean) =>
  testConfig(dir, { simulator: { speed: 10, autostart }, governance: { watchPolicy: false }, immune: { fleet: { enabled: false } } });

/** The plant clock with every stored segment (a status carries only the newest). */
function clockOf(core: Core) {
  const sim = core.services.plant?.simulator;
  const status = sim?.status().clock;
  if (!sim || !status) throw new Error('no replay clock');
  return { ...status, segments: sim.clockSegments().segments };
}

describe('the plant clock on screen after a restart', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-ui-clock-'));
  const cores: Core[] = [];
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close().catch(() => {});
    for (const c of cores) await c.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('top bar, Replay pane and logbook agree, and no note is later than now', async () => {
    ensureRendererBuilt();
    const clock = manualClock(Date.now());
    const a = createCore(config(dir, true), { clock });
    cores.push(a);
    await a.start();
    await a.services.operators.registry.add(UI_OPERATOR);
    const sim = a.services.plant?.simulator;
    if (!sim) throw new Error('no simulator');
    await waitFor(() => sim.plantTime() !== null, 'the first replayed rows');
    const started = sim.plantTime() ?? 0;
    // Ten minutes of wall time at 10×: the plant clock runs an hour and a half ahead.
    clock.advance(600_000);
    await waitFor(() => (sim.plantTime() ?? 0) >= started + 5_990_000, 'a hundred minutes of plant time');
    const note = await a.api.call('logbook.add', { text: 'Compressor 1 sounds rough' }, operatorCaller(UI_OPERATOR.name, UI_OPERATOR.roles));
    if (!note.ok) throw new Error(note.error.message);
    const notePlant = wallToPlant(clockOf(a), note.result.ts);
    expect(notePlant).toBeGreaterThan(note.result.ts + 5_000_000);
    // Speed changes push the note's segment out of the status's window.
    for (let i = 0; i < STATUS_SEGMENTS + 4; i++) {
      clock.advance(1_000);
      sim.setSpeed(i % 2 === 0 ? 20 : 10);
    }
    const reached = sim.plantTime() ?? 0;
    await a.stop();
    cores.length = 0;

    clock.advance(120_000);
    const b = createCore(config(dir, false), { clock });
    cores.push(b);
    await b.start();
    expect(b.services.plant?.simulator.status().clock?.segments.some((s) => s.wall <= note.result.ts)).toBe(false);
    expect(wallToPlant(clockOf(b), note.result.ts)).toBe(notePlant);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
    const url = b.services.http?.url;
    if (!url) throw new Error('no http');
    await logIn(page, url);

    const plantTs = async (selector: string) => Number(await page.locator(`${selector} time[data-plant-ts]`).getAttribute('data-plant-ts'));
    await page.waitForSelector('[data-field="plant-time"] time[data-plant-ts]:not([data-plant-ts=""])');
    const top = await plantTs('[data-field="plant-time"]');
    // Where the replay stood (one row on: the restart's segment), not back at the wall clock.
    expect(top).toBeGreaterThan(reached);
    expect(top).toBeGreaterThan(clock.now() + 5_000_000);

    await showPane(page, 'replay');
    expect(await plantTs('[data-field="replay-plant-time"]')).toBe(top);

    await showPane(page, 'logbook');
    const row = `li[data-log-id="${note.result.id}"]`;
    await page.waitForSelector(`${row} time[data-plant-ts="${notePlant}"]`);
    expect(await plantTs(row)).toBeLessThanOrEqual(top);
    expect(errors).toEqual([]);
  }, 120_000);
});
