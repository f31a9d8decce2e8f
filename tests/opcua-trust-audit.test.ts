// Trusting an OPC UA server's certificate is an operator's decision on the audit chain (issue 16): a real
// node-opcua server in security mode Sign, a real core; a viewer is refused and leaves no row; the
// operator's trust appends CERT_TRUSTED with who, which connector, the thumbprint and the subject, and
// the chain still verifies.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core } from '../electron/core';
import { freePort, operatorCaller, tempDir, waitFor } from './helpers';
import { modelOf, startPlantServer, type PlantServer } from './opcua-server';
import { writeModel, waterOpcUaModel, startPlantCore } from './plant-rig';

describe('trusting an OPC UA server certificate is audited', () => {
  const t = tempDir('aegis-opcua-trust-');
  let core: Core;
  let server: PlantServer;

  beforeAll(async () => {
    const port = await freePort();
    const text = waterOpcUaModel(port, 'Sign');
    core = await startPlantCore(path.join(t.dir, 'data'), writeModel(t.dir, text, 'water-opcua.yaml'));
    server = await startPlantServer({ model: modelOf(text).model, port, pkiDir: path.join(t.dir, 'server-pki'), tickMs: 250, securityModes: ['Sign'] });
  }, 120_000);
  afterAll(async () => {
    await core?.stop();
    await server?.stop();
    t.cleanup();
  });

  it('a viewer is refused with no audit row; the operator trust is one CERT_TRUSTED row on a chain that verifies', async () => {
    const kim = operatorCaller('Kim Operator', ['operator']);
    const waiting = await waitFor(async () => {
      const r = await core.api.call('connectors.status', {}, kim);
      return r.ok ? r.result.find((c) => c.id === 'wtp-opc' && c.untrusted)?.untrusted : undefined;
    }, 'the connector waiting on the certificate');
    const rows = async () => {
      const r = await core.api.call('audit.query', { kind: 'CERT_TRUSTED' }, kim);
      if (!r.ok) throw new Error(r.error.message);
      return r.result;
    };
    const viewer = await core.api.call('connectors.trust', { connector: 'wtp-opc', thumbprint: waiting.thumbprint }, operatorCaller('vera', ['viewer']));
    expect(viewer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const wrong = await core.api.call('connectors.trust', { connector: 'wtp-opc', thumbprint: 'cd'.repeat(20) }, kim);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await rows()).toEqual([]);

    // The communication alarm stays until the connector reads again: trusting is not connecting.
    expect(core.services.alarms.find('connector:wtp-opc:communication')?.active).toBe(true);
    const alarmAt: Array<[string, boolean | undefined]> = [];
    const off = core.bus.on('connector.status', (s) => {
      if (s.id === 'wtp-opc') alarmAt.push([s.state, core.services.alarms.find('connector:wtp-opc:communication')?.active]);
    });
    const ok = await core.api.call('connectors.trust', { connector: 'wtp-opc', thumbprint: waiting.thumbprint.toUpperCase() }, kim);
    expect(ok).toEqual({ ok: true, result: { trusted: true } });
    const [row, ...more] = await rows();
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      kind: 'CERT_TRUSTED',
      actor: 'Kim Operator',
      agentId: null,
      detail: { connector: 'wtp-opc', thumbprint: waiting.thumbprint.toLowerCase(), subject: waiting.subject },
    });
    expect(waiting.subject).not.toBe('');
    const verified = await core.api.call('audit.verify', {}, kim);
    expect(verified).toMatchObject({ ok: true, result: { ok: true } });
    // And the trust took: the connector connects and values arrive.
    await waitFor(() => core.services.ingest.connectors().find((c) => c.id === 'wtp-opc')?.state === 'connected', 'connected');
    off();
    expect(alarmAt).toContainEqual(['connecting', true]);
    expect(alarmAt[alarmAt.length - 1]).toEqual(['connected', false]);
    await waitFor(() => core.services.live.recent('intake/rw-pump-1', 100).some((r) => r.values.flow !== undefined), 'pump flow in the live cache');
    // Values flow, but no source reports whether the pump runs: the core says so, it does not assume it.
    const snap = await core.api.call('plant.snapshot', {}, kim);
    if (!snap.ok) throw new Error(snap.error.message);
    expect(snap.result.devices.find((d) => d.device_id === 'intake/rw-pump-1')).toMatchObject({ state: 'unknown', load_pct: null });
  }, 60_000);
});
