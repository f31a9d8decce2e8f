// Issue 19, broker outages as the operator sees them: with an external mosquitto stopped, the control
// room says so in a banner and raises a communication alarm; a page reloaded during the outage shows the
// same (truth on screen, not the last thing it was told); when the broker is back, the banner goes and
// the alarm returns to normal. Real mosquitto, real core, the built UI in Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquitto, type Mosquitto } from '../faults/mosquitto';
import { tempDir } from '../helpers';
import { showPane, startUiRig, type UiRig } from './harness';

const BANNER = '[data-banner="broker-down"]';
const ALARM = 'tr[data-alarm-id="broker:communication"]';

describe('external broker outage in the control room', () => {
  const tmp = tempDir('aegis-ui-outage-');
  let broker: Mosquitto;
  let rig: UiRig;

  beforeAll(async () => {
    broker = await mosquitto(tmp.dir);
    rig = await startUiRig({ broker: { url: broker.url }, simulator: { enabled: false } });
    await rig.login();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
    await broker?.stop();
    tmp.cleanup();
  });

  it('shows no outage banner while the broker is up', async () => {
    expect(rig.core.services.ingest.counters().brokerConnected).toBe(true);
    await showPane(rig.page, 'alarms');
    expect(await rig.page.locator(BANNER).count()).toBe(0);
  });

  it('with no replay, the top bar shows the plant time and claims no replay speed or state', async () => {
    await rig.page.locator('[data-field="plant-time"]').waitFor();
    expect(await rig.page.locator('[data-field="replay-state"]').count()).toBe(0);
    expect(await rig.page.locator('.sim').innerText()).not.toMatch(/running|paused|max|×/);
  });

  it('shows the banner and a communication alarm while the broker is down, also after a reload', async () => {
    const { page, core } = rig;
    const down = new Promise<void>((r) => {
      const off = core.bus.on('broker.connection', (e) => e.connected === false && (off(), r()));
    });
    await broker.stop();
    await down;
    await page.waitForSelector(BANNER, { timeout: 10_000 });
    expect(await page.locator(BANNER).textContent()).toMatch(/MQTT broker unreachable/);
    await page.waitForSelector(`${ALARM}[data-state="unacknowledged"]`, { timeout: 10_000 });
    expect(await page.locator(ALARM).textContent()).toMatch(/no connection to the MQTT broker/);

    // A fresh page learns the outage from the core, not from an event it saw.
    await page.reload();
    await page.waitForSelector('[data-field="connection"]:has-text("connected")');
    await page.waitForSelector(BANNER, { timeout: 10_000 });
    await showPane(page, 'alarms');
    await page.waitForSelector(`${ALARM}[data-state="unacknowledged"]`, { timeout: 10_000 });
    expect(rig.errors).toEqual([]);
  }, 40_000);

  it('drops the banner when the broker is back and the alarm returns to normal', async () => {
    const { page, core } = rig;
    const up = new Promise<void>((r) => {
      const off = core.bus.on('broker.connection', (e) => e.connected && (off(), r()));
    });
    await broker.start();
    await up;
    await page.waitForSelector(BANNER, { state: 'detached', timeout: 10_000 });
    // Returned to normal, still waiting for the operator's acknowledgement (ISA-18.2 state D).
    await page.waitForSelector(`${ALARM}[data-state="rtn_unacknowledged"]`, { timeout: 10_000 });
    expect(core.services.alarms.find('broker:communication')?.active).toBe(false);
    expect(rig.errors).toEqual([]);
  }, 40_000);
});
