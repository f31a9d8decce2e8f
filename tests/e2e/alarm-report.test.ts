// The ISA-18.2 alarm report (issue 18) in Chromium: alarms raised in a real core while the replay runs
// (so on the plant clock), a shift handed over from one operator to another, one alarm chattering;
// the Alarm report pane shows the core's figures for the window it asked for, the CSV it downloads is
// that report, and nothing is cut off at 1366×768 or 1920×1080. Screenshots: alarm-report-<width>.png.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmReportCsv } from '../../shared/alarm-report-csv';
import type { AlarmReport } from '../../shared/schemas/alarm-report';
import { OPERATOR, operatorCaller, waitFor } from '../helpers';
import { ARTIFACTS, showPane, startUiRig, UI_OPERATOR, type UiRig } from './harness';

const CHATTER = 'line-1/compressor-01:report-chatter';
const PANE = 'section.pane-body[data-pane="report"]';

/** Nothing in the pane reaches past its right edge, and its controls are inside it. */
async function fitsPane(page: Page): Promise<void> {
  const over = await page.locator(PANE).evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(over).toBeLessThanOrEqual(0);
  const pane = await page.locator(PANE).boundingBox();
  for (const sel of ['[data-action="report-csv"]', '[data-action="report-refresh"]', '[aria-label="report window"]']) {
    const b = await page.locator(`${PANE} ${sel}`).boundingBox();
    expect(b && pane && b.x >= pane.x && b.x + b.width <= pane.x + pane.width + 0.5, sel).toBe(true);
  }
}

describe('Alarm report pane in a real browser', () => {
  let rig: UiRig;

  beforeAll(async () => {
    rig = await startUiRig({ simulator: { speed: 60 }, governance: { watchPolicy: false } }, { width: 1366, height: 768 });
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('shows the core’s report for its window, on the plant clock; the CSV is that report; usable at both sizes', async () => {
    const { page, core } = rig;
    const sim = core.services.plant?.simulator;
    if (!sim) throw new Error('the rig runs no simulator');
    await waitFor(() => sim.plantTime(), 'the replay publishes readings');
    // Dana hands the shift over to Sam, who acknowledges it: what is raised from now on is Sam's shift.
    const dana = operatorCaller(UI_OPERATOR.name, ['operator']);
    const ho = await core.api.call('handover.create', {}, dana);
    if (!ho.ok) throw new Error(ho.error.message);
    expect(await core.api.call('handover.ack', { id: ho.result.id }, operatorCaller('Sam Ortiz', ['operator']))).toMatchObject({ ok: true });

    const alarms = core.services.alarms;
    const raise = (id: string, priority: 'urgent' | 'high' | 'low', active = true) =>
      alarms.setCondition(id, { active, source: id.split(':')[0], kind: 'anomaly', priority, message: `report test ${id}` });
    for (let i = 0; i < 4; i++) {
      raise(CHATTER, 'high');
      raise(CHATTER, 'high', false);
    }
    raise('line-2/pump-03:report-test', 'urgent');
    raise('line-1/motor-02:report-test', 'low');
    raise('line-3/motor-02:report-test', 'low');
    expect(await core.api.call('alarms.acknowledge', { id: 'line-2/pump-03:report-test' }, dana)).toMatchObject({ ok: true });
    // Hold the replay so the plant clock stands still while the report is compared.
    await core.api.call('simulator.control', { action: 'pause' }, OPERATOR);
    const lastRaise = sim.plantTime() ?? 0;
    const plantShown = () => page.locator('[data-field="plant-time"] time').getAttribute('data-plant-ts');
    await waitFor(async () => Number(await plantShown()) >= lastRaise, 'the top bar shows the plant time of the last raise');

    await showPane(page, 'report');
    const range = page.locator(`${PANE} [data-report-from]`);
    await range.waitFor();
    const from = Number(await range.getAttribute('data-report-from'));
    const to = Number(await range.getAttribute('data-report-to'));
    // The default window: the 24 h of plant time up to the plant clock the screen shows (the replay at 60× runs
    // ahead of the wall clock), and the alarms were stored with their plant time beside the wall time.
    expect(to).toBe(Number(await plantShown()));
    expect(to - from).toBe(24 * 3_600_000);
    expect(to - Date.now()).toBeGreaterThan(60_000);
    const stored = core.db.prepare('SELECT at, plant_at FROM alarm_history WHERE alarm_id = ?').all(CHATTER) as Array<{ at: number; plant_at: number }>;
    expect(stored).toHaveLength(8);
    for (const h of stored) expect(h.plant_at - h.at).toBeGreaterThan(60_000);

    const answer = await core.api.call('alarms.report', { from, to }, OPERATOR);
    if (!answer.ok) throw new Error(answer.error.message);
    const r: AlarmReport = answer.result;
    // What was raised here is in it: the chattering alarm first among the bad actors, Sam on shift, Dana's acknowledgement.
    expect(r.bad_actors[0]).toMatchObject({ alarm_id: CHATTER, count: 4, chattering: true });
    expect(r.chattering.find((c) => c.alarm_id === CHATTER)).toMatchObject({ raises: 4, max_in_window: 4 });
    expect(r.operators.find((o) => o.operator === 'Sam Ortiz')?.on_shift).toBeGreaterThanOrEqual(7);
    expect(r.operators.find((o) => o.operator === UI_OPERATOR.name)?.acknowledged).toBeGreaterThanOrEqual(1);
    expect(r.priorities.counts.urgent).toBeGreaterThanOrEqual(1);

    // The pane shows exactly these figures.
    const stat = (label: string) => page.locator(`${PANE} [data-stat="${label}"] .stat-value`).textContent();
    expect(await stat('alarms')).toBe(String(r.total));
    expect(await stat('per hour (avg)')).toBe(`${r.avg_per_hour.toFixed(1)} ${r.rate_rating}`);
    expect(await stat('peak / 10 min')).toBe(String(r.peak_window.count));
    expect(await stat('time in flood')).toBe(`${r.flood_pct.toFixed(1)} %`);
    expect(await stat('chattering')).toBe(String(r.chattering.length));
    expect(await stat('stale')).toBe(String(r.stale.length));
    const rows = (table: string, attr: string) =>
      page.locator(`${PANE} table[data-table="${table}"] tbody tr`).evaluateAll((trs, a) => trs.map((tr) => tr.getAttribute(a)), attr);
    expect(await rows('bad-actors', 'data-alarm-id')).toEqual(r.bad_actors.map((b) => b.alarm_id));
    expect(await rows('bad-actors', 'data-count')).toEqual(r.bad_actors.map((b) => String(b.count)));
    expect(await rows('chattering', 'data-alarm-id')).toEqual(r.chattering.map((c) => c.alarm_id));
    expect(await rows('operators', 'data-operator')).toEqual(r.operators.map((o) => o.operator ?? ''));
    const sam = page.locator(`${PANE} tr[data-operator="Sam Ortiz"] td`);
    expect(await sam.allTextContents()).toEqual(['Sam Ortiz', String(r.operators.find((o) => o.operator === 'Sam Ortiz')?.on_shift), '0']);
    const bands = await page
      .locator(`${PANE} [data-band]`)
      .evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-band'), li.getAttribute('data-count'), li.getAttribute('data-pct')]));
    expect(bands).toEqual(r.priorities.bands.map((b) => [b.band, String(b.count), String(b.pct)]));
    // Shown by name, not by internal id.
    expect(await page.locator(`${PANE} table[data-table="bad-actors"] tr[data-alarm-id="${CHATTER}"] td`).first().textContent()).toContain('Compressor');

    // Download CSV: the report the pane shows, row for row.
    const dl = page.waitForEvent('download');
    await page.click(`${PANE} [data-action="report-csv"]`);
    const download = await dl;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(file);
    const csv = fs.readFileSync(file, 'utf8');
    expect(csv).toBe(alarmReportCsv(r));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,name,source,count,percent,plant_time,note');
    expect(lines).toContain(`summary,alarms,,${r.total},,,`);
    expect(lines.find((l) => l.startsWith(`bad_actor,${CHATTER},`))).toBe(
      `bad_actor,${CHATTER},line-1/compressor-01,4,${r.bad_actors[0].share_pct},,chattering`,
    );
    expect(lines.filter((l) => l.startsWith('bad_actor,'))).toHaveLength(r.bad_actors.length);
    expect(lines).toContain(`window,to,,,,${new Date(to).toISOString()},plant time`);

    // The current shift: from Sam's acknowledgement of the handover (placed on the plant clock) up to now.
    await page.selectOption(`${PANE} [aria-label="report window"]`, 'shift');
    await expect.poll(async () => Number(await range.getAttribute('data-report-from'))).toBeGreaterThan(from);
    const shiftFrom = Number(await range.getAttribute('data-report-from'));
    const shiftTo = Number(await range.getAttribute('data-report-to'));
    expect(shiftTo).toBe(to);
    expect(shiftFrom).toBeLessThanOrEqual(lastRaise);
    const shift = await core.api.call('alarms.report', { from: shiftFrom, to: shiftTo }, OPERATOR);
    if (!shift.ok) throw new Error(shift.error.message);
    await expect.poll(() => stat('alarms')).toBe(String(shift.result.total));
    expect(await rows('bad-actors', 'data-alarm-id')).toEqual(shift.result.bad_actors.map((b) => b.alarm_id));

    await fitsPane(page);
    await page.locator(PANE).screenshot({ path: path.join(ARTIFACTS, 'alarm-report-1366.png') });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await fitsPane(page);
    await page.locator(PANE).screenshot({ path: path.join(ARTIFACTS, 'alarm-report-1920.png') });

    // The report is a snapshot: an alarm raised since is announced, and Refresh counts it.
    const before = Number(await stat('alarms'));
    raise('line-3/pump-02:report-test', 'high');
    await page.waitForSelector(`${PANE} [data-field="report-stale"]:has-text("1 alarm change since")`);
    await page.click(`${PANE} [data-action="report-refresh"]`);
    await page.waitForSelector(`${PANE} [data-field="report-stale"]`, { state: 'detached' });
    await expect.poll(() => stat('alarms')).toBe(String(before + 1));
    expect(rig.errors).toEqual([]);
  }, 120_000);
});
