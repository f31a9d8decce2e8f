// Finding 13: operator clicks replayed later. The UI queued actions made while disconnected and sent
// them on reconnect: a "Pause all agents" clicked while the core was down took effect ~50 s later.
// Now, while the link is down, operator controls refuse clicks on the spot and say the action was not
// sent; the client never queues a request; after reconnecting, nothing old happens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiRig, type UiRig } from '../e2e/harness';
import { freePort } from '../helpers';

describe('finding 13: no operator click is replayed after a reconnect', () => {
  let rig: UiRig;
  beforeAll(async () => {
    // A fixed port, so the page can reconnect to the same address after the HTTP server restarts.
    rig = await startUiRig({
      http: { port: await freePort() },
      simulator: { autostart: false },
      immune: { fleet: { enabled: false } },
      governance: { watchPolicy: false },
    });
    rig.core.services.governance.addAgent({ id: 'field', name: 'Field assistant', role: 'assistant' });
    await rig.login();
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('refuses "Pause all agents" while disconnected, says it was not sent, and sends nothing on reconnect', async () => {
    const { page, core } = rig;
    const g = core.services.governance;
    await page.click('[data-pane-tab="agents"]');
    await page.click('button[data-action="kill-all"]');
    await page.waitForSelector('button[data-action="kill-all-confirm"]');

    await core.services.http!.stop();
    await page.waitForSelector('[data-banner="disconnected"]');
    // A person clicks the greyed-out button anyway.
    await page.click('button[data-action="kill-all-confirm"]');
    await page.waitForSelector('.notice >> text=Not sent');
    expect(await page.locator('[data-controls]').getAttribute('data-controls')).toBe('offline');

    await core.services.http!.start();
    // Reconnected and fully reloaded: every request the page sends on reconnect has been answered, so a
    // queued click would have reached the core before this.
    await page.waitForSelector('[data-field="connection"][data-ready="yes"]', { timeout: 20_000 });
    expect(g.agents.list().filter((a) => a.status !== 'active')).toEqual([]);
    expect(g.audit.query({ kind: 'KILLED', limit: 10 })).toEqual([]);

    // Connected again, the same control (its confirmation still open) works, audited under the logged-in operator.
    await page.click('button[data-action="kill-all-confirm"]');
    await expect.poll(() => g.agents.get('field')?.status).toBe('paused');
    expect(new Set(g.audit.query({ kind: 'KILLED', limit: 10 }).map((r) => r.actor))).toEqual(new Set(['Dana Reyes']));
  });
});
