// The control room walked as an operator on shift would, at 1366×768 (s27): what was wrong on screen,
// each checked against the core's own state. The replay is paused, so the plant clock stands still
// while the wall clock runs on. Screenshots go to .tmp/artifacts (walk-<what>-1366.png).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, showPane, startUiRig, type UiRig } from './harness';
import { OPERATOR, operatorCaller } from '../helpers';

const DEVICE = 'line-1/compressor-01';
const HH = `${DEVICE}/temperature:HH`;
const ANOMALY = `${DEVICE}:anomaly`;
// As the limit alarms and the master alarm table word them: long enough that the Alarm column has to share the row.
const LONG =
  'line-1/compressor-01 temperature 110.4 °C above HH limit 110 °C. Consequence: Trip limit; the compressor overheats (seals and lubricant fail). ' +
  'Action: SOP 2.1 step 4 - still climbing after two reductions, the operator considers an emergency shutdown at the local panel.';

async function shot(rig: UiRig, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await rig.page.screenshot({ path: path.join(ARTIFACTS, `walk-${name}-1366.png`) });
}

describe('the control room walked as an operator at 1366×768', () => {
  let rig: UiRig;

  beforeAll(async () => {
    rig = await startUiRig({ simulator: { speed: 60 }, governance: { watchPolicy: false } }, { width: 1366, height: 768 });
    const paused = await rig.core.api.call('simulator.control', { action: 'pause' }, OPERATOR);
    if (!paused.ok) throw new Error('pause failed');
    await rig.login();
    await rig.page.waitForSelector('[data-banner="replay-paused"]');
    const alarms = rig.core.services.alarms;
    alarms.setCondition(HH, { active: true, source: DEVICE, kind: 'analog', priority: 'urgent', message: LONG });
    for (const key of ['temperature:H', 'vibration:H', 'power:H'])
      alarms.setCondition(`${DEVICE}/${key}`, { active: true, source: DEVICE, kind: 'analog', priority: 'high', message: LONG });
    alarms.setCondition(ANOMALY, {
      active: true,
      source: DEVICE,
      kind: 'anomaly',
      priority: 'high',
      message: 'thermal runaway on temperature (confidence 0.85)',
    });
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('an alarm is named in whole words at 1366×768: the Alarm column wraps at spaces, never inside a word', async () => {
    const { page } = rig;
    await showPane(page, 'alarms');
    await page.locator(`tr[data-alarm-id="${HH}"]`).waitFor();
    await shot(rig, 'alarm-names');
    // A word broken over two lines has two client rects.
    const broken = await page.evaluate(() => {
      const out: string[] = [];
      for (const td of document.querySelectorAll('section.pane-body[data-pane="alarms"] td[data-field="source"]')) {
        const text = td.firstChild;
        if (!text || text.nodeType !== Node.TEXT_NODE) continue;
        const s = text.textContent ?? '';
        for (const m of s.matchAll(/\S+/g)) {
          const r = document.createRange();
          r.setStart(text, m.index);
          r.setEnd(text, m.index + m[0].length);
          if (r.getClientRects().length > 1) out.push(`${s}: "${m[0]}"`);
        }
      }
      return out;
    });
    expect(broken).toEqual([]);
  });

  it('a shelved alarm says how long its shelf still runs, the same in the Plant pane and the Alarms list, not a plant time the paused replay stands on', async () => {
    const { page } = rig;
    const shelved = await rig.core.api.call('alarms.shelve', { id: ANOMALY, reason: 'checking the sensor', minutes: 15 }, operatorCaller('Dana Reyes'));
    expect(shelved.ok && shelved.result.state).toBe('shelved');
    const until = shelved.ok ? (shelved.result.shelved_until ?? 0) : 0;
    // The core ends a shelf on the wall clock: 15 minutes from now whatever the replay does.
    expect(until - Date.now()).toBeGreaterThan(14 * 60_000);

    await showPane(page, 'alarms');
    await page.selectOption('select[aria-label="Alarm view"]', 'shelved');
    const inList = page.locator(`tr[data-alarm-id="${ANOMALY}"]`);
    await inList.waitFor();
    const listText = (await inList.innerText()).replace(/\s+/g, ' ');
    await page.selectOption('select[aria-label="Alarm view"]', 'attention');

    await showPane(page, 'plant');
    await page.locator(`tr[data-device="${DEVICE}"] button.link`).click();
    const inPlant = page.locator(`[data-level="asset"] li[data-alarm-id="${ANOMALY}"]`);
    await inPlant.waitFor();
    await shot(rig, 'shelved');
    const plantText = (await inPlant.innerText()).replace(/\s+/g, ' ');
    await page.keyboard.press('Escape');

    for (const text of [listText, plantText]) {
      expect(text).toContain('shelved by Dana Reyes: checking the sensor');
      expect(text).toMatch(/\b1[45] min left\b/);
    }
  });

  it('every trend chart in the 1366×768 dock labels its value axis, however many units share the dock', async () => {
    const { page } = rig;
    // The default view: Compressor 1's five tags, five units, one flat chart each.
    await page.waitForFunction(() => {
      const charts = [...document.querySelectorAll<HTMLElement>('.trend-chart')];
      return charts.length === 5 && charts.every((c) => (c.dataset.points ?? '').split(' ').every((n) => Number(n) > 1));
    });
    await shot(rig, 'trends');
    const labels = await page.$$eval('.trend-chart', (cs) => cs.map((c) => `${(c as HTMLElement).dataset.unit}: ${(c as HTMLElement).dataset.yLabels ?? ''}`));
    for (const l of labels) expect(l, 'a chart with no value on its axis').toMatch(/: \S/);
  });

  it("every dock's tabs and buttons keep their labels on one line at 1366×768", async () => {
    const { page } = rig;
    // The Alarms dock holds five panes: its tab row is the most crowded of the default layout.
    await showPane(page, 'alarms');
    await shot(rig, 'dock-tabs');
    const wrapped = await page.evaluate(() => {
      const out: string[] = [];
      for (const el of document.querySelectorAll('.tabs :is(button, option:checked)')) {
        const text = [...el.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim());
        if (!text) continue;
        const r = document.createRange();
        r.selectNodeContents(text);
        if (r.getClientRects().length > 1) out.push(text.textContent ?? '');
      }
      return out;
    });
    expect(wrapped).toEqual([]);
    // A dock's "Move … to" menu shows its whole label (the arrow takes ~20 px of the select), for the longest pane names too.
    await showPane(page, 'connect');
    await showPane(page, 'report');
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLSelectElement>('select.dock-move')]
        .filter((sel) => {
          const probe = document.createElement('span');
          probe.style.font = getComputedStyle(sel).font;
          probe.style.position = 'absolute';
          probe.textContent = sel.selectedOptions[0]?.text ?? '';
          document.body.appendChild(probe);
          const w = probe.getBoundingClientRect().width;
          probe.remove();
          return w > sel.clientWidth - 20;
        })
        .map((sel) => sel.selectedOptions[0]?.text),
    );
    expect(cut).toEqual([]);
    await showPane(page, 'plant');
    await showPane(page, 'alarms');
  });

  it('Audit names an agent that acts by its registry name in the Actor column too, not by its id', async () => {
    const { page } = rig;
    const agents = await rig.core.api.call('agents.list', {}, OPERATOR);
    const audit = await rig.core.api.call('audit.query', { limit: 200 }, OPERATOR);
    if (!agents.ok || !audit.ok) throw new Error('agents.list or audit.query failed');
    const names = new Map(agents.result.map((a) => [a.id, a.name]));
    // The operator agent registers itself at start: its own rows carry its id as the actor.
    const row = audit.result.find((r) => r.actor !== null && names.has(r.actor));
    expect(row, 'an audit row an agent acted on').toBeDefined();
    await showPane(page, 'audit');
    const cell = page.locator(`tr[data-seq="${row?.seq}"] td[data-label="by"]`);
    await cell.waitFor();
    expect(await cell.innerText()).toBe(names.get(row?.actor ?? ''));
    expect(await cell.getAttribute('title')).toBe(row?.actor);
  });

  it('a table header stuck at the top of a scrolled pane leaves no rows showing above it', async () => {
    const { page } = rig;
    await showPane(page, 'alarms');
    const gap = await page.evaluate(() => {
      const body = document.querySelector('section.pane-body[data-pane="alarms"]');
      const th = body?.querySelector('table thead th');
      if (!body || !th) return null;
      body.scrollTop = body.scrollHeight;
      return th.getBoundingClientRect().top - body.getBoundingClientRect().top;
    });
    await shot(rig, 'sticky-header');
    expect(gap).not.toBeNull();
    expect(Math.abs(gap ?? 99)).toBeLessThanOrEqual(1);
  });
});

describe('the alarm list at 1366×768 after the plant day has turned', () => {
  let rig: UiRig;

  beforeAll(async () => {
    // As fast as the replay goes: the plant clock passes its midnight within seconds of wall time.
    rig = await startUiRig({ simulator: { speed: 0 }, governance: { watchPolicy: false } }, { width: 1366, height: 768 });
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it("keeps every alarm's buttons inside the pane when its time carries a date", async () => {
    const { page } = rig;
    const alarms = rig.core.services.alarms;
    for (const key of ['temperature:HH', 'temperature:H', 'vibration:H', 'power:H'])
      alarms.setCondition(`${DEVICE}/${key}`, { active: true, source: DEVICE, kind: 'analog', priority: 'high', message: LONG });
    await showPane(page, 'alarms');
    // Raised on the plant's yesterday once the replay has run past midnight: the Time cell shows the date.
    await page.waitForFunction((id) => /^\d{4}-\d\d-\d\d /.test(document.querySelector(`tr[data-alarm-id="${id}"] time`)?.textContent ?? ''), HH, {
      timeout: 60_000,
    });
    const paused = await rig.core.api.call('simulator.control', { action: 'pause' }, OPERATOR);
    expect(paused.ok).toBe(true);
    await shot(rig, 'alarm-dates');
    const out = await page.evaluate(() => {
      const pane = document.querySelector('section.pane-body[data-pane="alarms"]')?.getBoundingClientRect();
      if (!pane) return ['no alarms pane'];
      return [...document.querySelectorAll('section.pane-body[data-pane="alarms"] .alarm-table button')]
        .filter((b) => b.getBoundingClientRect().right > pane.right + 1)
        .map((b) => `${b.closest('tr')?.getAttribute('data-alarm-id')}: ${b.textContent}`);
    });
    expect(out).toEqual([]);
  }, 90_000);
});
