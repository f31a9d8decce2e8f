// Decide with the consequence in view (issue 18): the approval card of a device command shows what the
// command would do over the next minutes (the device model run forward from now), and the decision
// records which preview the operator saw.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reduceLoad } from '../security/device-commands';
import { waitFor } from '../helpers';
import { ARTIFACTS, showPane, startUiRig, type UiRig } from './harness';

const DEVICE = 'line-1/compressor-01';

describe('consequence preview on the approval card', () => {
  let rig: UiRig;

  beforeAll(async () => {
    rig = await startUiRig({ simulator: { speed: 60 }, governance: { watchPolicy: false } }, { width: 1920, height: 1080 });
    rig.core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    await waitFor(() => !!rig.core.services.live.latest(DEVICE), 'readings of the compressor');
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('shows temperature and power with and without the command, and the audit records the preview seen', async () => {
    const { page, core } = rig;
    const r = await core.services.governance.authorize({ agentId: 'ops', tool: 'execute_device_command', args: reduceLoad(DEVICE, 30) });
    expect(r.decision).toBe('REVIEW');
    await showPane(page, 'approvals');
    const card = page.locator(`article[data-approval-id="${r.approvalId}"]`);
    const preview = card.locator('[data-field="consequence-preview"]');
    await preview.waitFor({ timeout: 15_000 });
    const keys = await preview.locator('[data-preview-tag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-preview-tag')));
    expect(keys).toEqual(expect.arrayContaining(['temperature', 'power']));
    expect(await preview.locator('[data-preview-tag="temperature"] figcaption').textContent()).toMatch(/now [\d.]+ → [\d.]+ °C \(as is [\d.]+\)/);
    const hash = await preview.getAttribute('data-hash');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    await card.screenshot({ path: path.join(ARTIFACTS, 'approval-consequence-preview-1920.png') });
    await page.setViewportSize({ width: 1366, height: 768 });
    await card.screenshot({ path: path.join(ARTIFACTS, 'approval-consequence-preview-1366.png') });

    // a device command is high risk: Approve opens the confirm step, with the preview still in view
    await card.locator('[data-action="approve"]').click();
    await card.locator('[data-action="confirm-approve"]').click();
    await expect
      .poll(() => core.services.governance.audit.query({ limit: 50 }).find((x) => x.kind === 'APPROVED' && x.approvalId === r.approvalId)?.detail)
      .toMatchObject({ previewHash: hash });
    expect(rig.errors).toEqual([]);
  }, 90_000);
});
