// One time model on the trends (issue 18): an approval asked for, a device command carried out (its
// approval asked and decided) and an incident report appear as markers on the device's trend at their
// plant time, each checked against the core's record; an operator annotation written in one browser
// appears in another at once, pinned where it was picked. Screenshots: trend-markers-1366.png,
// trend-markers-1920.png, trend-annotation-1366.png in .tmp/artifacts.
import path from 'node:path';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR, waitFor } from '../helpers';
import { approvedCommand, reduceLoad } from '../security/device-commands';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, logIn, showPane, startUiRig, type UiRig } from './harness';

const DEVICE = 'line-1/compressor-01';
const INCOMING = { name: 'Sam Ortiz', password: 'another long passphrase here', roles: ['operator'] };
const PANE = 'section.pane-body[data-pane="trends"]';

interface Mark {
  kind: string;
  t: number;
  id: string;
}
interface Chart {
  tags: string[];
  marks: Mark[];
  from: number;
  to: number;
}

async function charts(page: Page): Promise<Chart[]> {
  return page.evaluate(
    (pane) =>
      [...document.querySelectorAll<HTMLElement>(`${pane} .trend-chart`)].map((el) => ({
        tags: (el.dataset.tags ?? '').split(' '),
        marks: (el.dataset.marks ?? '')
          .split(' ')
          .filter(Boolean)
          .map((s) => {
            const [kind, t, id] = s.split('@');
            return { kind, t: Number(t), id };
          }),
        from: Number(el.dataset.from),
        to: Number(el.dataset.to),
      })),
    PANE,
  );
}

/** The marks of one kind and id on every chart of the device (they must agree). */
async function markOf(page: Page, kind: string, id: string): Promise<number | null> {
  const cs = await charts(page);
  const ts = cs.map((c) => c.marks.find((m) => m.kind === kind && m.id === id)?.t ?? null);
  return cs.length > 0 && ts.every((t) => t !== null && t === ts[0]) ? ts[0] : null;
}

/** Page coordinates of plant time t on the chart showing `tag` (its plot area). */
async function pointOf(page: Page, tag: string, t: number): Promise<{ x: number; y: number }> {
  const chart = page.locator(`${PANE} .trend-chart[data-tags~="${tag}"]`);
  const box = await chart.locator('.u-over').boundingBox();
  const from = Number(await chart.getAttribute('data-from'));
  const to = Number(await chart.getAttribute('data-to'));
  if (!box || !(to > from)) throw new Error(`no plot for ${tag}`);
  return { x: box.x + ((t - from) / (to - from)) * box.width, y: box.y + box.height / 2 };
}

/** Stop following live data (back and forward by half a window) so marker positions hold still. */
async function holdStill(page: Page): Promise<void> {
  await page.click(`${PANE} [aria-label="Back in time"]`);
  await page.click(`${PANE} [aria-label="Forward in time"]`);
  await page.waitForSelector(`${PANE} [data-action="live"]:has-text("Back to live")`);
}

describe('markers and annotations on the trends in a real browser', () => {
  let rig: UiRig;
  let second: Browser | null = null;

  beforeAll(async () => {
    rig = await startUiRig(
      { simulator: { speed: 60 }, governance: { watchPolicy: false }, immune: { fleet: { enabled: false } } },
      { width: 1366, height: 768 },
    );
    await rig.core.services.operators.registry.add(INCOMING);
    rig.core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    await waitFor(() => rig.core.services.plant?.simulator.plantTime() != null, 'the replay to publish');
    // The trend shows the compressor (the selection is remembered in the page's storage).
    await rig.page.addInitScript((d) => localStorage.setItem('aegisflow.trends.v1', JSON.stringify({ entries: [d], windowSec: 3600 })), DEVICE);
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await second?.close().catch(() => {});
    await rig?.close();
  });

  const plantNow = () => rig.core.services.plant?.simulator.plantTime() ?? NaN;
  /** Plant time before and after an action: the marker of what it recorded must lie in between (a reading's step either side). */
  const STEP = 15_000;

  it('an approval, a command carried out and an incident report are markers at their plant time, with a tooltip and a click that opens them', async () => {
    const { core, page } = rig;
    const g = core.services.governance;
    // The replay runs far ahead of the wall: a marker at a record's wall time would fall outside the brackets below.
    await waitFor(() => plantNow() - Date.now() > 10 * STEP, 'the plant clock to run ahead of the wall');
    const a0 = plantNow();
    const pending = await g.authorize({ agentId: 'ops', tool: 'execute_device_command', args: reduceLoad(DEVICE, 30) });
    const a1 = plantNow();
    expect(pending.decision).toBe('REVIEW');

    const c0 = plantNow();
    const executed = await approvedCommand(core, 'ops', reduceLoad(DEVICE, 20));
    const c1 = plantNow();
    expect(executed.ok).toBe(true);

    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await core.services.mcp.createServer({ agentId: 'ops', transport: 'in-memory' }).connect(serverSide);
    const mcp = new Client({ name: 'trend-markers-e2e', version: '1.0.0' });
    await mcp.connect(clientSide);
    const i0 = plantNow();
    const report = await mcp.callTool({
      name: 'log_incident_report',
      arguments: {
        device_id: DEVICE,
        title: 'Load reduced on compressor 1',
        severity: 'medium',
        root_cause: 'Temperature rising after a cooling fault.',
        actions_taken: 'reduce_load 20 % approved by the operator.',
      },
    });
    const i1 = plantNow();
    await mcp.close();
    expect(report.isError).toBeFalsy();

    // The core's records of each.
    const approvals = await core.api.call('approvals.list', { limit: 500 }, OPERATOR);
    if (!approvals.ok) throw new Error(approvals.error.message);
    const all = approvals.result;
    const asked = all.find((a) => a.id === pending.approvalId);
    const done = all.find(
      (a) => a.agentId === 'ops' && a.status === 'approved' && (a.args as { parameters?: { reduction_pct?: number } }).parameters?.reduction_pct === 20,
    );
    const audit = await core.api.call('audit.query', { kind: 'EXECUTED', tool: 'execute_device_command', limit: 10 }, OPERATOR);
    const row = audit.ok ? audit.result.find((r) => (r.detail as { device_id?: string }).device_id === DEVICE) : undefined;
    const incidents = await core.api.call('incidents.list', { device_id: DEVICE }, OPERATOR);
    const incident = incidents.ok ? incidents.result.items.find((x) => x.title === 'Load reduced on compressor 1') : undefined;
    if (!asked || !done || !row || !incident) throw new Error('the core recorded not all of them');

    await showPane(page, 'trends');
    await page.waitForSelector(`${PANE} .trend-chart canvas`);
    const expected: Array<[string, string, number, number]> = [
      ['requested', asked.id, a0, a1],
      ['requested', done.id, c0, c1],
      ['decided', done.id, c0, c1],
      ['command', String(row.seq), c0, c1],
      ['incident', incident.id, i0, i1],
    ];
    for (const [kind, id, from, to] of expected) {
      await expect.poll(() => markOf(page, kind, id), { timeout: 15_000, message: `${kind} ${id}` }).not.toBeNull();
      const t = (await markOf(page, kind, id)) ?? NaN;
      expect(t, `${kind} ${id}`).toBeGreaterThanOrEqual(from - STEP);
      expect(t, `${kind} ${id}`).toBeLessThanOrEqual(to + STEP);
    }
    // The legend names what each glyph means and how many are drawn.
    expect(Number(await page.locator(`${PANE} [data-marker-kind="command"]`).getAttribute('data-count'))).toBeGreaterThanOrEqual(1);

    // Hover: what it is (the agent by name) and when; a click opens the approval card. The window that holds still
    // must hold the markers: it ends at the newest reading the page has, and a record is placed at its wall instant
    // through the clock segments, which can be ahead of the readings delivered (a pointer past the plot's end hovers
    // nothing).
    await expect.poll(async () => Math.min(...(await charts(page)).map((x) => x.to)), { timeout: 15_000 }).toBeGreaterThan(i1 + 4 * STEP);
    await holdStill(page);
    const tip = page.locator(`${PANE} .marker-tip`);
    // Hovered where the marker is now: the window may still settle after the last click (a loaded machine), and a
    // pointer left where the marker was would wait for a tooltip that cannot come.
    await expect
      .poll(
        async () => {
          const at = await pointOf(page, `${DEVICE}/temperature`, (await markOf(page, 'command', String(row.seq))) ?? NaN);
          await page.mouse.move(at.x, at.y - 4);
          await page.mouse.move(at.x, at.y);
          return tip.textContent();
        },
        { timeout: 15_000 },
      )
      .toMatch(/Command reduce_load carried out \(Operations assistant\)/);
    expect(await tip.textContent()).toMatch(/\d{2}:\d{2}:\d{2} plant time · wall clock \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    await page.locator(PANE).screenshot({ path: path.join(ARTIFACTS, 'trend-markers-1366.png') });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.waitForTimeout(300);
    await page.locator(PANE).screenshot({ path: path.join(ARTIFACTS, 'trend-markers-1920.png') });
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.waitForTimeout(300);

    const pin = await pointOf(page, `${DEVICE}/temperature`, (await markOf(page, 'requested', asked.id)) ?? NaN);
    await page.mouse.click(pin.x, pin.y);
    await page.waitForSelector(`section.pane-body[data-pane="approvals"] article[data-approval-id="${asked.id}"]`);
    expect(rig.errors).toEqual([]);
  }, 120_000);

  it('an annotation written in one browser appears in another without a reload, at the picked plant time, by its author', async () => {
    const { core, page, url } = rig;
    // The replay holds still, so both consoles show the same window (a note pinned a minute ago stays in view).
    expect(await core.api.call('simulator.control', { action: 'pause' }, OPERATOR)).toMatchObject({ ok: true });
    second = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const ctx = await second.newContext({ viewport: { width: 1366, height: 768 } });
    await ctx.addInitScript((d) => localStorage.setItem('aegisflow.trends.v1', JSON.stringify({ entries: [d], windowSec: 3600 })), DEVICE);
    const other = await ctx.newPage();
    const otherErrors: string[] = [];
    other.on('pageerror', (e) => otherErrors.push(e.message));
    await logIn(other, url, INCOMING);
    await showPane(other, 'trends');
    await other.waitForSelector(`${PANE} .trend-chart canvas`);

    // First console: a click on the chart picks a time; Annotate writes the note there, on the temperature.
    await showPane(page, 'trends');
    await holdStill(page);
    const [c] = await charts(page);
    // Aim where no marker is (a click on one opens it instead).
    const fractions = [0.15, 0.3, 0.45, 0.6, 0.75, 0.9];
    const clearance = (f: number) => Math.min(Infinity, ...c.marks.map((m) => Math.abs(m.t - (c.from + (c.to - c.from) * f))));
    const f = fractions.reduce((best, x) => (clearance(x) > clearance(best) ? x : best));
    const target = Math.round(c.from + (c.to - c.from) * f);
    const p = await pointOf(page, `${DEVICE}/temperature`, target);
    await page.mouse.click(p.x, p.y);
    await page.click(`${PANE} [data-action="annotate"]`);
    const picked = Number(await page.locator(`${PANE} [data-field="annotation-time"]`).getAttribute('data-plant-ts'));
    // The pixel picked: within a pixel's worth of plant time of the aim.
    expect(Math.abs(picked - target)).toBeLessThan(((c.to - c.from) / 1000) * 2);
    await page.selectOption(`${PANE} [aria-label="annotation tag"]`, `${DEVICE}/temperature`);
    await page.fill(`${PANE} [aria-label="annotation text"]`, 'Cooling fan replaced here; temperature should fall');
    await page.click(`${PANE} [data-action="save-annotation"]`);

    // The core stored it with the session's operator and the picked time.
    const stored = await waitFor(async () => {
      const r = await core.api.call('annotations.list', { deviceIds: [DEVICE] }, OPERATOR);
      return r.ok ? r.result.find((a) => a.text.startsWith('Cooling fan replaced')) : undefined;
    }, 'the annotation in the core');
    expect(stored).toMatchObject({ author: 'Dana Reyes', plantTs: picked, deviceId: DEVICE, tag: 'temperature' });

    // The second console shows it at once, on the temperature chart only, where it was pinned.
    await expect
      .poll(async () => (await charts(other)).filter((x) => x.marks.some((m) => m.kind === 'annotation' && m.id === stored.id)).map((x) => x.tags.join(' ')), {
        timeout: 10_000,
      })
      .toEqual([expect.stringContaining(`${DEVICE}/temperature`)]);
    const shown = (await charts(other)).flatMap((x) => x.marks).find((m) => m.id === stored.id);
    expect(shown?.t).toBe(picked);
    await holdStill(other);
    const q = await pointOf(other, `${DEVICE}/temperature`, picked);
    await other.mouse.move(q.x, q.y);
    await expect.poll(() => other.locator(`${PANE} .marker-tip`).textContent()).toContain('Note by Dana Reyes: Cooling fan replaced here');
    await other.locator(PANE).screenshot({ path: path.join(ARTIFACTS, 'trend-annotation-1366.png') });
    expect(otherErrors).toEqual([]);
    expect(rig.errors).toEqual([]);
  }, 120_000);
});
