// Trends an operator can trust (issue 18, items 1 and 4): after a click on a Plant asset, a speed change,
// a seek and a loop of the replay, every line shows what the store holds plus the live tail; the time
// axis stays in view at both control-room sizes, in 24-hour plant time, and says which window is shown.
// Screenshots go to .tmp/artifacts (trends-*.png).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, showPane, startUiRig, type UiRig } from './harness';
import { OPERATOR } from '../helpers';
import { wallToPlant } from '../../renderer/src/time';

const DEVICE = 'line-1/compressor-01';
const KEYS = ['temperature', 'pressure', 'vibration', 'humidity', 'power'];

interface ChartState {
  markers: number[];
  tags: string[];
  points: number[];
  from: number;
  to: number;
}

async function charts(page: Page): Promise<ChartState[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('section.pane-body[data-pane="trends"] .trend-chart')].map((el) => ({
      tags: (el.dataset.tags ?? '').split(' '),
      markers: (el.dataset.markers ?? '').split(' ').filter(Boolean).map(Number),
      points: (el.dataset.points ?? '').split(' ').map(Number),
      from: Number(el.dataset.from),
      to: Number(el.dataset.to),
    })),
  );
}

function simOf(rig: UiRig) {
  const plant = rig.core.services.plant;
  if (!plant) throw new Error('this core replays no plant');
  return plant.simulator;
}

/** The plant clock: the newest reading's time. */
function plantNow(rig: UiRig): number {
  const t = simOf(rig).plantTime();
  if (t === null) throw new Error('no reading published yet');
  return t;
}

/** Samples per tag in the chart. */
async function pointsByTag(page: Page): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of await charts(page)) c.tags.forEach((t, i) => (out[t] = c.points[i] ?? 0));
  return out;
}

describe('trends in a real browser', () => {
  let rig: UiRig;

  /** Stored samples per tag of DEVICE over the day before the plant's newest reading (what "the stored day" means). */
  const stored = async (): Promise<Record<string, number>> => {
    const to = rig.core.services.plant?.simulator.plantTime() ?? Date.now();
    const r = await rig.core.api.call('plant.tagRange', { tags: KEYS.map((k) => `${DEVICE}/${k}`), from: to - 86_400_000, to, maxPoints: 17_280 }, OPERATOR);
    if (!r.ok) throw new Error(r.error.message);
    return Object.fromEntries(r.result.map((s) => [s.tag, s.value.filter((v) => v !== null).length]));
  };

  /**
   * Every tag of DEVICE shows at least what the store held a moment ago, and the live tail after it: the
   * charts follow the plant clock (their window ends past that moment, never ahead of the plant).
   */
  const showsStoredDay = async (page: Page, label: string) => {
    const at = plantNow(rig);
    const want = await stored();
    await expect
      .poll(
        async () => {
          const have = await pointsByTag(page);
          const now = plantNow(rig);
          const wrong = Object.entries(want)
            .filter(([tag, n]) => (have[tag] ?? 0) < n)
            .map(([tag, n]) => `${tag} ${have[tag] ?? 0}/${n}`);
          for (const c of await charts(page))
            if (!(c.to > at && c.to <= now + 5000)) wrong.push(`${c.tags[0]} window ends at ${c.to}, plant clock ${at}..${now}`);
          return wrong;
        },
        { timeout: 15_000, message: label },
      )
      .toEqual([]);
    expect(await page.locator('section.pane-body[data-pane="trends"] [data-action="live"]').textContent(), label).toBe('Live');
  };

  beforeAll(async () => {
    rig = await startUiRig({ simulator: { speed: 300 }, immune: { fleet: { enabled: false } } }, { width: 1920, height: 1080 });
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('a click on a Plant asset charts its stored day plus the live tail, and keeps it through a speed change, a seek and a loop', async () => {
    const { page } = rig;
    // A few minutes of plant time in the store before the operator looks.
    await expect.poll(async () => Math.min(...Object.values(await stored())), { timeout: 20_000 }).toBeGreaterThan(200);
    // And what an earlier run left: a replay shifts its first reading to the wall clock at start, so a run
    // that went on at 100× stored readings hours ahead of where this run's clock now is.
    const ahead = plantNow(rig) + 10 * 60_000;
    rig.core.services.readings.insertBatch(
      Array.from({ length: 720 }, (_, i) => {
        const ts = ahead + i * 5000;
        return { device_id: DEVICE, ts, timestamp: new Date(ts).toISOString(), values: Object.fromEntries(KEYS.map((k) => [k, 50])) };
      }),
    );
    // The Trends pane opened with the control room (before any reading came in): the day so far is all there.
    await showPane(page, 'trends');
    await showsStoredDay(page, 'as the control room opened');
    // The operator was looking at another asset's trend, then clicks this one in the Plant pane.
    await showPane(page, 'plant');
    await page.locator(`tr[data-device="line-2/pump-03"] button.link`).click();
    await page.click('[data-action="trend-asset"]');
    await page.waitForSelector('section.pane-body[data-pane="trends"] tr[data-trend-tag^="line-2/pump-03/"]');
    await showPane(page, 'plant');
    await page.click('section.pane-body[data-pane="plant"] [data-action="back"]');
    await page.locator(`tr[data-device="${DEVICE}"] button.link`).click();
    await page.click('[data-action="trend-asset"]');
    await page.waitForSelector(`section.pane-body[data-pane="trends"] tr[data-trend-tag^="${DEVICE}/"]`);
    await showsStoredDay(page, 'after a click on the asset');

    const sim = simOf(rig);
    sim.setSpeed(1000);
    await page.waitForTimeout(1000);
    await showsStoredDay(page, 'after a speed change');

    // A seek back in the dataset: the replay's rows are older than the last ones published.
    sim.jumpToScenario('thermal_runaway');
    await page.waitForTimeout(1000);
    await showsStoredDay(page, 'after a seek');

    // The end of the tape, then the loop back to its start.
    const status = sim.status();
    expect(status.totalRows).toBeGreaterThan(0);
    const before = (await pointsByTag(page))[`${DEVICE}/temperature`];
    sim.seek(Date.parse(status.simTime ?? '') + 10 * 86_400_000);
    await page.waitForTimeout(1000);
    await showsStoredDay(page, 'after a loop');
    expect((await pointsByTag(page))[`${DEVICE}/temperature`]).toBeGreaterThanOrEqual(before);
    expect(rig.errors).toEqual([]);
  }, 90_000);

  it('adding another asset through the tag picker charts its stored day too', async () => {
    const { page } = rig;
    const other = 'line-1/pump-03';
    await page.click('section.pane-body[data-pane="trends"] .tag-picker summary');
    await page.locator(`[data-picker-asset="${other}"] .picker-asset-name input`).check();
    await page.click('section.pane-body[data-pane="trends"] .tag-picker summary');
    await page.waitForSelector(`section.pane-body[data-pane="trends"] tr[data-trend-tag^="${other}/"]`);
    await showsStoredDay(page, 'after adding an asset');
    const have = await pointsByTag(page);
    const otherTags = Object.keys(have).filter((t) => t.startsWith(`${other}/`));
    expect(otherTags.length).toBeGreaterThan(0);
    for (const t of otherTags) expect(have[t], t).toBeGreaterThan(200);
  }, 60_000);

  it('one clock: the top bar, an alarm and its marker on the trend are on the plant clock (the readings’), 24-hour', async () => {
    const { page } = rig;
    // The replay runs hundreds of times faster than the wall: its clock gets far from the wall's (waited for:
    // how far it is by this line depends on how long the test above took, under 3.6 s at 1000× on a fast run).
    await expect.poll(() => Math.abs(plantNow(rig) - Date.now()), { timeout: 20_000 }).toBeGreaterThan(3_600_000);
    const top = page.locator('[data-field="plant-time"] time');
    await expect.poll(async () => Math.abs(Number(await top.getAttribute('data-plant-ts')) - plantNow(rig)), { timeout: 10_000 }).toBeLessThan(10 * 60_000);
    expect(await top.textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    // The thermal-runaway hour (jumped to above) raises an alarm on the compressor.
    await showPane(page, 'alarms');
    const row = page.locator(`tr[data-alarm-id][data-source="${DEVICE}"]`).first();
    await row.waitFor({ timeout: 30_000 });
    const id = await row.getAttribute('data-alarm-id');
    const when = row.locator('time[data-plant-ts]').first();
    const shown = Number(await when.getAttribute('data-plant-ts'));
    const alarm = rig.core.services.alarms.list().find((a) => a.id === id);
    const wall = alarm?.activated_at ?? alarm?.updated_at ?? NaN;
    // On the readings' clock: inside the span the store holds readings for, never at its wall time.
    const range = await rig.core.api.call('plant.tagRange', { tags: [`${DEVICE}/temperature`], from: 0, to: plantNow(rig), maxPoints: 10 }, OPERATOR);
    const first = range.ok ? range.result[0].ts[0] : NaN;
    expect(shown).toBeGreaterThanOrEqual(first);
    expect(shown).toBeLessThanOrEqual(plantNow(rig));
    // Placed on the plant clock through the replay's segments (exactly where the core's clock put that wall
    // instant), which by the alarm's raise ran far from the wall (how far depends on when the runaway fired).
    const sim = simOf(rig);
    const status = sim.status().clock;
    if (!status) throw new Error('no replay clock');
    const placed = wallToPlant({ ...status, segments: sim.clockSegments().segments }, wall);
    expect(Math.abs(shown - placed)).toBeLessThanOrEqual(1_000);
    expect(Math.abs(shown - wall)).toBeGreaterThan(10 * 60_000);
    expect(await when.textContent()).toMatch(/^(\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}:\d{2}$/);
    expect(await when.getAttribute('title')).toContain('wall clock');

    // The same instant is a marker on the device's trend.
    await showPane(page, 'trends');
    await expect.poll(async () => (await charts(page)).every((c) => c.markers.includes(shown)), { timeout: 5000 }).toBe(true);
  }, 60_000);

  it('the time axis is in view at both sizes, in 24-hour form, and the shown window is named after a zoom', async () => {
    const { page } = rig;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const size of [
      { width: 1366, height: 768 },
      { width: 1920, height: 1080 },
    ]) {
      await page.setViewportSize(size);
      await page.waitForTimeout(500);
      // The bottom chart's axis lies inside the pane: nothing to scroll to see it.
      const cut = await page.evaluate(() => {
        const stack = document.querySelector('section.pane-body[data-pane="trends"] .trend-stack');
        const pane = document.querySelector('section.pane-body[data-pane="trends"]');
        if (!stack || !pane) return 'no trend stack';
        const scroll = stack.scrollHeight - stack.clientHeight;
        const paneScroll = pane.scrollHeight - pane.clientHeight;
        return scroll > 1 || paneScroll > 1 ? `scrolls by ${scroll} / ${paneScroll} px` : '';
      });
      expect(cut, `${size.width}×${size.height}`).toBe('');
      await page.locator('section.pane-body[data-pane="trends"]').screenshot({ path: path.join(ARTIFACTS, `trends-${size.width}.png`) });
    }
    const win = page.locator('section.pane-body[data-pane="trends"] [data-field="trend-window"]');
    await page.click('section.pane-body[data-pane="trends"] [aria-label="Zoom in"]');
    const [c] = await charts(page);
    // The window named in 24-hour form, start and end, matching the charts' scale.
    const text = (await win.textContent()) ?? '';
    expect(text).toMatch(/\d{2}:\d{2}:\d{2}.*–.*\d{2}:\d{2}:\d{2}/);
    expect(text).not.toMatch(/am|pm/i);
    expect(await win.getAttribute('data-from')).toBe(String(c.from));
    expect(await win.getAttribute('data-to')).toBe(String(c.to));
    await page.click('section.pane-body[data-pane="trends"] [data-action="live"]');
  }, 60_000);
});

describe('trends when the replay keeps the dataset timestamps (its clock goes back on a seek)', () => {
  let rig: UiRig;

  beforeAll(async () => {
    rig = await startUiRig({ simulator: { speed: 600, timestamps: 'keep' }, immune: { fleet: { enabled: false } } }, { width: 1366, height: 768 });
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('a seek back keeps the stored day on the chart, and the chart follows the replay clock', async () => {
    const { page } = rig;
    const sim = simOf(rig);
    const count = async () => {
      const to = sim.plantTime() ?? 0;
      const r = await rig.core.api.call('plant.tagRange', { tags: [`${DEVICE}/temperature`], from: to - 86_400_000, to, maxPoints: 17_280 }, OPERATOR);
      if (!r.ok) throw new Error(r.error.message);
      return r.result[0].ts.length;
    };
    await expect.poll(count, { timeout: 20_000 }).toBeGreaterThan(300);
    await showPane(page, 'plant');
    await page.locator(`tr[data-device="${DEVICE}"] button.link`).click();
    await page.click('[data-action="trend-asset"]');
    await page.waitForSelector('section.pane-body[data-pane="trends"] .trend-chart canvas');
    const first = Date.parse(sim.status().simTime ?? '');
    const held = await count();
    await expect.poll(async () => (await pointsByTag(page))[`${DEVICE}/temperature`], { timeout: 15_000 }).toBeGreaterThanOrEqual(held);
    // Back to ten minutes after the tape's start: the next readings are older than those on the chart.
    const start = first - (first % 86_400_000);
    sim.seek(start + 10 * 60_000);
    const stamp = start + 10 * 60_000;
    await expect.poll(async () => (await charts(page))[0]?.to ?? 0, { timeout: 15_000 }).toBeLessThan(stamp + 30 * 60_000);
    expect((await pointsByTag(page))[`${DEVICE}/temperature`]).toBeGreaterThanOrEqual(held);
    expect(await page.locator('section.pane-body[data-pane="trends"] [data-action="live"]').textContent()).toBe('Live');
    expect(rig.errors).toEqual([]);
  }, 60_000);
});
