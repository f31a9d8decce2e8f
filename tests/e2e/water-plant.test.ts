// The second plant in the control room (issue 15): a core started on resources/plants/water-treatment.yaml,
// the built UI in Chromium. The Plant pane shows the model's hierarchy, an asset's detail its tags with
// units, a trend of a chosen 60-s tag draws, an alarm from the plant appears. Screenshots at both
// control-room sizes go to .tmp/artifacts.
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../helpers';
import { ARTIFACTS, ROOT, showPane, startUiRig, type UiRig } from './harness';

const WATER = path.join(ROOT, 'resources', 'plants', 'water-treatment.yaml');
const PUMP = 'intake/rw-pump-1';
const SIZES = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
];

describe('the water-treatment plant in the control room', () => {
  let rig: UiRig;

  beforeAll(async () => {
    rig = await startUiRig(
      {
        plant: { model: WATER, watch: false },
        simulator: { speed: 5 },
        // Learn the 1-s tags within the first plant minutes (~30 s of wall time at 5×).
        detect: { learnSamples: 120 },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false, sweepIntervalMs: 100 },
      },
      SIZES[0],
    );
    await rig.login();
  }, 240_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('the hierarchy shows the four areas, their lines and assets', async () => {
    const { page } = rig;
    await showPane(page, 'plant');
    await page.waitForSelector('[data-level="overview"] section[data-area]', { timeout: 20_000 });
    const model = await rig.core.api.call('plant.model', {}, OPERATOR);
    if (!model.ok) throw new Error(model.error.message);
    expect(model.result.areas).toHaveLength(4);
    const areas = await page.locator('section[data-area]').evaluateAll((els) => els.map((e) => e.getAttribute('data-area')));
    expect(areas).toEqual(model.result.areas.map((a) => a.id));
    expect(await page.locator('[data-field="site"]').textContent()).toBe(model.result.site.name);
    for (const a of model.result.areas) {
      const heading = await page.locator(`section[data-area="${a.id}"] .area-name`).textContent();
      expect(heading).toBe(a.name);
    }
    // 14 assets: more than one screen, so the lines start closed; each line row says how many run.
    expect(await page.locator('tr[data-line]').count()).toBe(model.result.areas.reduce((n, a) => n + a.lines.length, 0));
    await page.waitForFunction(() => /\d+\/\d+ running/.test(document.querySelector('tr[data-line]')?.textContent ?? ''));
  });

  it("an asset's detail shows its tags with units and live values", async () => {
    const { page } = rig;
    const line = PUMP.split('/')[0];
    const toggle = page.locator(`tr[data-line="${line}"] button.line-toggle`);
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await page.locator(`tr[data-device="${PUMP}"] button.link`).click();
    await page.waitForSelector(`[data-level="asset"][data-asset="${PUMP}"]`);
    const model = await rig.core.api.call('plant.model', {}, OPERATOR);
    if (!model.ok) throw new Error(model.error.message);
    const asset = model.result.assets.find((a) => a.id === PUMP);
    expect(asset).toBeDefined();
    const rows = await page
      .locator('.asset-tags tr[data-tag]')
      .evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-tag'), unit: e.querySelector('[data-field="unit"]')?.textContent })));
    expect(rows).toEqual(asset?.tags.map((t) => ({ id: t.id, unit: t.unit })));
    expect(rows.map((r) => r.unit)).toEqual(expect.arrayContaining(['m³/h', 'bar', 'rpm', 'A', '°C']));
    // The 1-s flow gets a value within seconds.
    await page.waitForFunction(
      (sel) => /^\d+(\.\d+)?$/.test(document.querySelector(sel)?.textContent ?? ''),
      `tr[data-tag="${PUMP}/flow"] td[data-field="value"]`,
      { timeout: 20_000 },
    );
    for (const size of SIZES) {
      await page.setViewportSize(size);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `water-asset-${size.width}.png`) });
      // No cut-off controls: the detail's table fits or scrolls inside the pane, the back button is in view.
      expect(await page.locator('[data-action="back"]').isVisible()).toBe(true);
    }
    await page.setViewportSize(SIZES[0]);
  }, 60_000);

  it('a value outside the engineering range shows as bad quality, never as a good value', async () => {
    const { page } = rig;
    const plant = rig.core.services.plant;
    if (!plant) throw new Error('no simulator');
    plant.simulator.pause();
    try {
      // Newer than anything the replay sent before the pause, even readings still on their way through the
      // broker (on a loaded machine the snapshot's latest may not have them yet, and an older value is not the latest).
      const last = plant.simulator.plantTime();
      if (last === null) throw new Error('the replay has sent nothing yet');
      const client = await mqtt.connectAsync(rig.core.services.broker.url);
      try {
        // 20 bar on a 0–16 bar transmitter: out of range.
        await client.publishAsync('wtp/intake/rw-pump-1/discharge_pressure', JSON.stringify({ v: 20, t: last + 500 }));
      } finally {
        await client.endAsync();
      }
      const row = page.locator(`tr[data-tag="${PUMP}/discharge_pressure"][data-quality="bad"]`);
      await row.waitFor({ timeout: 10_000 });
      expect(await row.locator('td[data-field="value"]').textContent()).toMatch(/^BAD/);
      expect(await row.locator('td[data-field="quality"]').textContent()).toContain('out of range');
      expect(await row.locator('svg.analog-bar').getAttribute('aria-label')).toMatch(/bad quality/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'water-asset-bad-quality.png') });
    } finally {
      plant.simulator.resume();
    }
    // The next good value clears it.
    await page.waitForSelector(`tr[data-tag="${PUMP}/discharge_pressure"][data-quality="good"]`, { timeout: 15_000 });
  }, 40_000);

  it('a trend of a chosen 60-s tag draws', async () => {
    const { page } = rig;
    const tag = `${PUMP}/bearing_temp`;
    await showPane(page, 'trends');
    await page.click('details.tag-picker summary');
    await page.fill('[aria-label="Search tags"]', 'bearing');
    // Choose the 60-s tag alone: untick whatever was charted, tick it.
    await page.locator(`[data-picker-tag="${tag}"] input`).check();
    for (const id of await page.locator('tr[data-trend-tag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-trend-tag')))) {
      if (id && id !== tag) await page.click(`[aria-label="Remove ${id}"]`);
    }
    await page.click('details.tag-picker summary');
    expect(await page.locator('tr[data-trend-tag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-trend-tag')))).toEqual([tag]);
    await page.waitForSelector(`.trend-chart[data-unit="°C"][data-tags="${tag}"] canvas`);
    await page.waitForFunction(() => (document.querySelector('.trends')?.getAttribute('data-first-draw-ms') ?? '') !== '', null, { timeout: 60_000 });
    await page.waitForFunction(
      (sel) => Number.isFinite(parseFloat(document.querySelector(sel)?.getAttribute('data-value') ?? '')),
      `tr[data-trend-tag="${tag}"] td[data-latest]`,
    );
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(ARTIFACTS, `water-trend-${size.width}.png`) });
    }
    await page.setViewportSize(SIZES[0]);
    // Building and resizing the charts is not the operator zooming: the chart still follows live data.
    const live = page.locator('[data-action="live"]');
    expect(await live.textContent()).toBe('Live');
    // A drag on the chart zooms and stops following until "Back to live".
    const box = await page.locator('.trend-chart .u-over').first().boundingBox();
    if (!box) throw new Error('no chart');
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => live.textContent()).toBe('Back to live');
    await live.click();
    await expect.poll(() => live.textContent()).toBe('Live');
  }, 90_000);

  it('an alarm appears: the discharge pressure far above its band (and its HH limit) shows in Alarms and on the asset', async () => {
    const { page } = rig;
    const plant = rig.core.services.plant;
    if (!plant) throw new Error('no simulator');
    plant.simulator.pause();
    const snap = await rig.core.api.call('plant.snapshot', {}, OPERATOR);
    if (!snap.ok) throw new Error(snap.error.message);
    const last = Date.parse(snap.result.devices.find((d) => d.device_id === PUMP)?.latest?.timestamp ?? '');
    expect(Number.isFinite(last)).toBe(true);
    // The model's own wire format for this tag: wtp/<area>/<asset>/<tag> carrying {"v", "t"}. A minute of
    // 9.5 bar (normal 4.5–5.5, HH 8): the detector's anomaly alarm, and the model's HH limit alarm where limits are evaluated.
    const client = await mqtt.connectAsync(rig.core.services.broker.url);
    try {
      for (let i = 1; i <= 60; i++) await client.publishAsync('wtp/intake/rw-pump-1/discharge_pressure', JSON.stringify({ v: 9.5, t: last + i * 1000 }));
    } finally {
      await client.endAsync();
    }
    // The core raises it first (a readable failure if it never does), then the UI shows it.
    const alarmsOf = async () => {
      const r = await rig.core.api.call('alarms.list', {}, OPERATOR);
      return r.ok ? r.result.filter((a) => a.source === PUMP).map((a) => `${a.kind} ${a.priority} ${a.state}`) : [];
    };
    await expect.poll(alarmsOf, { timeout: 30_000 }).not.toEqual([]);
    await showPane(page, 'alarms');
    const row = page.locator(`tr[data-alarm-id][data-source="${PUMP}"]`).first(); // the row names the asset, not its id
    await row.waitFor({ timeout: 30_000 });
    await showPane(page, 'plant');
    await page.waitForSelector(`[data-asset="${PUMP}"] .asset-alarms li[data-alarm-id]`);
    await page.waitForSelector(`tr[data-tag="${PUMP}/discharge_pressure"] td[data-field="value"]:has-text("9.5")`);
    plant.simulator.resume();
    expect(rig.errors).toEqual([]);
  }, 60_000);
});
