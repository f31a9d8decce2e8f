// The second plant end to end in a real core: resources/plants/water-treatment.yaml with no dataset
// configured. The core generates a day for the model on first start and replays it through the
// embedded broker in the model's own format (one message per tag on wtp/<area>/<asset>/<tag>); the
// values of both sampling periods reach the live cache; a governed command with a model-defined
// parameter is approved by an operator, verified by the device and applied; a forged or unsigned one
// is refused by the device.
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '..';
import { tempDir, waitFor } from '../../../tests/helpers';
import { approvedCommand, auditFor, forgedIntentToken } from '../../../tests/security/device-commands';
import type { Plant } from '.';

const WATER = path.join(__dirname, '../../../resources/plants/water-treatment.yaml');
const PUMP = 'intake/rw-pump-1';

describe('the water-treatment plant in a core', () => {
  let dir = '';
  let core: Core;
  let plant: Plant;
  const seen = new Map<string, Array<{ v: number; t: number }>>();
  const clients: MqttClient[] = [];
  const values = (tag: string) => seen.get(`wtp/intake/rw-pump-1/${tag}`) ?? [];

  beforeAll(async () => {
    const t = tempDir('aegis-water-');
    dir = t.dir;
    core = createCore(
      testConfig(dir, {
        plant: { model: WATER, watch: false },
        simulator: { speed: 5 },
        http: { enabled: false },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false, sweepIntervalMs: 50 },
      }),
    );
    cleanup = async () => {
      for (const c of clients) await c.endAsync();
      await core.stop();
      t.cleanup();
    };
    await core.start();
    const p = core.services.plant;
    if (!p) throw new Error('no simulator');
    plant = p;
    // Listen from the day's first instant, which carries every tag.
    plant.simulator.pause();
    const listener = await mqtt.connectAsync(core.services.broker.url);
    clients.push(listener);
    listener.on('message', (topic, payload) => {
      const list = seen.get(topic) ?? [];
      list.push(JSON.parse(payload.toString()) as { v: number; t: number });
      seen.set(topic, list);
    });
    await listener.subscribeAsync('wtp/#');
    plant.simulator.seek(0);
    plant.simulator.resume();
  }, 180_000);
  let cleanup: () => Promise<void> = async () => {};
  afterAll(() => cleanup());

  it('generates a day for the model on first start and publishes both sampling periods in its own format', async () => {
    expect(plant.dataset).toMatchObject({ format: 'tags', file: path.join(dir, 'plant-riverside-wtp.csv') });
    expect(plant.dataset.devices).toHaveLength(14);
    expect(fs.existsSync(path.join(dir, 'plant-riverside-wtp.labels.csv'))).toBe(true);
    await waitFor(() => values('flow').length >= 3, '1 s flow values');
    await waitFor(() => values('bearing_temp').length, 'a 60 s bearing temperature');
    const flow = values('flow');
    expect((flow[1]?.t ?? 0) - (flow[0]?.t ?? 0)).toBe(1000);
    expect(flow[0]?.v).toBeGreaterThan(500);
  });

  it('values of both sampling periods reach the live cache through the model connector', async () => {
    const recent = () => core.services.live.recent(PUMP, 1000);
    await waitFor(() => recent().some((r) => r.values.bearing_temp !== undefined), 'a 60 s tag in the live cache');
    await waitFor(() => recent().filter((r) => r.values.flow !== undefined).length >= 3, '1 s tags in the live cache');
  });

  it('a governed set_speed is approved, verified by the device and applied; a bad parameter is refused with the schema reason', async () => {
    core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    const justification = 'reservoir near its high limit; slow the raw water pump';
    const ok = await approvedCommand(core, 'ops', { device_id: PUMP, command: 'set_speed', parameters: { speed_pct: 50 }, justification });
    expect(ok).toMatchObject({ ok: true, command: 'set_speed' });
    expect(plant.simulator.device(PUMP)?.status()).toMatchObject({ state: 'running', load_pct: 50, last_command: { command: 'set_speed' } });
    expect((await auditFor(core, 'EXECUTED', PUMP)).map((r) => (r.detail as { command: string }).command)).toEqual(['set_speed']);
    // What the pump publishes follows: flow settles near half its normal value.
    const before = values('flow').length;
    await waitFor(() => values('flow').length > before + 20 && (values('flow').at(-1)?.v ?? Infinity) < 450, 'the flow to fall with the speed');

    const bad = await approvedCommand(core, 'ops', { device_id: PUMP, command: 'set_speed', parameters: { speed_pct: 10 }, justification });
    expect(bad).toMatchObject({ ok: false, code: 'invalid_params' });
    expect(bad.ok ? '' : bad.message).toMatch(/set_speed needs speed_pct an integer between 20 and 100/);
  });

  it('a forged or unsigned command on the command topic is refused by the device, which stays as it is', async () => {
    const before = plant.simulator.commandCounters();
    // An ordinary client may read the plant but not command it: the broker drops its publish.
    const rogue = await mqtt.connectAsync(core.services.broker.url);
    clients.push(rogue);
    await rogue.publishAsync(`aegisflow/commands/${PUMP}`, JSON.stringify({ args: { device_id: PUMP, command: 'stop' } }), { qos: 0 });
    // Even a connection the broker lets publish commands (the executor's) gets nowhere without the gateway's signature.
    const executor = await core.services.broker.connect('aegisflow-executor-');
    clients.push(executor);
    const acks: Array<Record<string, unknown>> = [];
    executor.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as Record<string, unknown>));
    await executor.subscribeAsync(`aegisflow/acks/${PUMP}`, { qos: 1 });
    const state = plant.simulator.device(PUMP)?.status();
    const stop = { device_id: PUMP, command: 'stop', justification: 'forged' };
    await executor.publishAsync(`aegisflow/commands/${PUMP}`, JSON.stringify({ args: stop }), { qos: 1 });
    // Forged: a well-formed token for exactly these arguments, signed with a key that is not the gateway's.
    const forged = await forgedIntentToken(stop);
    await executor.publishAsync(`aegisflow/commands/${PUMP}`, JSON.stringify({ args: stop, intent_token: forged }), { qos: 1 });
    await waitFor(() => acks.length >= 2, 'two acknowledgements');
    expect(acks.map((a) => [a.status, a.code])).toEqual([
      ['refused', 'bad_token'],
      ['refused', 'bad_signature'],
    ]);
    expect(plant.simulator.commandCounters()).toMatchObject({ accepted: before.accepted, refused: before.refused + 2 });
    expect(plant.simulator.device(PUMP)?.status()).toEqual(state);
  });

  it('a reload of the model reaches the devices: a narrower parameter range is refused by gateway and device; state is kept', async () => {
    const text = fs.readFileSync(WATER, 'utf8').replace('speed_pct: { type: integer, min: 20, max: 100', 'speed_pct: { type: integer, min: 40, max: 100');
    expect(core.services.model.loadText(text)).toMatchObject({ ok: true });
    expect(plant.simulator.device(PUMP)?.status()).toMatchObject({ state: 'running', load_pct: 50 });
    const justification = 'slow it further';
    const r = await approvedCommand(core, 'ops', { device_id: PUMP, command: 'set_speed', parameters: { speed_pct: 30 }, justification });
    expect(r.ok ? '' : r.message).toMatch(/set_speed needs speed_pct an integer between 40 and 100/);
    const device = plant.simulator.device(PUMP);
    expect(device?.command({ command: 'set_speed', params: { speed_pct: 30 } }, 'now')).toMatch(/between 40 and 100/);
  });
});
