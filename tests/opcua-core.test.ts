// The water-treatment plant read over OPC UA by a real core: the connector waits on the server's
// certificate until an operator trusts it with `connectors.trust`; values reach the live cache; a
// governed set_speed goes through the gateway and arrives as a method call whose token the server
// verifies with the edge verifier; a forged token is refused by the server.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core } from '../electron/core';
import { loadPublicKey } from '../electron/core/governance/keys';
import { freePort, OPERATOR, operatorCaller, tempDir, waitFor } from './helpers';
import { modelOf, startPlantServer, type PlantServer } from './opcua-server';
import { approvedCommand, forgedIntentToken } from './security/device-commands';
import { writeModel, waterOpcUaModel, startPlantCore } from './plant-rig';

const PUMP = 'intake/rw-pump-1';

describe('a core reading the water plant over OPC UA (SignAndEncrypt)', () => {
  const t = tempDir('aegis-opcua-core-');
  let core: Core;
  let server: PlantServer;

  beforeAll(async () => {
    const port = await freePort();
    const text = waterOpcUaModel(port, 'SignAndEncrypt');
    // The core starts before the server is up: the connector keeps trying without holding the start up.
    core = await startPlantCore(path.join(t.dir, 'data'), writeModel(t.dir, text, 'water-opcua.yaml'), { sweepIntervalMs: 50 });
    // The server's command method verifies with the gateway's public key, as a real edge gateway is given it.
    const key = loadPublicKey(core.services.governance.keysDir);
    if (!key) throw new Error('no gateway key');
    server = await startPlantServer({ model: modelOf(text).model, port, pkiDir: path.join(t.dir, 'server-pki'), gatewayPublicKey: key.publicKey, tickMs: 250 });
  }, 120_000);
  afterAll(async () => {
    await core?.stop();
    await server?.stop();
    t.cleanup();
  });

  it('shows the untrusted server certificate; an operator trusts it and values flow', async () => {
    const waiting = await waitFor(async () => {
      const r = await core.api.call('connectors.status', {}, OPERATOR);
      return r.ok ? r.result.find((c) => c.id === 'wtp-opc' && c.untrusted) : undefined;
    }, 'the connector waiting on the certificate');
    expect(waiting).toMatchObject({ state: 'down', type: 'opc-ua' });
    const thumbprint = waiting.untrusted?.thumbprint ?? '';
    // The operator hears of it as a communication alarm naming the certificate.
    await waitFor(() => core.services.alarms.find('connector:wtp-opc:communication')?.active, 'the communication alarm');
    expect(core.services.alarms.find('connector:wtp-opc:communication')?.message).toContain(`untrusted server certificate ${thumbprint}`);
    // A viewer may look but not trust.
    const viewer = await core.api.call('connectors.trust', { connector: 'wtp-opc', thumbprint }, operatorCaller('vera', ['viewer']));
    expect(viewer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const wrong = await core.api.call('connectors.trust', { connector: 'wtp-opc', thumbprint: 'ab'.repeat(20) }, OPERATOR);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await core.api.call('connectors.trust', { connector: 'wtp-opc', thumbprint }, OPERATOR)).toEqual({ ok: true, result: { trusted: true } });
    await waitFor(() => core.services.ingest.connectors().find((c) => c.id === 'wtp-opc')?.state === 'connected', 'connected');
    await waitFor(() => core.services.alarms.find('connector:wtp-opc:communication')?.active === false, 'the communication alarm cleared');
    await waitFor(() => core.services.live.recent(PUMP, 100).filter((r) => r.values.flow !== undefined).length >= 2, 'pump flow in the live cache');
    await waitFor(() => core.services.live.recent(PUMP, 100).some((r) => r.values.bearing_temp !== undefined), 'a 60 s tag in the live cache');
  }, 60_000);

  it('a governed set_speed arrives as a method call the server verifies; a forged token is refused by the server', async () => {
    core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    const args = { device_id: PUMP, command: 'set_speed', parameters: { speed_pct: 60 }, justification: 'reservoir near its high limit' };
    const ok = await approvedCommand(core, 'ops', args);
    expect(ok).toMatchObject({ ok: true, command: 'set_speed' });
    expect(server.acks.at(-1)).toMatchObject({ device_id: PUMP, status: 'accepted', command: 'set_speed', jti: ok.ok ? ok.jti : 'x' });

    const route = core.services.ingest.commandRoute(PUMP);
    expect(route?.type).toBe('opc-ua');
    const stop = { device_id: PUMP, command: 'stop', justification: 'forged' };
    const forged = await forgedIntentToken(stop);
    const reply = await route?.command?.(PUMP, { args: stop, intent_token: forged }, 'forged-1');
    expect(reply).toMatchObject({ status: 'refused', code: 'bad_signature' });
    const unsigned = await route?.command?.(PUMP, { args: stop, intent_token: '' }, 'none');
    expect(unsigned).toMatchObject({ status: 'refused', code: 'bad_token' });
    expect(server.acks.map((a) => a.status)).toEqual(['accepted', 'refused', 'refused']);
  }, 60_000);
});
