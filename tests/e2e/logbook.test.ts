// Operator logbook and shift handover (issue 18) in a real browser: the outgoing operator writes a note
// linked to a device and prepares the handover (which names a shelved alarm and a pending approval); the
// report exports as Markdown; its author cannot acknowledge it; the incoming operator, logged in on
// another console, does.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reduceLoad } from '../security/device-commands';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, logIn, showPane, startUiRig, type UiRig } from './harness';
import { chromium, type Browser } from 'playwright-core';

const INCOMING = { name: 'Sam Ortiz', password: 'another long passphrase here', roles: ['operator'] };

describe('logbook and shift handover in a real browser', () => {
  let rig: UiRig;
  let second: Browser | null = null;

  beforeAll(async () => {
    rig = await startUiRig({ simulator: { speed: 60 }, governance: { watchPolicy: false } }, { width: 1366, height: 768 });
    await rig.core.services.operators.registry.add(INCOMING);
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await second?.close().catch(() => {});
    await rig?.close();
  });

  it('a note, a handover with the shelved alarm and the pending approval, Markdown export, acknowledged by the incoming operator only', async () => {
    const { page, core } = rig;
    core.services.alarms.setCondition('line-2/pump-03:test', {
      active: true,
      priority: 'high',
      message: 'seal leak suspected',
      source: 'line-2/pump-03',
      kind: 'anomaly',
    });
    core.services.alarms.shelve('line-2/pump-03:test', 'Dana Reyes', 'maintenance on site', 3_600_000);
    core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    const pending = await core.services.governance.authorize({ agentId: 'ops', tool: 'execute_device_command', args: reduceLoad('line-1/compressor-01', 30) });

    await showPane(page, 'logbook');
    await page.fill('[aria-label="logbook note"]', 'Compressor 1 running warm after the load change');
    await page.selectOption('[aria-label="logbook device"]', 'line-1/compressor-01');
    await page.click('[data-action="log-note"]');
    await page.waitForSelector('li[data-log-id]:has-text("Compressor 1 running warm")');
    expect(await page.locator('li[data-log-id]').first().textContent()).toMatch(/Dana Reyes: Compressor 1 running warm.*line-1\/compressor-01/);

    await page.fill('[aria-label="handover note"]', 'Watch compressor 1.');
    await page.click('[data-action="prepare-handover"]');
    const report = page.locator('article.handover pre.handover-report');
    await report.waitFor();
    const md = (await report.textContent()) ?? '';
    expect(md).toContain('line-2/pump-03:test | shelved | Dana Reyes | maintenance on site');
    expect(md).toContain(`${pending.approvalId}: ops asks execute_device_command`);
    expect(md).toContain('Dana Reyes: Compressor 1 running warm');
    // the author waits for the incoming operator; no acknowledge button for them
    expect(await page.locator('[data-action="ack-handover"]').count()).toBe(0);
    const dl = page.waitForEvent('download');
    await page.click('[data-action="handover-md"]');
    const file = path.join(ARTIFACTS, 'handover.md');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await (await dl).saveAs(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(md.endsWith('\n') ? md : `${md}\n`);
    await page.locator('section.pane-body[data-pane="logbook"]').screenshot({ path: path.join(ARTIFACTS, 'pane-logbook-1366.png') });

    // the incoming operator on another console acknowledges it
    second = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const other = await (await second.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await logIn(other, rig.url, INCOMING);
    await showPane(other, 'logbook');
    await other.click('[data-action="ack-handover"]');
    await other.waitForSelector('[data-field="handover-acked"]:has-text("Sam Ortiz")');
    await page.waitForSelector('article.handover[data-acked="yes"]');
    await other.locator('section.pane-body[data-pane="logbook"]').screenshot({ path: path.join(ARTIFACTS, 'pane-logbook-1920.png') });
    expect(rig.errors).toEqual([]);
  }, 120_000);
});
