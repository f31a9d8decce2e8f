// OPC UA trust end to end (issue 16: "the UI shows an untrusted one for the operator to accept"): a real
// node-opcua server in security mode Sign, a real core reading the water plant from it, the built UI in
// Chromium at 1366×768. The Plant pane's connector shows the server's untrusted certificate (the SHA-1 of
// the certificate the server really holds, and its subject); the operator clicks Trust and confirms; the
// connector connects, values reach the asset's detail, and the Audit pane shows the decision by the operator.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../helpers';
import { modelOf, startPlantServer, type PlantServer } from '../opcua-server';
import { ARTIFACTS, showPane, startUiRig, UI_OPERATOR, type UiRig } from './harness';
import { writeModel, waterOpcUaModel, realPlantSettings } from '../plant-rig';

const PUMP = 'intake/rw-pump-1';

describe('trusting an OPC UA server certificate from the Plant pane', () => {
  const t = tempDir('aegis-e2e-opcua-');
  let rig: UiRig;
  let server: PlantServer;
  let serverThumbprints: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const text = waterOpcUaModel(port, 'Sign');
    const file = writeModel(t.dir, text, 'water-opcua.yaml');
    const pkiDir = path.join(t.dir, 'server-pki');
    server = await startPlantServer({ model: modelOf(text).model, port, pkiDir, tickMs: 250, securityModes: ['Sign'] });
    // The certificate the server presents, as its administrator would read it off the server.
    const own = path.join(pkiDir, 'own', 'certs');
    serverThumbprints = fs
      .readdirSync(own)
      .filter((f) => f.endsWith('.pem'))
      .map((f) => new X509Certificate(fs.readFileSync(path.join(own, f))).fingerprint.replace(/:/g, '').toLowerCase());
    rig = await startUiRig(realPlantSettings(file), { width: 1366, height: 768 });
    await rig.login();
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
    await server?.stop();
    t.cleanup();
  });

  it('shows the untrusted certificate; Trust connects the connector, values arrive and the decision is audited', async () => {
    const { page, core } = rig;
    expect(serverThumbprints.length).toBeGreaterThan(0);
    await showPane(page, 'plant');
    const strip = page.locator('li[data-connector="wtp-opc"]');
    const untrusted = strip.locator('[data-field="untrusted"]');
    await untrusted.waitFor({ timeout: 30_000 });
    expect(await strip.getAttribute('data-state')).toBe('down');
    const thumbprint = (await untrusted.locator('[data-field="thumbprint"]').textContent()) ?? '';
    expect(serverThumbprints).toContain(thumbprint.toLowerCase());
    const subject = (await untrusted.locator('[data-field="subject"]').textContent()) ?? '';
    expect(subject.length).toBeGreaterThan(0);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('section.pane-body[data-pane="plant"]').screenshot({ path: path.join(ARTIFACTS, 'opcua-trust-1366.png') });

    // The confirm names the certificate; the operator accepts it.
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await untrusted.locator('button[data-action="trust-certificate"]').click();
    await page.waitForSelector('li[data-connector="wtp-opc"][data-state="connected"]', { timeout: 30_000 });
    expect(asked[0]).toContain(thumbprint);
    expect(await strip.locator('[data-field="untrusted"]').count()).toBe(0);

    // Values arrive: the pump's flow in its detail, a number that changes.
    await page.fill('input[aria-label="Find an asset"]', 'rw-pump-1');
    await page.locator(`tr[data-device="${PUMP}"]`).first().click();
    const cell = `tr[data-tag="${PUMP}/flow"] td[data-field="value"]`;
    await page.waitForFunction((sel) => /\d/.test(document.querySelector(sel)?.textContent ?? ''), cell, { timeout: 20_000 });
    const first = await page.locator(cell).textContent();
    await page.waitForFunction(([sel, before]) => document.querySelector(sel ?? '')?.textContent !== before, [cell, first], { timeout: 20_000 });
    expect(core.services.live.recent(PUMP, 100).some((r) => r.values.flow !== undefined)).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'opcua-trusted-1366.png') });

    // The decision is on the audit chain, by the operator who clicked.
    await showPane(page, 'audit');
    const row = page.locator('tr[data-kind="CERT_TRUSTED"]').first();
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain(UI_OPERATOR.name);
    const audited = core.services.governance.audit.query({ kind: 'CERT_TRUSTED', limit: 10 });
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: UI_OPERATOR.name, detail: { connector: 'wtp-opc', thumbprint: thumbprint.toLowerCase(), subject } });
    expect(rig.errors).toEqual([]);
  }, 120_000);
});
