// The plant clock never moves back in silence (truth on screen): with the dataset's own timestamps
// (simulator.timestamps 'keep') a seek back or a loop (end of the dataset → its start) moves the plant
// clock back. In a real browser the operator is told where they look: a notice naming the jump and its
// two times, and a mark on the top bar's clock exactly while a time on screen is later than the clock —
// from what is shown (an alarm placed through the core's clock segments), not from what this page
// happened to see before: a page opened after the jump marks it, and the mark goes once that alarm leaves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import { manualClock } from '../../electron/core/clock';
import { fmtClock, wallToPlant } from '../../renderer/src/time';
import { waitFor } from '../helpers';
import { CHROMIUM, CHROMIUM_ARGS, ensureRendererBuilt, logIn, showPane, UI_OPERATOR } from './harness';

const SOURCE = 'clock-back-check';
const ALARM = `${SOURCE}:condition`;
const top = '[data-field="plant-time"]';

describe('the plant clock moving back on screen (kept timestamps)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-ui-clock-back-'));
  let core: Core | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await core?.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a seek back and a loop each raise a notice; the top bar marks the clock exactly while an alarm on screen is later than it, on a page opened after the jump too', async () => {
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
    const alarms = core.services.alarms;
    const url = core.services.http?.url;
    if (!sim || !url) throw new Error('no simulator or http');
    await waitFor(() => sim.plantTime() !== null, 'the first replayed rows');
    const first = sim.plantTime() ?? 0;
    /** Where the core's clock segments place a wall instant (what the page shows for an alarm raised then). */
    const placed = (wall: number) => {
      const status = sim.status().clock;
      if (!status) throw new Error('no replay clock');
      return wallToPlant({ ...status, segments: sim.clockSegments().segments }, wall);
    };
    const raise = () => {
      const wall = clock.now();
      alarms.setCondition(ALARM, { active: true, source: SOURCE, kind: 'anomaly', priority: 'high', message: 'clock-back check' });
      return placed(wall);
    };
    /** The operator acknowledges it and the condition clears: it leaves the list of alarms wanting attention. */
    const settle = async (page: Page) => {
      alarms.setCondition(ALARM, { active: false, source: SOURCE, kind: 'anomaly', priority: 'high', message: 'clock-back check' });
      alarms.acknowledge(ALARM, UI_OPERATOR.name);
      await page.locator(`tr[data-alarm-id="${ALARM}"]`).waitFor({ state: 'detached' });
    };

    const chromiumBrowser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    browser = chromiumBrowser;
    const errors: string[] = [];
    /** A fresh console (its own session): it logs in and shows the alarm list. */
    const open = async () => {
      const page = await (await chromiumBrowser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
      page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
      await logIn(page, url);
      await showPane(page, 'alarms');
      // Only this alarm in the list: the replay's own alarms (a loaded machine raises some) are not this test's.
      await page.fill('input[placeholder="source filter"]', SOURCE);
      return page;
    };
    let page = await open();
    const topTs = async () => Number(await page.locator(`${top} time[data-plant-ts]`).getAttribute('data-plant-ts'));
    /** The top bar has caught up with the replay (readings reach the page in batches). */
    const topAt = async (atLeast: number) => waitFor(async () => (await topTs()) >= atLeast, `the top bar at ${new Date(atLeast).toISOString()}`);
    const mark = () => page.locator(`${top} [data-clock-back]`);

    // Twenty minutes of the dataset's own time, with the page watching; an alarm raised then.
    clock.advance(120_000);
    await waitFor(() => (sim.plantTime() ?? 0) >= first + 1_190_000, 'twenty minutes of plant time');
    const alarmAt = raise();
    await page.locator(`tr[data-alarm-id="${ALARM}"]`).waitFor();
    // A second on (the seek must not start at the alarm's own wall instant: that instant would be the seek's).
    clock.advance(1_000);
    await waitFor(() => (sim.plantTime() ?? 0) >= alarmAt + 5_000, 'ten seconds more');
    const before = sim.plantTime() ?? 0;
    await topAt(Math.floor(before / 1000) * 1000);
    const shown = await topTs();
    expect(await mark().count()).toBe(0);

    // Back to five minutes in: the notice, and the mark (the alarm on screen is later than the clock).
    const target = first + 300_000;
    sim.seek(target);
    const seekNotice = page.locator('.notices .notice', { hasText: 'Replay seek' });
    await seekNotice.waitFor();
    expect(await seekNotice.textContent()).toContain(`plant clock back from ${fmtClock(shown, target)} to ${fmtClock(target, target)}`);
    clock.advance(1_000);
    await waitFor(() => (sim.plantTime() ?? Infinity) < before, 'rows after the seek');
    await waitFor(async () => (await topTs()) < shown, 'the top bar back after the seek');
    await mark().waitFor();
    expect(await mark().getAttribute('title')).toContain(fmtClock(alarmAt, alarmAt));

    // A page opened now never saw the later times, and still marks the clock: the alarm it shows is later.
    await page.context().close();
    page = await open();
    await page.locator(`tr[data-alarm-id="${ALARM}"]`).waitFor();
    await mark().waitFor();
    expect(await mark().getAttribute('title')).toContain(fmtClock(alarmAt, alarmAt));
    // Once nothing on screen is later than the clock, no mark (the clock is still before the alarm's time).
    await settle(page);
    await mark().waitFor({ state: 'detached' });
    expect(await topTs()).toBeLessThan(alarmAt);

    // Paused, a seek past the end names the last row's time; from a minute before it the replay runs on past the end and loops.
    sim.pause();
    sim.seek(Date.parse('2100-01-01T00:00:00Z'));
    const lastRow = Date.parse(sim.status().simTime ?? '');
    expect(lastRow).toBeGreaterThan(before + 3_600_000);
    sim.seek(lastRow - 60_000);
    sim.resume();
    clock.advance(1_000);
    await topAt(lastRow - 60_000);
    expect(await mark().count()).toBe(0);
    const loopNotice = page.locator('.notices .notice', { hasText: 'Replay looped' });
    expect(await loopNotice.count()).toBe(0);
    // An alarm in the dataset's last minute, then the loop: marked while it is on screen, not for the whole pass.
    clock.advance(3_000);
    await topAt(lastRow - 30_000);
    const lateAlarm = raise();
    await page.locator(`tr[data-alarm-id="${ALARM}"]`).waitFor();
    clock.advance(7_000);
    await loopNotice.waitFor();
    const text = (await loopNotice.textContent()) ?? '';
    expect(text).toContain(`to ${fmtClock(first, first)}`);
    // From what the top bar showed when the loop came: within the last minute replayed (readings reach the page in batches).
    const from = /back from (.+) to /.exec(text)?.[1] ?? '';
    const lastMinute = Array.from({ length: 61 }, (_, k) => fmtClock(lastRow - k * 1_000, first));
    expect(lastMinute).toContain(from);
    await waitFor(async () => (await topTs()) < lastRow - 3_600_000, 'the top bar back at the start of the dataset');
    await mark().waitFor();
    expect(await mark().getAttribute('title')).toContain(fmtClock(lateAlarm, lateAlarm));
    await settle(page);
    await mark().waitFor({ state: 'detached' });
    expect(await topTs()).toBeLessThan(lastRow - 3_600_000);
    expect(errors).toEqual([]);
  }, 180_000);
});
