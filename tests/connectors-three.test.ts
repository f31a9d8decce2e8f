// Issue 16: the three connectors at once feeding one plant model in a real core — a Sparkplug B edge node
// (over the embedded broker), a real node-opcua server, and an MQTT JSON publisher. Each asset's values
// arrive through its own connector, all three show as connected, and the store holds every tag; a governed
// command reaches the OPC UA device as a method call the server verifies, the Sparkplug device as a DCMD
// the edge node verifies.
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core } from '../electron/core';
import { startTestEdgeNode, type TestEdgeNode } from '../electron/core/connectors/sparkplug-edge';
import { loadPublicKey } from '../electron/core/governance/keys';
import { freePort, OPERATOR, tempDir, waitFor } from './helpers';
import { modelOf, startPlantServer, type PlantServer } from './opcua-server';
import { approvedCommand } from './security/device-commands';
import { writeModel, startPlantCore } from './plant-rig';

const model = (port: number) => `plant_model: 1
site: { id: s1 }
connectors:
  - { id: sp1, type: sparkplug-b, group: works, node: 'edge-{line}', ack_timeout_ms: 5000 }
  - { id: mq, type: mqtt-json, topic: 'mq/{device}', value: '$.{tag}' }
  - { id: opc, type: opc-ua, endpoint: 'opc.tcp://127.0.0.1:${port}', security_mode: None, publishing_interval_ms: 100 }
default_connector: sp1
asset_types:
  pump:
    tags:
      flow: { unit: 'm³/h', range: [0, 100], normal: [10, 90], sampling_s: 1 }
    commands:
      set_speed: { params: { speed_pct: { type: integer, min: 20, max: 100 } } }
  tank:
    tags:
      level: { unit: m, range: [0, 10], normal: [1, 9], sampling_s: 1, source: { connector: mq } }
  valve:
    tags:
      position: { unit: '%', range: [0, 100], normal: [10, 90], sampling_s: 1, source: { connector: opc } }
    commands:
      set_speed: { params: { speed_pct: { type: integer, min: 20, max: 100 } } }
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: p1, type: pump }
          - { id: t1, type: tank }
          - { id: v1, type: valve }
`;

describe('Sparkplug B, OPC UA and MQTT JSON feeding one plant model', () => {
  const t = tempDir('aegis-three-');
  let core: Core;
  let edge: TestEdgeNode;
  let server: PlantServer;

  beforeAll(async () => {
    const port = await freePort();
    const text = model(port);
    core = await startPlantCore(path.join(t.dir, 'data'), writeModel(t.dir, text), { sweepIntervalMs: 50 });
    const key = loadPublicKey(core.services.governance.keysDir);
    if (!key) throw new Error('no gateway key');
    server = await startPlantServer({ model: modelOf(text).model, port, pkiDir: path.join(t.dir, 'server-pki'), gatewayPublicKey: key.publicKey, tickMs: 200 });
    edge = await startTestEdgeNode({
      url: core.services.broker.url,
      group: 'works',
      node: 'edge-l1',
      devices: [{ id: 'p1', assetId: 'l1/p1', metrics: ['flow'] }],
      publicKey: key.publicKey,
    });
    await waitFor(() => core.services.ingest.connectors().every((c) => c.state === 'connected'), 'all three connectors connected', 60_000);
  }, 120_000);
  afterAll(async () => {
    await edge?.close().catch(() => {});
    await core?.stop();
    await server?.stop();
    t.cleanup();
  });

  it('each asset is read through its own connector; all three connected; the store holds every tag', async () => {
    await edge.birth({ p1: { flow: 42 } });
    const mq = await mqtt.connectAsync(core.services.broker.url);
    await mq.publishAsync('mq/l1/t1', JSON.stringify({ level: 4.5 }));
    await mq.endAsync();
    const live = core.services.live;
    await waitFor(() => live.recent('l1/p1', 20).some((r) => r.values.flow === 42), 'the Sparkplug value');
    await waitFor(() => live.recent('l1/t1', 20).some((r) => r.values.level === 4.5), 'the MQTT JSON value');
    await waitFor(() => live.recent('l1/v1', 20).filter((r) => typeof r.values.position === 'number').length >= 2, 'OPC UA values');
    const status = await core.api.call('connectors.status', {}, OPERATOR);
    if (!status.ok) throw new Error(status.error.message);
    expect(status.result.map((c) => [c.id, c.type, c.state]).sort()).toEqual([
      ['mq', 'mqtt-json', 'connected'],
      ['opc', 'opc-ua', 'connected'],
      ['sp1', 'sparkplug-b', 'connected'],
    ]);
    core.services.ingest.flush();
    const r = await core.api.call('plant.tagRange', { tags: ['l1/p1/flow', 'l1/t1/level', 'l1/v1/position'], from: 0, to: Date.now() + 60_000 }, OPERATOR);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.result.map((x) => [x.tag, x.ts.length > 0 && x.value.some((v) => typeof v === 'number')])).toEqual([
      ['l1/p1/flow', true],
      ['l1/t1/level', true],
      ['l1/v1/position', true],
    ]);
  });

  it('governed commands take each device its own way: DCMD to the edge node, a method call to the OPC UA server', async () => {
    core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    const justification = 'balance the line';
    expect(await approvedCommand(core, 'ops', { device_id: 'l1/p1', command: 'set_speed', parameters: { speed_pct: 60 }, justification })).toMatchObject({
      ok: true,
    });
    expect(edge.executed).toEqual([{ assetId: 'l1/p1', command: 'set_speed', params: { speed_pct: 60 } }]);
    expect(await approvedCommand(core, 'ops', { device_id: 'l1/v1', command: 'set_speed', parameters: { speed_pct: 40 }, justification })).toMatchObject({
      ok: true,
    });
    expect(server.acks.map((a) => [a.device_id, a.status])).toEqual([['l1/v1', 'accepted']]);
  });
});
