// The Agents pane's scope editor against a real core: editing an agent's tool groups must not widen its
// scope by dropping the plant-model areas it was limited to (an edit that forgot a field once gave an
// area-limited agent every device of the plant).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showPane, startUiRig, type UiRig } from './harness';

describe('Agents pane scope editor in a real browser', () => {
  let rig: UiRig;

  beforeAll(async () => {
    rig = await startUiRig({ simulator: { enabled: false } });
    rig.core.services.governance.addAgent({
      id: 'area-watch',
      name: 'Area watcher',
      role: 'assistant',
      scope: { areas: ['production'], toolGroups: ['read'] },
    });
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('keeps the areas when the tool groups are edited, and refuses an area the model lacks', async () => {
    const { page } = rig;
    await showPane(page, 'agents');
    await page.click('[data-agent-id="area-watch"]');
    const detail = page.locator('section.detail[aria-label="agent area-watch"]');
    await expect.poll(() => detail.textContent()).toContain('areas production');
    await detail.locator('button:has-text("Edit")').click();
    await detail.locator('[aria-label="scope tool groups"]').fill('read, report');
    await detail.locator('button:has-text("Save scope")').click();
    await expect.poll(() => rig.core.services.governance.agents.get('area-watch')?.scope.toolGroups).toEqual(['read', 'report']);
    expect(rig.core.services.governance.agents.get('area-watch')?.scope.areas).toEqual(['production']);
    await expect.poll(() => detail.textContent()).toContain('areas production');

    await detail.locator('button:has-text("Edit")').click();
    await detail.locator('[aria-label="scope areas"]').fill('prodution');
    await detail.locator('button:has-text("Save scope")').click();
    await expect.poll(() => page.locator('body').textContent()).toContain('prodution is not an area of the plant model');
    expect(rig.core.services.governance.agents.get('area-watch')?.scope.areas).toEqual(['production']);
    expect(rig.errors).toEqual([]);
  }, 60_000);
});
