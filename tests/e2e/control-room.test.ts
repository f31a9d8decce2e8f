// End to end, as an operator and an agent would use it: serve mode on port 0, the built UI in
// Chromium, a real MCP SDK client over Streamable HTTP. Screenshots of every pane go to .tmp/artifacts.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANE_IDS } from '../../shared/shell';
import { ARTIFACTS, UI_OPERATOR, screenshotPane, showPane, startUiRig, type UiRig } from './harness';
import { OPERATOR } from '../helpers';

const DEVICE = 'line-1/compressor-01'; // the thermal-runaway device of the seed scenarios

describe('control room in a real browser (serve mode)', () => {
  let rig: UiRig;
  let mcp: Client | null = null;
  let agentToken = '';

  beforeAll(async () => {
    rig = await startUiRig({
      // 300× keeps the day moving; a 30-min detector warm-up takes ~5 s of wall time.
      simulator: { speed: 300 },
      detect: { learnSamples: 120 },
      governance: { watchPolicy: false, sweepIntervalMs: 100, progressIntervalMs: 200 },
      immune: { fleet: { enabled: true, size: 6 } },
    });
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await mcp?.close().catch(() => {});
    await rig?.close();
  });

  it('shows the plant as a hierarchy: three lines of the demo, nine assets, an asset with values that change and their units', async () => {
    const { page } = rig;
    await page.waitForFunction(() => document.querySelectorAll('tr[data-device]').length === 9, null, { timeout: 15_000 });
    expect(await page.locator('tr[data-line]').count()).toBe(3);
    // Keyboard: the asset's name is a button; Enter opens its detail, Escape goes back.
    await page.locator(`tr[data-device="${DEVICE}"] button.link`).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector(`[data-level="asset"][data-asset="${DEVICE}"]`);
    const cell = `tr[data-tag="${DEVICE}/temperature"] td[data-field="value"]`;
    await page.waitForFunction((sel) => /^\d+\.\d$/.test(document.querySelector(sel)?.textContent ?? ''), cell, { timeout: 10_000 });
    const first = await page.locator(cell).textContent();
    await page.waitForFunction(([sel, before]) => document.querySelector(sel ?? '')?.textContent !== before, [cell, first], { timeout: 10_000 });
    const units = await page.locator('.asset-tags td[data-field="unit"]').allTextContents();
    expect(units).toEqual(['°C', 'PSI', 'mm/s', '%', 'kW']);
    // Both control-room sizes: no control or value cut off at the pane's sides (rows may scroll vertically).
    for (const size of [
      { width: 1366, height: 768 },
      { width: 1920, height: 1080 },
    ]) {
      await page.setViewportSize(size);
      for (const level of ['asset', 'overview']) {
        if (level === 'overview') {
          await page.keyboard.press('Escape');
          await page.waitForSelector('[data-level="overview"]');
        }
        const cut = await page.evaluate(() => {
          const pane = document.querySelector('section.pane-body[data-pane="plant"]')?.getBoundingClientRect();
          if (!pane) return ['no plant pane'];
          const els = document.querySelectorAll('section.pane-body[data-pane="plant"] :is(button, input, td[data-field], svg.analog-bar)');
          return [...els]
            .filter((e) => e.getBoundingClientRect().right > pane.right + 1 || e.getBoundingClientRect().left < pane.left - 1)
            .map((e) => e.outerHTML.slice(0, 80));
        });
        expect(cut, `${size.width}×${size.height} ${level}`).toEqual([]);
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await page.locator('section.pane-body[data-pane="plant"]').screenshot({ path: path.join(ARTIFACTS, `plant-${level}-${size.width}.png`) });
        if (level === 'overview') await page.locator(`tr[data-device="${DEVICE}"] button.link`).click();
      }
    }
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-level="overview"]');
  });

  it('jumping the replay to the thermal-runaway hour raises an alarm the operator acknowledges', async () => {
    const { page } = rig;
    // Let the detectors learn the plant first (120 samples at 5 s = 10 min of plant time).
    await page.waitForTimeout(3000);
    await showPane(page, 'replay');
    await page.click('[data-scenario="thermal_runaway"]');
    await page.waitForFunction(() => /0[23]:\d\d/.test(document.querySelector('[data-field="sim-time"]')?.textContent ?? ''), null, { timeout: 5000 });
    await showPane(page, 'alarms');
    const row = page.locator(`tr[data-alarm-id][data-state="unacknowledged"][data-source="${DEVICE}"]`).first(); // the cell shows the asset's name
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('[data-field="unacked-alarms"]').textContent()).not.toMatch(/^0 /);
    const id = await row.getAttribute('data-alarm-id');
    // Keyboard, as on a control desk: select the row, press "a".
    await row.click();
    await page.keyboard.press('a');
    await page.waitForSelector(`tr[data-alarm-id="${id}"]:not([data-state="unacknowledged"])`, { timeout: 5000 });
    const st = await rig.core.api.call('alarms.list', {}, OPERATOR);
    expect(st.ok && st.result.find((a) => a.id === id)?.acked_by).toBe(UI_OPERATOR.name);
  }, 60_000);

  it('an agent created in the UI gets a one-time token that works for MCP', async () => {
    const { page } = rig;
    await showPane(page, 'agents');
    await page.click('text=New agent…');
    await page.fill('[aria-label="agent name"]', 'Field assistant');
    await page.click('form.dialog button[type="submit"]');
    const token = page.locator('[data-field="one-time-token"]');
    await token.waitFor();
    agentToken = (await token.textContent())!.trim();
    expect(agentToken).toMatch(/^afa_/);
    const transport = new StreamableHTTPClientTransport(new URL(`${rig.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${agentToken}` } } });
    mcp = new Client({ name: 'e2e-agent', version: '1.0.0' });
    await mcp.connect(transport);
    const tools = await mcp.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('execute_device_command');
    await page.click('text=Done');
  });

  it('reduce_load by MCP: the approval is pushed to the screen, one click approves, the trend shows the effect', async () => {
    const { page } = rig;
    await showPane(page, 'trends');
    const power = page.locator(`tr[data-trend-tag="${DEVICE}/power"] td[data-latest]`);
    await page.waitForFunction(
      (sel) => Number(document.querySelector(sel)?.getAttribute('data-value')) > 0,
      `tr[data-trend-tag="${DEVICE}/power"] td[data-latest]`,
    );
    const before = Number(await power.getAttribute('data-value'));
    await showPane(page, 'approvals');

    const call = mcp!.callTool(
      {
        name: 'execute_device_command',
        arguments: {
          device_id: DEVICE,
          command: 'reduce_load',
          parameters: { reduction_pct: 50 },
          justification: 'Temperature runaway on the compressor; SOP 2.1 says shed load first.',
        },
      },
      undefined,
      { timeout: 120_000 },
    );
    const card = page.locator('article[data-approval-id]').first();
    // The card arrives by push (no reload, no polling); how fast is bench:ui's approval_to_ui_ms, not a timed assertion here.
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain('reduce_load');
    expect(await card.textContent()).toContain('"reduction_pct": 50');

    // The compact pop-up route shows the same request.
    const approvalId = await card.getAttribute('data-approval-id');
    const popup = await rig.page.context().newPage(); // the same browser profile: the session cookie comes along
    await popup.setViewportSize({ width: 520, height: 560 });
    await popup.goto(`${rig.url}/#popup=approval&id=${approvalId}`);
    await popup.waitForSelector(`article[data-approval-id="${approvalId}"]`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await popup.screenshot({ path: path.join(ARTIFACTS, 'approval-popup.png') });

    await card.locator('button[data-action="approve"]').click();
    await card.locator('button[data-action="confirm-approve"]').click(); // a plant command: high risk, confirm step
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent)).toContain('executed');
    await popup.waitForSelector('text=This request was approved');
    await popup.close();

    await showPane(page, 'trends');
    await page.waitForFunction(
      ([sel, limit]) => Number(document.querySelector(sel as string)?.getAttribute('data-value')) < limit,
      [`tr[data-trend-tag="${DEVICE}/power"] td[data-latest]`, before * 0.7] as const,
      { timeout: 15_000 },
    );
    await showPane(page, 'plant');
    await page.waitForSelector(`tr[data-device="${DEVICE}"] td[data-field="state"]:has-text("reduced")`);
  }, 60_000);

  it('a blocked emergency_shutdown appears in Audit as BLOCKED', async () => {
    const { page } = rig;
    const r = await mcp!.callTool({
      name: 'execute_device_command',
      arguments: { device_id: DEVICE, command: 'emergency_shutdown', justification: 'Temperature above 115 °C, shutting down to be safe.' },
    });
    expect(r.isError).toBe(true);
    await showPane(page, 'audit');
    const row = page.locator('tr[data-kind="BLOCKED"]:has-text("execute_device_command"):has-text("emergency_shutdown")').first();
    await row.waitFor({ timeout: 5000 });
    expect(await row.locator('td').nth(2).textContent()).toBe('BLOCKED');
    await page.click('[data-action="verify"]');
    await page.waitForSelector('[data-field="verify"]:has-text("Chain verified")');
  });

  it('an incident report filed by the agent appears in Incidents', async () => {
    const { page } = rig;
    const r = await mcp!.callTool({
      name: 'log_incident_report',
      arguments: {
        device_id: DEVICE,
        title: 'Thermal runaway on line-1/compressor-01',
        severity: 'high',
        anomaly_type: 'thermal_runaway',
        root_cause: 'Cooling degraded; temperature ramped 80 → 120 °C.',
        actions_taken: 'reduce_load 50 % approved by the operator; emergency_shutdown blocked by policy.',
        manual_sections: ['2.1'],
      },
    });
    expect(r.isError).toBeFalsy();
    await showPane(page, 'incidents');
    const row = page.locator('tr[data-incident-id]:has-text("Thermal runaway on line-1/compressor-01")');
    await row.waitFor({ timeout: 5000 });
    await row.click();
    await page.waitForSelector('text=reduce_load 50 % approved by the operator');
  });

  it('every pane renders without errors; screenshots saved', async () => {
    const { page } = rig;
    for (const pane of PANE_IDS) {
      await showPane(page, pane);
      if (pane === 'agents') {
        // The detail view: calls per hour by decision, tools used, scope.
        await page.click('tr[data-agent-id]:has-text("Field assistant")');
        await page.waitForSelector('section.detail .mini-chart canvas');
        expect(await page.locator('section.detail').textContent()).toContain('execute_device_command');
      }
      await page.waitForTimeout(pane === 'trends' ? 800 : 300);
      const file = await screenshotPane(page, pane);
      expect(fs.statSync(file).size).toBeGreaterThan(2000);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'control-room.png') });
    expect(rig.errors).toEqual([]);
  }, 60_000);

  it('Restore autonomy in the Agents pane lifts what the immune system imposed on an agent', async () => {
    const { page } = rig;
    const gov = rig.core.services.governance;
    const id = gov.agents.list().find((a) => a.name === 'Field assistant')!.id;
    gov.setReducedAutonomy(id, true, 'e2e: limits as the immune system sets them', 'immune');
    gov.revokeTools(id, ['get_sensor_stream'], 'e2e', 'immune');
    await showPane(page, 'agents');
    const detail = page.locator(`section.detail[aria-label="agent ${id}"]`);
    if ((await detail.count()) === 0) await page.click(`tr[data-agent-id="${id}"]`);
    await expect.poll(() => detail.textContent()).toContain('every call needs review');
    const button = detail.locator('button:has-text("Restore autonomy")');
    await button.click();
    await button.waitFor({ state: 'detached' });
    expect(gov.agents.get(id)).toMatchObject({ reducedAutonomy: false, revokedTools: [] });
    const rows = gov.audit.query({ agentId: id, kind: 'AGENT_CHANGED', limit: 4 });
    expect(rows.filter((r) => r.actor !== 'immune')).toHaveLength(2); // autonomy and tools, each audited under the operator
  });

  it('the layout survives a reload (moved pane stays where the operator put it)', async () => {
    const { page } = rig;
    await showPane(page, 'audit');
    await page.locator('[data-dock="d4"] select.dock-move').selectOption('d1');
    await page.waitForSelector('[data-dock="d1"] [data-pane-tab="audit"]');
    await page.reload();
    await page.waitForSelector('[data-dock="d1"] [data-pane-tab="audit"]');
    expect(await page.locator('[data-dock="d4"] [data-pane-tab="audit"]').count()).toBe(0);
  });

  it('a pane pops out into its own window and comes back when that window closes', async () => {
    const { page } = rig;
    await showPane(page, 'trends');
    const [popout] = await Promise.all([page.context().waitForEvent('page'), page.locator('[data-dock="d2"] [data-action="pop-out"]').click()]);
    await popout.waitForSelector('section.pane-body.solo[data-pane="trends"] .trend-chart canvas');
    expect(popout.url()).toContain('#pane=trends');
    await page.waitForSelector('[data-dock="d2"] >> text=Trends is open in its own window');
    await popout.close();
    await page.waitForSelector('[data-dock="d2"] section[data-pane="trends"] .trend-chart canvas', { timeout: 5000 });
  });

  it('says so plainly when the link to the core is lost', async () => {
    const { page } = rig;
    await page.waitForSelector('[data-field="connection"]:has-text("connected")');
    await rig.core.services.http!.stop();
    await page.waitForSelector('[data-banner="disconnected"]', { timeout: 5000 });
    expect(await page.locator('[data-field="connection"]').textContent()).toMatch(/disconnected|connecting/);
    // A pane with nothing to list says why it is empty (the approvals queue: every request was decided).
    await showPane(page, 'approvals');
    await page.waitForSelector('text=Not connected to the AegisFlow core');
    await page.screenshot({ path: path.join(ARTIFACTS, 'disconnected.png') });
  });
});
