// The Sparkplug B connector against a real edge node (sparkplug-payload over MQTT), on the core's
// embedded aedes and on a real mosquitto: births bind metrics (by name and alias) to the model's tags,
// data arrives with its timestamps and quality, deaths mark tags bad, a sequence gap or data before a
// birth asks for a rebirth, the host's STATE is published, garbage is counted while good data flows,
// and a command reaches the edge as DCMD where the edge verifies its token.
import { generateKeyPairSync } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfigSchema, createBroker, type PlantBroker } from '../electron/core/broker';
import { manualClock } from '../electron/core/clock';
import { createConnectors, type ConnectorContext, type ConnectorStatus, type TagSample } from '../electron/core/connectors';
import { startTestEdgeNode, type TestEdgeNode } from '../electron/core/connectors/sparkplug-edge';
import { encodePayload } from '../electron/core/connectors/sparkplug-map';
import { indexModel, parseModel, type ModelIndex } from '../electron/core/model';
import { createLogger } from '../electron/core/observability';
import { mosquitto, type Mosquitto } from './faults/mosquitto';
import { freePort, tempDir, waitFor } from './helpers';
import { intentToken } from './security/device-commands';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const log = createLogger({ level: 'silent' });

/** Two pumps on line l1 (edge node l1, devices p1 and p2) and a cell whose temperature is a metric of the node itself. */
const plantYaml = (broker: string, group: string) => `plant_model: 1
site: { id: s1 }
connectors:
  - { id: sp1, type: sparkplug-b, group: ${group}, broker: ${broker}, ack_timeout_ms: 400 }
asset_types:
  pump:
    tags:
      flow: { range: [0, 100], sampling_s: 1 }
      speed: { range: [0, 100], sampling_s: 1, source: { connector: sp1, metric: 'Motor/Speed' } }
  cell:
    tags:
      temp: { range: [-20, 80], sampling_s: 1, source: { connector: sp1, device: '' } }
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: p1, type: pump }
          - { id: p2, type: pump }
          - { id: c1, type: cell }
`;

function model(text: string): ModelIndex {
  const r = parseModel(text, 'plant.yaml');
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`).join('\n'));
  return indexModel(r.model, r.connectors);
}

function rig(broker: PlantBroker, m: ModelIndex) {
  const clock = manualClock(NOW);
  const samples: TagSample[] = [];
  const rejects: Array<{ reason: string; topic: string; detail: string }> = [];
  const statuses: ConnectorStatus[] = [];
  const ctx: ConnectorContext = {
    broker,
    emit: (s) => samples.push(...s),
    reject: (reason, topic, detail) => rejects.push({ reason, topic, detail }),
    commit: () => true,
    onStatus: (s) => statuses.push(s),
    sessionId: (id) => `test-${id}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
    clock,
    plantNow: () => clock.now(),
    window: { pastMs: 7 * 86_400_000, futureMs: 300_000 },
    maxPayloadBytes: 16 * 1024,
    log,
  };
  const [connector] = createConnectors(m, ctx);
  if (!connector) throw new Error('no connector');
  return { clock, samples, rejects, statuses, connector };
}

const gateway = generateKeyPairSync('ed25519');
const intruder = generateKeyPairSync('ed25519');

const byTag = (samples: readonly TagSample[], tag: string) => samples.filter((s) => s.tag === tag);

function scenarios(name: string, setup: () => Promise<{ url: string; core: PlantBroker; brokerSetting: string; stop(): Promise<void> }>) {
  describe(`sparkplug-b over ${name}`, () => {
    let env: Awaited<ReturnType<typeof setup>>;
    let r: ReturnType<typeof rig>;
    let edge: TestEdgeNode;
    let watcher: MqttClient;
    const states: Array<{ topic: string; body: string; retain: boolean }> = [];
    const group = `g${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      env = await setup();
      r = rig(env.core, model(plantYaml(env.brokerSetting, group)));
      await r.connector.start();
      await waitFor(() => r.connector.status().state === 'connected', 'the connector to connect');
      watcher = await mqtt.connectAsync(env.url, { clientId: `watch-${process.pid}-${Math.random().toString(36).slice(2, 6)}` });
      watcher.on('message', (topic, payload, packet) => states.push({ topic, body: payload.toString(), retain: packet.retain }));
      await watcher.subscribeAsync('spBv1.0/STATE/#', { qos: 1 });
      edge = await startTestEdgeNode({
        url: env.url,
        group,
        node: 'l1',
        nodeMetrics: ['temp'],
        nodeAssetId: 'l1/c1',
        devices: [
          { id: 'p1', assetId: 'l1/p1', metrics: ['flow', 'Motor/Speed'] },
          { id: 'p2', assetId: 'l1/p2', metrics: ['flow', 'Motor/Speed'] },
        ],
        publicKey: gateway.publicKey,
        now: () => r.clock.now(),
      });
    }, 30_000);
    afterAll(async () => {
      await edge?.close().catch(() => {});
      await watcher?.endAsync();
      await r?.connector.stop();
      await env?.stop();
    });

    it('the host publishes its STATE retained: online with its timestamp', async () => {
      await waitFor(() => states.find((s) => s.topic === 'spBv1.0/STATE/aegisflow'), 'the STATE message');
      expect(states.find((s) => s.topic === 'spBv1.0/STATE/aegisflow')).toEqual({
        topic: 'spBv1.0/STATE/aegisflow',
        body: JSON.stringify({ online: true, timestamp: NOW }),
        retain: true,
      });
    });

    it('births bind metrics by name (and a mapped name), data by alias, with metric timestamps, is_null and quality', async () => {
      await edge.birth({ '': { temp: 21.5 }, p1: { flow: 40, 'Motor/Speed': 75 }, p2: { flow: 35, 'Motor/Speed': 70 } });
      await waitFor(() => r.samples.length >= 5, 'the births’ five values');
      expect(r.samples.map((s) => [s.tag, s.value, s.ts])).toEqual([
        ['l1/c1/temp', 21.5, NOW],
        ['l1/p1/flow', 40, NOW],
        ['l1/p1/speed', 75, NOW],
        ['l1/p2/flow', 35, NOW],
        ['l1/p2/speed', 70, NOW],
      ]);
      r.samples.length = 0;
      await edge.data('p1', { flow: 41.5, 'Motor/Speed': null }, { ts: NOW + 1000 });
      await edge.data('p2', { flow: 36 }, { ts: NOW + 1000, quality: 0 });
      await edge.data('', { temp: 22 }, { ts: NOW + 2000 });
      await waitFor(() => r.samples.length >= 4, 'four data values');
      expect(r.samples).toEqual([
        { tag: 'l1/p1/flow', device_id: 'l1/p1', key: 'flow', ts: NOW + 1000, value: 41.5 },
        { tag: 'l1/p1/speed', device_id: 'l1/p1', key: 'speed', ts: NOW + 1000, value: null, quality: { level: 'bad', reason: 'source', detail: 'is_null' } },
        {
          tag: 'l1/p2/flow',
          device_id: 'l1/p2',
          key: 'flow',
          ts: NOW + 1000,
          value: 36,
          quality: { level: 'bad', reason: 'source', detail: 'Sparkplug quality 0' },
        },
        { tag: 'l1/c1/temp', device_id: 'l1/c1', key: 'temp', ts: NOW + 2000, value: 22 },
      ]);
      expect(edge.rebirthRequests).toBe(0);
      expect(r.connector.status()).toMatchObject({ state: 'connected', type: 'sparkplug-b', errors: 0 });
    });

    it('a sequence gap asks the node for a rebirth (NCMD Node Control/Rebirth); after it, data flows again', async () => {
      edge.skipSeq(3);
      await edge.data('p1', { flow: 50 });
      await waitFor(() => edge.rebirthRequests === 1, 'the rebirth request at the edge node');
      r.samples.length = 0;
      // The edge node births again (it rebirths on request) and its data is read as before.
      await waitFor(() => r.samples.some((s) => s.tag === 'l1/p2/speed'), 'the rebirth’s values');
      r.samples.length = 0;
      await edge.data('p2', { 'Motor/Speed': 64 }, { ts: NOW + 3000 });
      await waitFor(() => byTag(r.samples, 'l1/p2/speed').some((s) => s.value === 64), 'data after the rebirth');
      expect(edge.rebirthRequests).toBe(1);
    });

    it('garbage payloads are counted and the good data keeps flowing', async () => {
      const before = r.connector.status();
      await edge.raw('DDATA', 'p1', Buffer.from('this is not protobuf at all \xff\xfe'));
      await edge.raw('DDATA', 'p1', Buffer.from('{"json": true}'));
      await edge.data('p1', { flow: 44 }, { ts: NOW + 4000 });
      await waitFor(() => byTag(r.samples, 'l1/p1/flow').some((s) => s.value === 44), 'good data after the garbage');
      expect(r.rejects.filter((x) => x.reason === 'schema')).toHaveLength(2);
      expect(r.rejects[0]?.detail).toMatch(/not a Sparkplug B payload/);
      expect(r.connector.status()).toMatchObject({ errors: before.errors + 2, messages: before.messages + 3 });
    });

    it('a command goes out as DCMD; the edge verifies its token and accepts; a forged one is refused there', async () => {
      const args = { device_id: 'l1/p1', command: 'set_speed', parameters: { speed_pct: 50 }, justification: 'test' };
      const jti = `jti-${group}-1`;
      const command = r.connector.command;
      if (!command) throw new Error('the connector carries no commands');
      const reply = await command('l1/p1', { args, intent_token: await intentToken(args, gateway.privateKey, jti) }, jti);
      expect(reply).toEqual({ status: 'accepted' });
      expect(edge.executed).toEqual([{ assetId: 'l1/p1', command: 'set_speed', params: { speed_pct: 50 } }]);
      // Forged (signed with another key): the edge refuses it and, its jti unverified, the host waits in vain.
      const forged = await command('l1/p1', { args, intent_token: await intentToken(args, intruder.privateKey, `jti-${group}-2`) }, `jti-${group}-2`);
      expect(forged).toMatchObject({ status: 'no_ack' });
      expect(edge.refused).toEqual([{ assetId: 'l1/p1', code: 'bad_signature' }]);
      // The same good token again: a replay, refused by the edge with its jti.
      const replay = await command('l1/p1', { args, intent_token: await intentToken(args, gateway.privateKey, jti) }, jti);
      expect(replay).toMatchObject({ status: 'refused', code: 'replayed' });
      expect(edge.executed).toHaveLength(1);
      // An asset that is the edge node's own metrics: NCMD, answered in NDATA.
      const cell = { device_id: 'l1/c1', command: 'vent', justification: 'test' };
      const jti3 = `jti-${group}-3`;
      expect(await command('l1/c1', { args: cell, intent_token: await intentToken(cell, gateway.privateKey, jti3) }, jti3)).toEqual({ status: 'accepted' });
      expect(edge.executed.at(-1)).toEqual({ assetId: 'l1/c1', command: 'vent', params: {} });
    });

    it('DDEATH marks that device’s tags bad; NDEATH (the will) marks every tag of the node bad', async () => {
      r.samples.length = 0;
      await edge.deviceDeath('p2');
      await waitFor(() => r.samples.length >= 2, 'the device’s tags marked bad');
      expect(r.samples.map((s) => [s.tag, s.value, s.quality?.reason])).toEqual([
        ['l1/p2/flow', null, 'connector_down'],
        ['l1/p2/speed', null, 'connector_down'],
      ]);
      expect(r.samples[0]?.quality?.detail).toMatch(/device l1\/p2 is offline \(DDEATH\)/);
      r.samples.length = 0;
      edge.kill();
      await waitFor(() => r.samples.length >= 5, 'the node’s tags marked bad by its will');
      expect(r.samples.map((s) => s.tag).sort()).toEqual(['l1/c1/temp', 'l1/p1/flow', 'l1/p1/speed', 'l1/p2/flow', 'l1/p2/speed']);
      expect(r.samples.every((s) => s.value === null && s.quality?.reason === 'connector_down')).toBe(true);
      expect(r.samples[0]?.quality?.detail).toMatch(/edge node l1 is offline \(NDEATH\)/);
    });

    it('data from a node the host saw no birth of asks for a rebirth', async () => {
      const late = await startTestEdgeNode({
        url: env.url,
        group,
        node: 'l1',
        devices: [{ id: 'p1', assetId: 'l1/p1', metrics: ['flow'] }],
        autoRebirth: false,
      });
      try {
        await late.data('p1', { flow: 1 });
        await waitFor(() => late.rebirthRequests === 1, 'a rebirth request for data before birth');
      } finally {
        await late.close();
      }
    });

    it('stopping the host publishes STATE offline, retained', async () => {
      await r.connector.stop();
      await waitFor(() => states.some((s) => s.body.includes('"online":false')), 'the offline STATE');
      expect(states.at(-1)).toMatchObject({ topic: 'spBv1.0/STATE/aegisflow', body: JSON.stringify({ online: false, timestamp: NOW }) });
    });
  });
}

scenarios('the embedded aedes', async () => {
  const core = createBroker(BrokerConfigSchema.parse({ port: 0, wsPort: null }), log);
  await core.start();
  return { url: core.url, core, brokerSetting: 'embedded', stop: () => core.stop() };
});

scenarios('a real mosquitto', async () => {
  const tmp = tempDir('aegis-sp-mosq-');
  const m: Mosquitto = await mosquitto(tmp.dir);
  // The connector's own broker by URL; the core's broker is not involved.
  const core = createBroker(BrokerConfigSchema.parse({ url: m.url }), log);
  return {
    url: m.url,
    core,
    brokerSetting: `{ url: '${m.url}' }`,
    async stop() {
      await m.stop();
      tmp.cleanup();
    },
  };
});

describe('sparkplug-b and a mosquitto restart', () => {
  it('goes down with the broker and comes back: STATE online again, new births read', async () => {
    const tmp = tempDir('aegis-sp-restart-');
    const m = await mosquitto(tmp.dir);
    const core = createBroker(BrokerConfigSchema.parse({ url: m.url }), log);
    const r = rig(core, model(plantYaml(`{ url: '${m.url}' }`, 'rs')));
    const edges: TestEdgeNode[] = [];
    const startEdge = async () => {
      const e = await startTestEdgeNode({
        url: m.url,
        group: 'rs',
        node: 'l1',
        devices: [{ id: 'p1', assetId: 'l1/p1', metrics: ['flow'] }],
        now: () => r.clock.now(),
      });
      edges.push(e);
      return e;
    };
    try {
      await r.connector.start();
      await waitFor(() => r.connector.status().state === 'connected', 'connected');
      await (await startEdge()).birth({ p1: { flow: 10 } });
      await waitFor(() => r.samples.some((s) => s.value === 10), 'the first birth');
      await m.stop();
      await waitFor(() => r.connector.status().state === 'down', 'down with the broker');
      expect(r.statuses.map((s) => s.state)).toEqual(['connected', 'down']);
      await m.start();
      await waitFor(() => r.connector.status().state === 'connected', 'connected again', 20_000);
      const watcher = await mqtt.connectAsync(m.url);
      const seen: string[] = [];
      watcher.on('message', (_t, p) => seen.push(p.toString()));
      await watcher.subscribeAsync('spBv1.0/STATE/aegisflow', { qos: 1 });
      await waitFor(() => seen.some((x) => x.includes('"online":true')), 'the retained STATE online');
      await watcher.endAsync();
      await (await startEdge()).birth({ p1: { flow: 11 } });
      await waitFor(() => r.samples.some((s) => s.value === 11), 'the birth after the restart');
    } finally {
      for (const e of edges) await e.close().catch(() => {});
      await r.connector.stop();
      await m.stop();
      tmp.cleanup();
    }
  }, 60_000);
});

describe('sparkplug-b settings and host logic', () => {
  it('refuses a bad group, a {device} placeholder and unknown binding fields at their lines', () => {
    const problems = (text: string) => {
      const r = parseModel(text, 'plant.yaml');
      if (r.ok) throw new Error('accepted');
      return r.problems.map((p) => `${p.line} ${p.message}`).join('\n');
    };
    expect(problems(plantYaml('embedded', 'bad/group'))).toMatch(/4 connector sp1: .*group id "bad\/group" may not contain/);
    const text = problems(
      plantYaml('embedded', 'g').replace("source: { connector: sp1, metric: 'Motor/Speed' }", "source: { connector: sp1, node: '{device}', topic: x }"),
    );
    expect(text).toMatch(/9 tag .*\/speed: .*\{device\}/);
    expect(text).toMatch(/9 tag .*\/speed: .*topic/);
  });

  it('a broker that cannot be reached: the connector is down with the reason (the communication alarm’s input)', async () => {
    const port = await freePort();
    const broker = createBroker(BrokerConfigSchema.parse({ port: 0, wsPort: null }), log);
    const r = rig(broker, model(plantYaml(`{ url: 'mqtt://127.0.0.1:${port}' }`, 'g')));
    await r.connector.start();
    try {
      await waitFor(() => r.statuses.find((s) => s.state === 'down'), 'down');
      expect(r.connector.status()).toMatchObject({ id: 'sp1', type: 'sparkplug-b', state: 'down', endpoint: `mqtt://127.0.0.1:${port}` });
      expect(r.connector.status().lastError).toMatch(/ECONNREFUSED|no connection|closed/);
      await expect(r.connector.command?.('l1/p1', { args: {}, intent_token: 'x' }, 'j')).rejects.toThrow(/not connected/);
    } finally {
      await r.connector.stop();
    }
  });

  it('a stale NDEATH (another bdSeq) leaves the node alive; the matching one kills it', async () => {
    const broker = createBroker(BrokerConfigSchema.parse({ port: 0, wsPort: null }), log);
    const r = rig(broker, model(plantYaml('embedded', 'g')));
    const c = r.connector;
    const birth = encodePayload({
      seq: 0,
      metrics: [
        { name: 'bdSeq', type: 'UInt64', value: 7 },
        { name: 'temp', alias: 1, type: 'Double', value: 20 },
      ],
    });
    expect(c.inject?.('spBv1.0/g/NBIRTH/l1', birth)).toBe(true);
    expect(c.inject?.('spBv1.0/other/NBIRTH/l1', birth)).toBe(false);
    c.inject?.('spBv1.0/g/NDEATH/l1', encodePayload({ metrics: [{ name: 'bdSeq', type: 'UInt64', value: 6 }] }));
    c.inject?.('spBv1.0/g/NDATA/l1', encodePayload({ seq: 1, metrics: [{ alias: 1, type: 'Double', value: 23 }] }));
    expect(r.samples.map((s) => [s.tag, s.value])).toEqual([
      ['l1/c1/temp', 20],
      ['l1/c1/temp', 23],
    ]);
    c.inject?.('spBv1.0/g/NDEATH/l1', encodePayload({ metrics: [{ name: 'bdSeq', type: 'UInt64', value: 7 }] }));
    expect(r.samples.at(-1)).toMatchObject({ tag: 'l1/c1/temp', value: null, quality: { reason: 'connector_down' } });
    // A node of the group that feeds none of our tags is not tracked: no state, no rebirth request.
    const messages = c.status().messages;
    c.inject?.('spBv1.0/g/NDATA/stray-node', encodePayload({ seq: 9, metrics: [{ alias: 1, type: 'Double', value: 1 }] }));
    expect(c.status()).toMatchObject({ messages, lastError: null });
    // Seq 255 wraps to 0: no gap, no rebirth asked for; a real gap is noted.
    expect(c.status().lastError).toBeNull();
    c.inject?.(
      'spBv1.0/g/NBIRTH/l1',
      encodePayload({
        seq: 254,
        metrics: [
          { name: 'bdSeq', type: 'UInt64', value: 8 },
          { name: 'temp', alias: 1, type: 'Double', value: 1 },
        ],
      }),
    );
    for (const seq of [255, 0, 1]) c.inject?.('spBv1.0/g/NDATA/l1', encodePayload({ seq, metrics: [{ alias: 1, type: 'Double', value: seq }] }));
    expect(r.samples.slice(-3).map((s) => s.value)).toEqual([255, 0, 1]);
    expect(c.status().lastError).toBeNull();
    c.inject?.('spBv1.0/g/NDATA/l1', encodePayload({ seq: 3, metrics: [{ alias: 1, type: 'Double', value: 3 }] }));
    expect(c.status().lastError).toBe('rebirth of l1 requested: sequence gap: expected 2, got 3');
  });
});
