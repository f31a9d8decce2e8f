// The plant clock never moves back in silence (truth on screen): with the dataset's own timestamps
// (simulator.timestamps 'keep') a seek back or a loop (end of the dataset → its start) moves the plant
// clock back. In a real browser the operator is told where they look: a notice naming the jump and its
// two times, and a mark on the top bar's clock while the replayed time is earlier than times already shown.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import { manualClock } from '../../electron/core/clock';
import { fmtClock } from '../../renderer/src/time';
import { waitFor } from '../helpers';
import { CHROMIUM, CHROMIUM_ARGS, ensureRendererBuilt, logIn, UI_OPERATOR } from './harness';

describe('the plant clock moving back on screen (kept timestamps)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-ui-clock-back-'));
  let core: Core | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await core?.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a seek back and a loop each raise a notice naming the jump, and the top bar marks the clock as moved back', async () => {
    ensureRendererBuilt();
    const clock = manualClock(Date.now());
    core = createCore(
      testConfig(dir, {
        simulator: { speed: 10, autostart: true, timestamps: 'keep', loop: true },
        governance: { watchPolicy: false },
        immune: { fleet: { enabled: false } },
      }),
      { clock },
    );
    await core.start();
    await core.services.operators.registry.add(UI_OPERATOR);
    const sim = core.services.plant?.simulator;
    const url = core.services.http?.url;
    if (!sim || !url) throw new Error('no simulator or http');
    await waitFor(() => sim.plantTime() !== null, 'the first replayed rows');
    const first = sim.plantTime() ?? 0;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
    await logIn(page, url);

    const top = '[data-field="plant-time"]';
    const topTs = async () => Number(await page.locator(`${top} time[data-plant-ts]`).getAttribute('data-plant-ts'));
    /** The top bar has caught up with the replay (readings reach the page in batches). */
    const topAt = async (atLeast: number) => waitFor(async () => (await topTs()) >= atLeast, `the top bar at ${new Date(atLeast).toISOString()}`);

    // Twenty minutes of the dataset's own time, with the page watching.
    clock.advance(120_000);
    await waitFor(() => (sim.plantTime() ?? 0) >= first + 1_190_000, 'twenty minutes of plant time');
    const before = sim.plantTime() ?? 0;
    await topAt(Math.floor(before / 1000) * 1000);
    const shown = await topTs();
    expect(await page.locator(`${top} [data-clock-back]`).count()).toBe(0);

    // Back to five minutes in.
    const target = first + 300_000;
    sim.seek(target);
    const seekNotice = page.locator('.notices .notice', { hasText: 'Replay seek' });
    await seekNotice.waitFor();
    expect(await seekNotice.textContent()).toContain(`plant clock back from ${fmtClock(shown, target)} to ${fmtClock(target, target)}`);
    clock.advance(1_000);
    await waitFor(() => (sim.plantTime() ?? Infinity) < before, 'rows after the seek');
    await waitFor(async () => (await topTs()) < shown, 'the top bar back after the seek');
    const mark = page.locator(`${top} [data-clock-back]`);
    await mark.waitFor();
    expect(await mark.getAttribute('title')).toContain(fmtClock(shown, shown));

    // Paused, a seek past the end names the last row's time; from a minute before it the replay runs on past the end and loops.
    sim.pause();
    sim.seek(Date.parse('2100-01-01T00:00:00Z'));
    const lastRow = Date.parse(sim.status().simTime ?? '');
    expect(lastRow).toBeGreaterThan(before + 3_600_000);
    sim.seek(lastRow - 60_000);
    sim.resume();
    clock.advance(1_000);
    await topAt(lastRow - 60_000);
    // Forward past every time shown: no longer marked, and no notice for a jump on.
    await mark.waitFor({ state: 'detached' });
    const loopNotice = page.locator('.notices .notice', { hasText: 'Replay looped' });
    expect(await loopNotice.count()).toBe(0);
    expect(await page.locator('.notices .notice', { hasText: 'Replay seek' }).count()).toBeLessThanOrEqual(1);
    clock.advance(10_000);
    await loopNotice.waitFor();
    const text = (await loopNotice.textContent()) ?? '';
    expect(text).toContain(`to ${fmtClock(first, first)}`);
    // From what the top bar showed when the loop came: within the last minute replayed (readings reach the page in batches).
    const from = /back from (.+) to /.exec(text)?.[1] ?? '';
    const lastMinute = Array.from({ length: 61 }, (_, k) => fmtClock(lastRow - k * 1_000, first));
    expect(lastMinute).toContain(from);
    await waitFor(async () => (await topTs()) < lastRow - 3_600_000, 'the top bar back at the start of the dataset');
    await page.locator(`${top} [data-clock-back]`).waitFor();
    expect(errors).toEqual([]);
  }, 120_000);
});
