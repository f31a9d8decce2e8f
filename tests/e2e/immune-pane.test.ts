// The Immune pane against the real immune system with a fast simulated fleet: inject a failure with
// a chaos button, see the infection, decide its healing approval in the page, watch the timeline.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, showPane, startUiRig, type UiRig } from './harness';

describe('Immune pane in a real browser', () => {
  let rig: UiRig;

  beforeAll(async () => {
    rig = await startUiRig({
      simulator: { enabled: false },
      // Every infection waits for the operator here (threshold 1), so the HITL path is what this test
      // sees whatever severity a busy machine's timing gives the injected failure.
      immune: { fleet: { enabled: true, size: 6, tickMs: 40 }, healing: { stepDelayMs: 0 }, vitals: { flushMs: 100 }, severityThreshold: 1 },
    });
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('a chaos button infects an agent; the operator approves its healing from the pane', async () => {
    const { page } = rig;
    await showPane(page, 'immune');
    // Wait until the fleet has baselines (otherwise nothing can be judged abnormal).
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-immune-agent]')].length === 6 && !document.body.textContent.includes(' learning'),
      null,
      { timeout: 30_000 },
    );
    await page.selectOption('[aria-label="chaos target"]', 'sim-research-01');
    await page.click('[data-chaos="prompt_injection"]');
    // Quarantined and waiting for the operator.
    const row = page.locator('tr[data-immune-approval]', { hasText: 'sim-research-01' });
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('[data-immune-agent="sim-research-01"]').getAttribute('class')).toContain('abnormal-box');
    await row.locator('button:has-text("Approve healing")').click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await page.waitForFunction(() => /approved|action applied/.test(document.querySelector('.immune')!.textContent ?? ''), null, { timeout: 15_000 });
    await page.locator('section.pane-body[data-pane="immune"]').screenshot({ path: path.join(ARTIFACTS, 'pane-immune-healing.png') });
    expect(rig.errors).toEqual([]);
  }, 90_000);
});
