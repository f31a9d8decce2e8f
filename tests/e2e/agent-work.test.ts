// Agent work in view (issue 18, item 7): from the Agent work pane an operator starts the operator agent on
// a device and the demo, sees each while it runs (top bar and pane), reads the run's trace as a span tree
// with the gateway's decisions, and finds the plant given back after the demo.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfigOverrides } from '../../electron/core/agent';
import { OPERATOR } from '../helpers';
import { ARTIFACTS, showPane, startUiRig, type UiRig } from './harness';

const DEMO_DEVICE = 'line-1/compressor-01';

describe('Agent work pane in a real browser', () => {
  let rig: UiRig;

  beforeAll(async () => {
    rig = await startUiRig(demoConfigOverrides(), { width: 1366, height: 768 });
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('starts the operator agent on a device; the run shows while it works and its trace opens as a span tree', async () => {
    const { page, core } = rig;
    await showPane(page, 'work');
    await page.selectOption('[aria-label="agent device"]', 'line-2/motor-02');
    const started = new Promise<void>((r) => core.bus.once('agent.run.started', () => r()));
    const finished = new Promise<string>((r) => core.bus.once('agent.run.finished', (x) => r(x.traceId)));
    await page.click('[data-action="run-agent"]');
    await started;
    const traceId = await finished;
    // the pane reports the run's outcome, and its trace is listed and opens as a tree
    await page.waitForSelector('[data-field="agent-run"]:not([data-state="running"])');
    const row = page.locator(`tr[data-trace-id="${traceId}"]`);
    await row.waitFor();
    // The device as the plant model names it, the id on hover.
    const model = await core.api.call('plant.model', {}, OPERATOR);
    const name = model.ok ? model.result.assets.find((a) => a.id === 'line-2/motor-02')?.name : undefined;
    expect(name).toBeTruthy();
    const device = row.locator('[data-device-id="line-2/motor-02"]');
    expect(await device.textContent()).toBe(name);
    expect(await device.getAttribute('title')).toBe('line-2/motor-02');
    await row.click();
    const tree = page.locator('[aria-label="span tree"]');
    await tree.waitFor();
    expect(await tree.locator('li[data-span^="invoke_agent"]').count()).toBe(1);
    expect(await tree.locator('li[data-span="governance.decision"]').count()).toBeGreaterThan(0);
    expect(await tree.locator('li[data-span="governance.decision"]').first().textContent()).toMatch(/ALLOW|REVIEW|BLOCK/);
    expect(rig.errors).toEqual([]);
  }, 120_000);

  it('runs the demo scene by scene with an indicator, waits for the operator, and gives the plant back', async () => {
    const { page, core } = rig;
    await showPane(page, 'work');
    // The demo waits for a person's decision on its approval; this test is that person.
    const offApproval = core.bus.on('approval.created', (a) => {
      if (a.kind !== 'healing') void core.api.call('approvals.decide', { id: a.id, verdict: 'approve', comment: 'e2e: SOP 2.1, reduce load first' }, OPERATOR);
    });
    const finished = new Promise<boolean | null>((r) => core.bus.once('demo.finished', (d) => r(d.ok)));
    const firstScene = new Promise<void>((r) => core.bus.once('demo.step', () => r()));
    await page.click('[data-action="run-demo"]');
    await firstScene;
    // while it runs the top bar says so, whatever pane is in front
    await page.waitForSelector('[data-field="agent-work"]');
    expect(await page.locator('[data-field="agent-work"]').textContent()).toMatch(/demo running|agent on/);
    await page.locator('section.pane-body[data-pane="work"]').screenshot({ path: path.join(ARTIFACTS, 'pane-work-demo-running-1366.png') });
    const ok = await finished;
    offApproval();
    expect(ok).toBe(true);
    await page.waitForSelector('[data-work="demo"][data-state="passed"]');
    await page.waitForSelector('[data-field="agent-work"]', { state: 'detached' });
    const scenes = await page.locator('[aria-label="demo scenes"] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-scene')));
    expect(scenes).toEqual(expect.arrayContaining(['detected', 'shutdown_blocked', 'reduce_review', 'executed', 'kill_switch', 'restore']));
    expect(scenes[scenes.length - 1]).toBe('restore');
    // the plant is given back: the compressor the demo slowed runs at full load again
    expect(core.services.plant!.simulator.device(DEMO_DEVICE)!.status()).toMatchObject({ state: 'running', load_pct: 100 });
    await page.locator('section.pane-body[data-pane="work"]').screenshot({ path: path.join(ARTIFACTS, 'pane-work-demo-done-1366.png') });
    expect(rig.errors).toEqual([]);
  }, 240_000);
});
