// Issue 18, "Alarm and status truth": the master alarm table in Chromium. An admin edits a row the manual
// has no SOP for (pump temperature H: "no rationalization yet"), the real core raises that alarm from
// readings on its bus, and the Alarms pane shows the edited consequence, action and priority. An
// operator sees the table read only, with the reason. The Plant pane's asset detail and the handover
// carry the same text. Screenshots alarm-table-1366.png and
// alarm-table-1920.png go to .tmp/artifacts.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimedReading } from '../../shared/domain';
import { ARTIFACTS, logIn, showPane, startUiRig, type UiRig } from './harness';
import { OPERATOR } from '../helpers';

const DEVICE = 'line-1/pump-03';
const ID = `${DEVICE}/temperature:H`;
const CONSEQUENCE = 'Coolant degrades; the compressor downstream loses cooling within 20 min.';
const ACTION = 'Reduce the pump load 30 % and check the cooler fan locally.';
const READER = { name: 'Olga Field', password: 'another long passphrase 42', roles: ['operator'] };

const row = (page: Page, id: string) => page.locator(`section.pane-body[data-pane="alarmtable"] tr[data-alarm-id="${id}"]`);

/** The pane's controls lie inside it: nothing cut off on the right, and nothing to scroll sideways for. */
async function insidePane(page: Page, selector: string): Promise<void> {
  const overflow = await page
    .locator('section.pane-body[data-pane="alarmtable"]')
    .evaluate((el) => [el, ...Array.from(el.querySelectorAll('div, table'))].map((e) => e.scrollWidth - e.clientWidth).filter((d) => d > 1));
  expect(overflow).toEqual([]);
  const pane = await page.locator('section.pane-body[data-pane="alarmtable"]').boundingBox();
  const box = await page.locator(selector).first().boundingBox();
  expect(pane && box).toBeTruthy();
  if (!pane || !box) return;
  expect(box.x).toBeGreaterThanOrEqual(pane.x - 1);
  expect(box.x + box.width).toBeLessThanOrEqual(pane.x + pane.width + 1);
}

describe('master alarm table in the control room', () => {
  let rig: UiRig;

  beforeAll(async () => {
    // No simulator: the only readings of the pump are the ones this test sends.
    rig = await startUiRig({ simulator: { enabled: false } }, { width: 1920, height: 1080 });
    await rig.core.services.operators.registry.add(READER);
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('an admin edits a row; the next raise in the real core shows the edited consequence and action in the Alarms pane', async () => {
    const { page } = rig;
    await showPane(page, 'alarmtable');
    await expect.poll(() => row(page, ID).count()).toBe(1);
    await expect.poll(() => row(page, ID).locator('[data-field="consequence"]').innerText()).toBe('no rationalization yet');
    // a SOP-backed row of another device carries the manual's procedure
    await expect
      .poll(() => row(page, 'line-1/pump-03/pressure:L').locator('[data-field="action"]').innerText())
      .toMatch(/^SOP 2\.2 Pressure leak: 1\. Confirm/);

    // filter by device, then by priority
    await page.selectOption('section.pane-body[data-pane="alarmtable"] select[aria-label="Device filter"]', DEVICE);
    const ids = await page.locator('section.pane-body[data-pane="alarmtable"] tbody tr').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-alarm-id')));
    expect(ids.length).toBeGreaterThan(5);
    expect(ids.every((id) => id?.startsWith(DEVICE))).toBe(true);
    await page.selectOption('section.pane-body[data-pane="alarmtable"] select[aria-label="Priority filter"]', 'urgent');
    const urgent = await page
      .locator('section.pane-body[data-pane="alarmtable"] tbody tr')
      .evaluateAll((trs) => trs.map((t) => t.getAttribute('data-priority')));
    expect(urgent.length).toBeGreaterThan(0);
    expect(new Set(urgent)).toEqual(new Set(['urgent']));
    await page.selectOption('section.pane-body[data-pane="alarmtable"] select[aria-label="Priority filter"]', 'all');
    await expect(page.locator('[data-note="next-raise"]').innerText()).resolves.toMatch(/applies from each alarm's next raise/);

    // edit: consequence, action, severity severe (3 min to respond → urgent), a reason
    await row(page, ID).locator('button[data-action="edit"]').click();
    const form = page.locator('form[aria-label="Edit alarm"]');
    await form.locator('textarea[aria-label="Consequence"]').fill(CONSEQUENCE);
    await form.locator('textarea[aria-label="Corrective action"]').fill(ACTION);
    await form.locator('select[aria-label="Severity"]').selectOption('severe');
    expect((await form.locator('[data-field="derived-priority"]').innerText()).toLowerCase()).toContain('urgent');
    await form.locator('input[aria-label="Reason for the change"]').fill('HAZOP action 7: cooling of line 1');
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => row(page, ID).locator('[data-field="consequence"]').innerText()).toBe(CONSEQUENCE);
    await expect.poll(() => row(page, ID).getAttribute('data-priority')).toBe('urgent');
    expect(await row(page, ID).innerText()).toContain('Dana Reyes');
    const audit = rig.core.services.governance.audit.query({ kind: 'ALARM_TABLE_CHANGED', limit: 5 });
    expect(audit.map((a) => [a.actor, a.reason])).toEqual([['Dana Reyes', 'HAZOP action 7: cooling of line 1']]);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('section.pane-body[data-pane="alarmtable"]').screenshot({ path: path.join(ARTIFACTS, 'alarm-table-1920.png') });
    await insidePane(page, `tr[data-alarm-id="${ID}"] button[data-action="edit"]`);
    await page.setViewportSize({ width: 1366, height: 768 });
    await insidePane(page, `tr[data-alarm-id="${ID}"] button[data-action="edit"]`);
    await insidePane(page, 'section.pane-body[data-pane="alarmtable"] select[aria-label="Priority filter"]');
    await page.locator('section.pane-body[data-pane="alarmtable"]').screenshot({ path: path.join(ARTIFACTS, 'alarm-table-1366.png') });

    // the real core raises it: the pump's temperature above 70 °C past the 10 s on-delay (plant clock = readings' ts)
    const t0 = Date.now();
    for (let s = 0; s <= 20; s += 5) {
      const r: TimedReading = { device_id: DEVICE, timestamp: new Date(t0 + s * 1000).toISOString(), ts: t0 + s * 1000, values: { temperature: 74.5 } };
      rig.core.bus.emit('readings', [r]);
    }
    expect(rig.core.services.alarms.find(ID)).toMatchObject({ active: true, priority: 'urgent' });

    await showPane(page, 'alarms');
    const alarm = page.locator(`section.pane-body[data-pane="alarms"] tr[data-alarm-id="${ID}"]`);
    await expect.poll(() => alarm.count()).toBe(1);
    const text = await alarm.innerText();
    expect(text).toContain('74.5 °C above H limit 70 °C');
    expect(text).toContain(`Consequence: ${CONSEQUENCE}`);
    expect(text).toContain(`Action: ${ACTION}`);
    expect((await alarm.locator('.prio').innerText()).toLowerCase()).toBe('urgent');

    // the Plant pane's asset detail and the shift handover carry the same text
    await showPane(page, 'plant');
    await page.locator(`tr[data-device="${DEVICE}"] button.link`).click();
    const item = page.locator(`[data-level="asset"] li[data-alarm-id="${ID}"]`);
    await expect.poll(() => item.textContent()).toContain(`Consequence: ${CONSEQUENCE}`);
    await page.keyboard.press('Escape');
    const handover = await rig.core.api.call('handover.create', {}, OPERATOR);
    expect(handover.ok && handover.result.markdown).toContain(`Consequence: ${CONSEQUENCE} Action: ${ACTION}`);
    expect(rig.errors).toEqual([]);
  });

  it('an operator sees the table read only, with the reason, and follows edits made elsewhere', async () => {
    const page = await (await rig.browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    await logIn(page, rig.url, READER);
    await showPane(page, 'alarmtable');
    await expect.poll(() => row(page, ID).count()).toBe(1);
    // the earlier edit is everyone's
    await expect.poll(() => row(page, ID).locator('[data-field="consequence"]').innerText()).toBe(CONSEQUENCE);
    expect(await page.locator('[data-note="read-only"]').innerText()).toContain('needs the admin role (Olga Field: operator)');
    expect(await page.locator('section.pane-body[data-pane="alarmtable"] button[data-action="edit"]').count()).toBe(0);
    // an edit elsewhere reaches this open console (alarmTable.changed)
    const later = await rig.core.api.call('alarmTable.update', { id: ID, action: 'Stop the pump at the local panel.', reason: 'second review' }, OPERATOR);
    expect(later.ok).toBe(true);
    await expect.poll(() => row(page, ID).locator('[data-field="action"]').innerText()).toBe('Stop the pump at the local panel.');
    await page.context().close();
  });
});
