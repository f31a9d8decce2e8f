// Finding 4: executor takeover on the embedded broker. Client ids were visible on $SYS, and a client
// connecting with the executor's id kicked it off; a persistent one made 0 of 10 approved commands
// reach the plant, each approval used up. Now internal clients are known by their authenticated
// connection, reserved ids (aegisflow-…) are refused at CONNECT for everyone else, $SYS and the
// command and acknowledgement topics are hidden from other clients, and only internal clients publish there.
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import { OPERATOR, tempDir, waitFor } from '../helpers';
import { approvedCommand, reduceLoad } from './device-commands';

let core: Core | null = null;
let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
  await core?.stop();
  core = null;
});

async function startCore(): Promise<Core> {
  const t = tempDir('aegis-sec04-');
  cleanups.push(t.cleanup);
  core = createCore(
    testConfig(t.dir, { http: { enabled: false }, immune: { fleet: { enabled: false } }, governance: { watchPolicy: false, sweepIntervalMs: 50 } }),
  );
  await core.start();
  core.services.governance.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
  return core;
}

/** Try to connect once; resolves with the CONNACK refusal, or the connected client. */
async function tryConnect(url: string, opts: mqtt.IClientOptions): Promise<{ client: MqttClient | null; error: string | null }> {
  try {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 2000, ...opts });
    cleanups.push(() => client.endAsync(true));
    return { client, error: null };
  } catch (err) {
    return { client: null, error: (err as Error).message };
  }
}

describe('finding 4: nobody can take over the executor on the embedded broker', () => {
  it("refuses the executor's client id and every reserved aegisflow- id at CONNECT, and hides $SYS, commands and acks", async () => {
    const c = await startCore();
    const url = c.services.broker.url;
    const executorId = c.services.broker.connectedClients!().find((x) => x.id.startsWith('aegisflow-executor-'))!.id;

    for (const clientId of [executorId, 'aegisflow-simulator-0000', 'aegisflow-anything']) {
      const r = await tryConnect(url, { clientId });
      expect([clientId, r.client === null, r.error]).toEqual([
        clientId,
        true,
        expect.stringMatching(/Identifier rejected|identifier|reserved|Not authorized/i),
      ]);
    }
    // The internal user name with a guessed password is refused too.
    expect((await tryConnect(url, { username: 'aegisflow-core', password: 'guess' })).client).toBeNull();

    const spy = (await tryConnect(url, { clientId: 'curious-dashboard' })).client!;
    expect(spy).not.toBeNull();
    // Each refused with SUBACK 0x80 (mqtt.js rejects the promise); the client stays connected.
    for (const filter of ['$SYS/#', '$SYS/aegisflow/new/clients', 'aegisflow/commands/#', 'aegisflow/acks/#', 'aegisflow/commands/line-1/pump-03'])
      await expect(spy.subscribeAsync(filter), filter).rejects.toThrow(/Subscribe error/);
    expect(spy.connected).toBe(true);
    // A catch-all subscription is allowed (sensors are public on the plant network) but never carries commands or acks.
    const seen: string[] = [];
    spy.on('message', (topic) => seen.push(topic));
    expect((await spy.subscribeAsync('#'))[0].qos).not.toBe(128);
    // Nor may anyone else publish an acknowledgement: the broker drops the connection that tries.
    const forger = (await tryConnect(url, { clientId: 'forger' })).client!;
    const dropped = new Promise<void>((r) => forger.once('close', () => r()));
    forger.publish('aegisflow/acks/line-1/pump-03', JSON.stringify({ device_id: 'line-1/pump-03', jti: 'x', status: 'accepted' }), { qos: 0 });
    await dropped;

    const r = await approvedCommand(c, 'diag', reduceLoad('line-1/pump-03', 10));
    expect(r.ok).toBe(true);
    await waitFor(() => seen.some((t) => t.startsWith('aegisflow/sensors/')), 'sensor readings on the catch-all subscription');
    expect(seen.filter((t) => !t.startsWith('aegisflow/sensors/'))).toEqual([]);
  });

  it('with a persistent impostor retrying the executor id, 10 of 10 approved commands reach the plant', async () => {
    const c = await startCore();
    const url = c.services.broker.url;
    const executorId = c.services.broker.connectedClients!().find((x) => x.id.startsWith('aegisflow-executor-'))!.id;
    // Reconnects every 20 ms with a persistent session under the executor's id, as long as the test runs.
    const impostor = mqtt.connect(url, { clientId: executorId, clean: false, reconnectPeriod: 20, connectTimeout: 1000, reconnectOnConnackError: true });
    let refusals = 0;
    let connects = 0;
    impostor.on('error', () => refusals++);
    impostor.on('connect', () => connects++);
    cleanups.push(() => impostor.endAsync(true));
    await waitFor(() => refusals >= 3, 'the impostor to be refused a few times');

    const device = 'line-2/motor-02';
    const results = [];
    for (let i = 0; i < 10; i++) {
      const args = i % 2 === 0 ? reduceLoad(device, 10) : { device_id: device, command: 'restore_load', justification: `restore after step ${i}: SOP 2.3` };
      results.push(await approvedCommand(c, 'diag', args));
    }
    expect(results.map((r) => r.ok)).toEqual(Array(10).fill(true));
    expect(connects).toBe(0);
    const executed = await c.api.call('audit.query', { kind: 'EXECUTED', limit: 100 }, OPERATOR);
    expect(executed.ok && executed.result.filter((row) => (row.detail as { device_id: string }).device_id === device)).toHaveLength(10);
    expect(c.services.plant!.simulator.device(device)!.status()).toMatchObject({ state: 'running', load_pct: 100, last_command: { command: 'restore_load' } });
  });
});
