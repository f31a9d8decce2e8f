// Agents by name and one plant clock (issue 18, finding 6 and 2), in a real browser against a real core:
// an agent registered with a name makes MCP calls (a real SDK client) and files an incident report; the
// Incidents, Immune, Audit and Approvals panes name it (Overview and Work use the same helper), with its id on hover, and an agent removed from the
// registry shows its id, never "undefined". The Replay pane shows the top bar's plant time after a seek,
// and calls the replayed row's own time the dataset position.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reduceLoad } from '../security/device-commands';
import { showPane, startUiRig, type UiRig } from './harness';

const NAME = 'Night shift assistant';
const DEVICE = 'line-1/compressor-01';

describe('agents by name, one plant clock', () => {
  let rig: UiRig;
  let mcp: Client | null = null;
  let agentId = '';

  beforeAll(async () => {
    rig = await startUiRig({
      simulator: { speed: 100 },
      governance: { watchPolicy: false },
      immune: { fleet: { enabled: false }, vitals: { flushMs: 100 } },
    });
    const { agent } = rig.core.services.governance.addAgent({ name: NAME, role: 'assistant' });
    agentId = agent.id;
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await rig.core.services.mcp.createServer({ agentId, transport: 'in-memory' }).connect(serverSide);
    mcp = new Client({ name: 'aegis-e2e-names', version: '1.0.0' });
    await mcp.connect(clientSide);
    const r = await mcp.callTool({
      name: 'log_incident_report',
      arguments: {
        device_id: DEVICE,
        title: 'Bearing noise on compressor 1',
        severity: 'medium',
        anomaly_type: 'bearing_failure',
        root_cause: 'Vibration rose slowly over the shift.',
        actions_taken: 'Reported to maintenance; no command sent.',
      },
    });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    await rig.login();
  }, 90_000);

  afterAll(async () => {
    await mcp?.close().catch(() => {});
    await rig?.close();
  });

  it('Incidents, Immune, Audit and Approvals show the agent by name, the id on hover', async () => {
    const { page } = rig;
    expect(agentId).toMatch(/^agent-/);

    await showPane(page, 'incidents');
    const cell = page.locator(`tr[data-incident-id]:has-text("Bearing noise on compressor 1") [data-agent-ref="${agentId}"]`);
    await cell.waitFor({ timeout: 10_000 });
    expect(await cell.textContent()).toBe(NAME);
    expect(await cell.getAttribute('title')).toBe(agentId);

    await showPane(page, 'immune');
    const box = page.locator(`[data-immune-agent="${agentId}"]`);
    await box.waitFor({ timeout: 15_000 });
    expect(await box.locator('b').textContent()).toBe(NAME);
    expect(await box.getAttribute('title')).toContain(agentId);
    await box.click();
    const heading = page.locator('section.detail h4 [data-agent-ref]');
    await heading.waitFor({ timeout: 10_000 });
    expect(await heading.textContent()).toBe(NAME);

    await showPane(page, 'audit');
    const audited = page.locator(`tr[data-kind="ALLOWED"]:has-text("log_incident_report") td[title="${agentId}"]`).first();
    await audited.waitFor({ timeout: 10_000 });
    expect(await audited.textContent()).toBe(NAME);

    // A command the agent asks for waits in Approvals, under the agent's name.
    const asked = await rig.core.services.governance.authorize({ agentId, tool: 'execute_device_command', args: reduceLoad(DEVICE, 20) });
    expect(asked.decision).toBe('REVIEW');
    await showPane(page, 'approvals');
    const by = page.locator(`[data-approval-id="${asked.approvalId}"] dd[title="${agentId}"]`);
    await by.waitFor({ timeout: 10_000 });
    expect(await by.textContent()).toBe(NAME);

    // Nowhere in these panes is the bare id the text of a cell.
    for (const pane of ['incidents', 'immune', 'audit', 'approvals']) {
      await showPane(page, pane);
      const bare = await page.evaluate(
        ([p, id]) => [...document.querySelectorAll(`section.pane-body[data-pane="${p}"] :is(td, b, span)`)].filter((e) => e.textContent?.trim() === id).length,
        [pane, agentId],
      );
      expect(bare, pane).toBe(0);
    }
    expect(rig.errors).toEqual([]);
  }, 60_000);

  it('an agent removed from the registry shows its id, never "undefined"', async () => {
    const { page } = rig;
    rig.core.services.governance.removeAgent(agentId, 'e2e');
    await showPane(page, 'incidents');
    const cell = page.locator(`tr[data-incident-id]:has-text("Bearing noise on compressor 1") [data-agent-ref="${agentId}"]`);
    await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe(agentId);
    expect(await page.locator('section.pane-body[data-pane="incidents"]').textContent()).not.toContain('undefined');
  }, 30_000);

  it('after a seek, the Replay pane shows the top bar plant time and names the dataset position apart', async () => {
    const { page } = rig;
    await showPane(page, 'replay');
    const pane = page.locator('section.pane-body[data-pane="replay"]');
    await pane.locator('input[type="datetime-local"]').fill('2026-01-01T12:00:00');
    await pane.locator('button[type="submit"]:has-text("Seek")').click();
    await page.waitForFunction(() => /^2026-01-01 12:0\d/.test(document.querySelector('[data-field="sim-time"]')?.textContent ?? ''), null, {
      timeout: 10_000,
    });
    expect(await pane.textContent()).toContain('dataset position');
    // Both clocks read in one go: the same plant time, to the second.
    const read = () =>
      page.evaluate(() => ({
        top: document.querySelector('[data-field="plant-time"] time')?.getAttribute('data-plant-ts') ?? 'none',
        replay: document.querySelector('[data-field="replay-plant-time"] time')?.getAttribute('data-plant-ts') ?? 'none',
        text: document.querySelector('[data-field="replay-plant-time"]')?.textContent ?? '',
        topText: document.querySelector('[data-field="plant-time"]')?.textContent ?? '',
        banner: document.querySelector('[data-banner="replay-paused"] time')?.getAttribute('data-plant-ts') ?? 'none',
      }));
    await page.waitForFunction(() => Number(document.querySelector('[data-field="plant-time"] time')?.getAttribute('data-plant-ts')) > 0, null, {
      timeout: 10_000,
    });
    const a = await read();
    expect(a.replay).toBe(a.top);
    expect(a.text).toBe(a.topText);
    // The plant clock carried on through the seek: it is not the dataset's 2026-01-01 position.
    expect(a.text.startsWith('2026-01-01 12:0')).toBe(false);
    // A speed change, then a pause: still one clock.
    await page.selectOption('[aria-label="Replay speed"]', '10');
    await page.click('[data-action="pause-resume"]');
    await page.waitForSelector('[data-banner="replay-paused"]');
    // Read in one go: rows published before the pause may still be arriving.
    const b = await read();
    expect(b.replay).toBe(b.top);
    expect(b.banner).toBe(b.top);
    await page.click('[data-action="resume-replay"]');
    expect(rig.errors).toEqual([]);
  }, 60_000);
});
