// The second plant end to end in a real core: resources/plants/water-treatment.yaml with no dataset
// configured. The core generates a day for the model on first start and replays it through the
// embedded broker in the model's own format (one message per tag on wtp/<area>/<asset>/<tag>); the
// values of both sampling periods reach the live cache; a governed command with a model-defined
// parameter is approved by an operator, verified by the device and applied; a forged or unsigned one
// is refused by the device.
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../config';
import { perTestCores, waitFor } from '../../../tests/helpers';
import { approvedCommand, auditFor } from '../../../tests/security/device-commands';

const WATER = path.join(__dirname, '../../../resources/plants/water-treatment.yaml');
const t = perTestCores();

describe('the water-treatment plant in a core', () => {
  it('generates its day, publishes both sampling periods in its own format, and its devices obey only governed commands', { timeout: 180_000 }, async () => {
    const dir = t.dir('aegis-water-');
    const core = t.core(
      testConfig(dir, {
        plant: { model: WATER, watch: false },
        simulator: { speed: 5 },
        http: { enabled: false },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false, sweepIntervalMs: 50 },
      }),
    );
    // Listen on the core's broker from the first packet: the day's first instant carries every tag.
    const seen = new Map<string, Array<{ v: number; t: number }>>();
    await core.start();
    const plant = core.services.plant;
    if (!plant) throw new Error('no simulator');
    plant.simulator.pause();
    const listener = await mqtt.connectAsync(core.services.broker.url);
    t.beforeStop(() => listener.endAsync());
    listener.on('message', (topic, payload) => {
      const list = seen.get(topic) ?? [];
      list.push(JSON.parse(payload.toString()) as { v: number; t: number });
      seen.set(topic, list);
    });
    await listener.subscribeAsync('wtp/#');
    plant.simulator.seek(0);
    plant.simulator.resume();

    // First start, no dataset configured: a day for this model, with its fault labels beside it.
    expect(plant.dataset).toMatchObject({ format: 'tags', file: path.join(dir, 'plant-riverside-wtp.csv') });
    expect(plant.dataset.devices).toHaveLength(14);
    expect(fs.existsSync(path.join(dir, 'plant-riverside-wtp.labels.csv'))).toBe(true);

    // Both sampling periods, in the model's format.
    await waitFor(() => (seen.get('wtp/intake/rw-pump-1/flow')?.length ?? 0) >= 3, '1 s flow values');
    await waitFor(() => seen.get('wtp/intake/rw-pump-1/bearing_temp')?.length, 'a 60 s bearing temperature');
    const flow = seen.get('wtp/intake/rw-pump-1/flow') ?? [];
    expect((flow[1]?.t ?? 0) - (flow[0]?.t ?? 0)).toBe(1000);
    expect(flow[0]?.v).toBeGreaterThan(500);

    // And into the live cache, through the model's connector.
    const pump = 'intake/rw-pump-1';
    await waitFor(() => core.services.live.recent(pump, 1000).some((r) => r.values.bearing_temp !== undefined), 'a 60 s tag in the live cache');
    await waitFor(() => core.services.live.recent(pump, 1000).filter((r) => r.values.flow !== undefined).length >= 3, '1 s tags in the live cache');

    // A governed command with a model-defined parameter: an operator approves, the device verifies and applies it.
    core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    const justification = 'reservoir near its high limit; slow the raw water pump';
    const ok = await approvedCommand(core, 'ops', { device_id: pump, command: 'set_speed', parameters: { speed_pct: 50 }, justification });
    expect(ok).toMatchObject({ ok: true, command: 'set_speed' });
    expect(plant.simulator.device(pump)?.status()).toMatchObject({ state: 'running', load_pct: 50, last_command: { command: 'set_speed' } });
    expect((await auditFor(core, 'EXECUTED', pump)).map((r) => (r.detail as { command: string }).command)).toEqual(['set_speed']);
    // What the pump publishes follows: flow settles near half its normal value.
    const before = seen.get('wtp/intake/rw-pump-1/flow')?.length ?? 0;
    await waitFor(() => {
      const f = seen.get('wtp/intake/rw-pump-1/flow') ?? [];
      return f.length > before + 20 && (f.at(-1)?.v ?? Infinity) < 450;
    }, 'the flow to fall with the speed');

    // A parameter outside the type's schema is refused before anything is published, with the schema's reason.
    const bad = await approvedCommand(core, 'ops', { device_id: pump, command: 'set_speed', parameters: { speed_pct: 10 }, justification });
    expect(bad).toMatchObject({ ok: false, code: 'invalid_params' });
    expect(bad.ok ? '' : bad.message).toMatch(/set_speed needs speed_pct an integer between 20 and 100/);

    // Forged and unsigned commands straight onto the command topic: the device refuses and stays as it is.
    const attacker = await mqtt.connectAsync(core.services.broker.url);
    t.beforeStop(() => attacker.endAsync());
    const acks: Array<Record<string, unknown>> = [];
    attacker.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as Record<string, unknown>));
    await attacker.subscribeAsync(`aegisflow/acks/${pump}`, { qos: 1 });
    const stop = { device_id: pump, command: 'stop', justification: 'forged' };
    await attacker.publishAsync(`aegisflow/commands/${pump}`, JSON.stringify({ args: stop }), { qos: 1 });
    await attacker.publishAsync(`aegisflow/commands/${pump}`, JSON.stringify({ args: stop, intent_token: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln' }), { qos: 1 });
    await waitFor(() => acks.length >= 2, 'two acknowledgements');
    expect(acks.map((a) => a.status)).toEqual(['refused', 'refused']);
    expect(plant.simulator.commandCounters()).toMatchObject({ accepted: 1, refused: 2 });
    expect(plant.simulator.device(pump)?.status()).toMatchObject({ state: 'running', load_pct: 50 });
  });
});
