// One clock and the plant's names on every pane (truth on screen), in Chromium against a real core whose
// replay runs ten times faster than its (hand-moved) wall clock, so plant time and wall time are an hour
// and a half apart: the Agents pane gives an agent's registration on the plant clock (wall on hover) like
// every other pane; the Incidents pane names devices as the plant model does (id on hover); and the Alarm
// report's "current shift" starts at the handover placed on the plant clock with the segments in force
// then, waiting for them while the older clock segments are still on their way (held here at the socket).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import { manualClock } from '../../electron/core/clock';
import { STATUS_SEGMENTS } from '../../electron/core/plant/simulator';
import { wallToPlant } from '../../renderer/src/time';
import { OPERATOR, operatorCaller, waitFor } from '../helpers';
import { CHROMIUM, CHROMIUM_ARGS, ensureRendererBuilt, logIn, showPane, UI_OPERATOR } from './harness';

const DEVICE = 'line-1/compressor-01';

/** The plant clock with every stored segment (a status carries only the newest). */
function clockOf(core: Core) {
  const sim = core.services.plant?.simulator;
  const status = sim?.status().clock;
  if (!sim || !status) throw new Error('no replay clock');
  return { ...status, segments: sim.clockSegments().segments };
}

describe('one clock and the plant’s names on every pane', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-ui-one-clock-'));
  const clock = manualClock(Date.now());
  let core: Core;
  let browser: Browser | null = null;
  let page: Page;
  const errors: string[] = [];
  // simulator.clockSegments requests from the page, held back while `holding` (released by hand).
  let holding = true;
  const held: Array<() => void> = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    core = createCore(testConfig(dir, { simulator: { speed: 10 }, governance: { watchPolicy: false }, immune: { fleet: { enabled: false } } }), { clock });
    await core.start();
    await core.services.operators.registry.add(UI_OPERATOR);
    const sim = core.services.plant?.simulator;
    if (!sim) throw new Error('no simulator');
    await waitFor(() => sim.plantTime() !== null, 'the first replayed rows');
    const started = sim.plantTime() ?? 0;
    // Ten minutes of wall time at 10×: the plant clock runs an hour and a half ahead.
    clock.advance(600_000);
    await waitFor(() => (sim.plantTime() ?? 0) >= started + 5_990_000, 'a hundred minutes of plant time');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  /** A page of its own, logged in, its socket's clockSegments requests held while `holding`. */
  const openPage = async () => {
    if (!browser) throw new Error('no browser');
    page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
    await page.routeWebSocket(/\/ws/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        const name = typeof m === 'string' ? (JSON.parse(m) as { name?: string }).name : undefined;
        if (holding && name === 'simulator.clockSegments') held.push(() => server.send(m));
        else server.send(m);
      });
    });
    await logIn(page, core.services.http?.url ?? '');
  };

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await core?.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the Agents pane gives an agent’s registration on the plant clock, the wall clock on hover', async () => {
    const { agent } = core.services.governance.addAgent({ id: 'night-watch', name: 'Night watch', role: 'assistant' });
    const expected = wallToPlant(clockOf(core), agent.createdAt);
    // Far from the wall stamp: a wall time shown as it is would not pass.
    expect(expected - agent.createdAt).toBeGreaterThan(5_000_000);
    holding = false;
    await openPage();
    await showPane(page, 'agents');
    await page.click(`tr[data-agent-id="${agent.id}"]`);
    const created = page.locator(`section[aria-label="agent ${agent.id}"] [data-field="agent-created"] time`);
    await created.waitFor({ timeout: 10_000 });
    expect(Number(await created.getAttribute('data-plant-ts'))).toBe(expected);
    expect(await created.getAttribute('title')).toContain('wall clock');
    expect(errors).toEqual([]);
  }, 60_000);

  it('the Incidents pane names the device as the plant model does, its id on hover', async () => {
    core.services.governance.addAgent({ id: 'day-watch', name: 'Day watch', role: 'assistant' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await core.services.mcp.createServer({ agentId: 'day-watch', transport: 'in-memory' }).connect(serverSide);
    const mcp = new Client({ name: 'one-clock-e2e', version: '1.0.0' });
    await mcp.connect(clientSide);
    const filed = await mcp.callTool({
      name: 'log_incident_report',
      arguments: {
        device_id: DEVICE,
        title: 'Compressor 1 ran hot',
        severity: 'medium',
        root_cause: 'Cooling fan slowed.',
        actions_taken: 'None yet.',
      },
    });
    await mcp.close();
    expect(filed.isError).toBeFalsy();
    const model = await core.api.call('plant.model', {}, OPERATOR);
    if (!model.ok) throw new Error(model.error.message);
    const name = model.result.assets.find((a) => a.id === DEVICE)?.name;
    if (!name || name === DEVICE) throw new Error(`the model names no asset ${DEVICE}`);

    holding = false;
    await openPage();
    await showPane(page, 'incidents');
    const cell = page.locator('tr[data-incident-id] [data-device-id]').first();
    await cell.waitFor({ timeout: 10_000 });
    expect(await cell.textContent()).toBe(name);
    expect(await cell.getAttribute('title')).toBe(DEVICE);
    // The Replay pane's scenarios name their device the same way.
    const scenario = core.services.plant?.simulator.scenarios()[0];
    if (!scenario) throw new Error('the dataset has no scenario');
    const sname = model.result.assets.find((a) => a.id === scenario.device_id)?.name;
    await showPane(page, 'replay');
    const sdev = page.locator(`[data-scenario="${scenario.type}"] [data-device-id]`);
    await sdev.waitFor({ timeout: 10_000 });
    expect(await sdev.textContent()).toBe(sname);
    expect(await sdev.getAttribute('title')).toBe(scenario.device_id);
    expect(errors).toEqual([]);
  }, 60_000);

  it('the Alarm report’s current shift starts at the handover on the plant clock, waiting for the older clock segments', async () => {
    const dana = operatorCaller(UI_OPERATOR.name, ['operator']);
    const ho = await core.api.call('handover.create', {}, dana);
    if (!ho.ok) throw new Error(ho.error.message);
    const acked = await core.api.call('handover.ack', { id: ho.result.id }, operatorCaller('Sam Ortiz', ['operator']));
    if (!acked.ok || acked.result.ackedAt === null) throw new Error('handover not acknowledged');
    const ackedAt = acked.result.ackedAt;
    // Speed changes push the handover's segment out of the status a page is sent.
    const sim = core.services.plant?.simulator;
    if (!sim) throw new Error('no simulator');
    for (let i = 0; i < STATUS_SEGMENTS + 4; i++) {
      clock.advance(1_000);
      sim.setSpeed(i % 2 === 0 ? 20 : 10);
    }
    expect(sim.status().clock?.segments.some((s) => s.wall <= ackedAt)).toBe(false);
    // Ten minutes of shift on the plant clock (a minute at 10×), so the window is not the one-minute least.
    const atAck = sim.plantTime() ?? 0;
    clock.advance(60_000);
    await waitFor(() => (sim.plantTime() ?? 0) >= atAck + 590_000, 'ten more minutes of plant time');
    const expected = wallToPlant(clockOf(core), ackedAt);
    expect(expected - ackedAt).toBeGreaterThan(5_000_000);

    // A fresh page: its older segments are asked for and held at the socket.
    holding = true;
    await openPage();
    await waitFor(() => held.length > 0, 'the page asks for the older clock segments');
    await showPane(page, 'report');
    await page.locator('[data-report-from]').waitFor();
    await page.selectOption('[aria-label="report window"]', 'shift');
    // Not computed over a window placed with the newest segments only.
    await page.waitForSelector('[data-action="report-refresh"]:has-text("Computing")', { timeout: 10_000 });
    holding = false;
    for (const send of held.splice(0)) send();
    await page.waitForSelector(`[data-report-from="${expected}"]`, { timeout: 10_000 });
    expect(errors).toEqual([]);
  }, 90_000);
});
