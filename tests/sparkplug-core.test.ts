// The Sparkplug B connector in a real core (issue 16): a plant model with a Sparkplug edge node and an
// MQTT JSON source side by side. Births and data reach the live cache and the store with their
// quality; a governed set_speed, approved by an operator through the real gateway, goes out as DCMD,
// the edge node verifies the token with electron/edge/verifier.ts and accepts; a device refusal comes
// back with its reason; a forged DCMD is refused by the edge node.
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core } from '../electron/core';
import { startTestEdgeNode, type TestEdgeNode } from '../electron/core/connectors/sparkplug-edge';
import { COMMAND_METRIC, encodePayload } from '../electron/core/connectors/sparkplug-map';
import { loadPublicKey } from '../electron/core/governance/keys';
import { approvedCommand, auditFor, forgedIntentToken } from './security/device-commands';
import { OPERATOR, tempDir, waitFor } from './helpers';
import { writeModel, startPlantCore } from './plant-rig';

const MODEL = `plant_model: 1
site: { id: s1 }
connectors:
  - { id: sp1, type: sparkplug-b, group: works, node: 'edge-{line}', ack_timeout_ms: 2000 }
  - { id: mq, type: mqtt-json, topic: 'mq/{device}', value: '$.{tag}' }
default_connector: sp1
asset_types:
  pump:
    tags:
      flow: { unit: 'm³/h', range: [0, 100], sampling_s: 1 }
      speed: { unit: '%', range: [0, 100], sampling_s: 1, source: { connector: sp1, metric: 'Drive/Speed' } }
    commands:
      set_speed:
        description: Set the drive speed.
        params:
          speed_pct: { type: integer, min: 20, max: 100 }
  tank:
    tags:
      level: { unit: m, range: [0, 10], sampling_s: 1, source: { connector: mq } }
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: p1, type: pump }
          - { id: t1, type: tank }
`;

describe('a Sparkplug B edge node in a core', () => {
  const tmp = tempDir('aegis-sp-core-');
  let core: Core;
  let edge: TestEdgeNode;
  const refuseBelow = { pct: 0 };

  beforeAll(async () => {
    core = await startPlantCore(tmp.dir, writeModel(tmp.dir, MODEL), { sweepIntervalMs: 50 });
    const key = loadPublicKey(path.join(tmp.dir, 'keys'));
    if (!key) throw new Error('no gateway key');
    edge = await startTestEdgeNode({
      url: core.services.broker.url,
      group: 'works',
      node: 'edge-l1',
      devices: [{ id: 'p1', assetId: 'l1/p1', metrics: ['flow', 'Drive/Speed'] }],
      publicKey: key.publicKey,
      act: (_asset, cmd) => (Number(cmd.params.speed_pct) < refuseBelow.pct ? `the drive cannot run below ${refuseBelow.pct} %` : undefined),
    });
    await waitFor(async () => {
      const r = await core.api.call('connectors.status', {}, OPERATOR);
      return r.ok && r.result.every((c) => c.state === 'connected');
    }, 'both connectors connected');
  }, 60_000);
  afterAll(async () => {
    await edge?.close().catch(() => {});
    await core?.stop();
    tmp.cleanup();
  });

  it('births and data reach the live cache beside the MQTT JSON source; a null metric is bad quality', async () => {
    await edge.birth({ p1: { flow: 42, 'Drive/Speed': 80 } });
    const mq = await mqtt.connectAsync(core.services.broker.url);
    await mq.publishAsync('mq/l1/t1', JSON.stringify({ level: 4.5 }));
    await mq.endAsync();
    const live = core.services.live;
    await waitFor(() => live.recent('l1/p1', 10).some((r) => r.values.speed === 80 && r.values.flow === 42), 'the birth values in the live cache');
    await waitFor(() => live.recent('l1/t1', 10).some((r) => r.values.level === 4.5), 'the MQTT JSON value');
    const ts = Date.now();
    await edge.data('p1', { flow: 43, 'Drive/Speed': null }, { ts });
    await waitFor(() => live.recent('l1/p1', 10).some((r) => r.ts === ts), 'the data values');
    const r = live.recent('l1/p1', 10).find((x) => x.ts === ts);
    expect(r?.values).toEqual({ flow: 43 });
    expect(r?.quality).toEqual({ speed: { level: 'bad', reason: 'source', detail: 'is_null' } });
    const status = await core.api.call('connectors.status', {}, OPERATOR);
    if (!status.ok) throw new Error(status.error.message);
    expect(status.result.find((c) => c.id === 'sp1')).toMatchObject({ type: 'sparkplug-b', state: 'connected', values: 4, errors: 0 });
  });

  it('a governed set_speed goes out as DCMD, is verified by the edge node and accepted; a device refusal carries its reason', async () => {
    core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    const justification = 'flow high; slow the pump';
    const ok = await approvedCommand(core, 'ops', { device_id: 'l1/p1', command: 'set_speed', parameters: { speed_pct: 50 }, justification });
    expect(ok).toMatchObject({ ok: true, command: 'set_speed' });
    expect(edge.executed).toEqual([{ assetId: 'l1/p1', command: 'set_speed', params: { speed_pct: 50 } }]);
    expect((await auditFor(core, 'EXECUTED', 'l1/p1')).map((a) => (a.detail as { command: string }).command)).toEqual(['set_speed']);

    refuseBelow.pct = 40;
    const no = await approvedCommand(core, 'ops', { device_id: 'l1/p1', command: 'set_speed', parameters: { speed_pct: 30 }, justification });
    expect(no.ok).toBe(false);
    expect(JSON.stringify(no)).toMatch(/cannot run below 40/);
    expect(edge.refused).toEqual([{ assetId: 'l1/p1', code: 'device_rejected' }]);
  });

  it('a DCMD with a forged token, from any client, is refused by the edge node', async () => {
    const rogue = await mqtt.connectAsync(core.services.broker.url);
    const args = { device_id: 'l1/p1', command: 'set_speed', parameters: { speed_pct: 100 }, justification: 'forged' };
    const forged = await forgedIntentToken(args);
    const body = encodePayload({
      timestamp: Date.now(),
      metrics: [{ name: COMMAND_METRIC, type: 'String', value: JSON.stringify({ args, intent_token: forged }) }],
    });
    await rogue.publishAsync('spBv1.0/works/DCMD/edge-l1/p1', body);
    await rogue.endAsync();
    await waitFor(() => edge.refused.length === 2, 'the edge node’s refusal');
    expect(edge.refused[1]).toEqual({ assetId: 'l1/p1', code: 'bad_signature' });
    expect(edge.executed).toHaveLength(1);
  });

  it('the edge node’s death (its will, NDEATH) marks its tags bad in the live cache, last values kept', async () => {
    edge.kill();
    await waitFor(() => core.services.live.current('l1/p1')?.quality.flow?.reason === 'connector_down', 'the pump’s tags marked bad');
    const cur = core.services.live.current('l1/p1');
    expect(cur?.values.flow).toBe(43);
    expect(cur?.quality.flow).toEqual({ level: 'bad', reason: 'connector_down', detail: 'Sparkplug edge node edge-l1 is offline (NDEATH)' });
    expect(core.services.live.current('l1/t1')?.quality.level).toBeUndefined();
  });
});
