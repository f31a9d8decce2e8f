import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfigSchema, createBroker, type PlantBroker } from '../broker';
import { manualClock } from '../clock';
import { indexModel, loadModelFile, parseModel, type ModelIndex } from '../model';
import { createLogger } from '../observability';
import { parseJsonPath } from '../../../shared/schemas/connectors';
import { freePort, waitFor } from '../../../tests/helpers';
import { bindTags, buildIndex, createConnectors, encodeMqttJson, type Connector, type ConnectorContext, type ConnectorStatus, type TagSample } from '.';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const log = createLogger({ level: 'silent' });

function model(text: string): ModelIndex {
  const r = parseModel(text, 'plant.yaml');
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`).join('\n'));
  return indexModel(r.model, r.connectors);
}

/** A plant of two tanks on one line; `connectors` and per-tag overrides vary per test. */
const plant = (
  connectors: string,
  tankTags = 'level: { range: [0, 10], sampling_s: 1 }\n      temp: { range: [-20, 80], sampling_s: 60 }',
  assets = '',
) => `plant_model: 1
site: { id: s1 }
connectors:
${connectors}
asset_types:
  tank:
    tags:
      ${tankTags}
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: t1, type: tank }
          - { id: t2, type: tank }
${assets}`;

function rig(broker: PlantBroker, m: ModelIndex) {
  const clock = manualClock(NOW);
  const samples: TagSample[] = [];
  const rejects: Array<{ reason: string; topic: string; detail: string }> = [];
  const statuses: ConnectorStatus[] = [];
  let messages = 0;
  const ctx: ConnectorContext = {
    broker,
    emit: (s) => {
      messages++;
      samples.push(...s);
    },
    reject: (reason, topic, detail) => rejects.push({ reason, topic, detail }),
    commit: () => true,
    onStatus: (s) => statuses.push(s),
    sessionId: (id) => `test-${id}-${process.pid}`,
    clock,
    plantNow: () => clock.now(),
    window: { pastMs: 7 * 86_400_000, futureMs: 300_000 },
    maxPayloadBytes: 16 * 1024,
    log,
  };
  const connectors = createConnectors(m, ctx);
  return { ctx, clock, samples, rejects, statuses, connectors, messages: () => messages };
}

let broker: PlantBroker;
let pub: MqttClient;
beforeAll(async () => {
  broker = createBroker(BrokerConfigSchema.parse({ port: 0, wsPort: null }), log);
  await broker.start();
  pub = await mqtt.connectAsync(broker.url, { clientId: 'test-publisher' });
});
afterAll(async () => {
  await pub?.endAsync();
  await broker?.stop();
});

const started: Connector[] = [];
async function start(cs: Connector[]) {
  for (const c of cs) {
    await c.start();
    started.push(c);
  }
}
afterAll(async () => {
  for (const c of started) await c.stop();
});

describe('JSONPath subset', () => {
  it('reads dotted names, indices and quoted names; refuses the rest with a reason', () => {
    expect(parseJsonPath('$.a.b')).toEqual({ ok: true, segments: ['a', 'b'] });
    expect(parseJsonPath('$.a[0].v')).toEqual({ ok: true, segments: ['a', 0, 'v'] });
    expect(parseJsonPath(`$['x y']["z"]`)).toEqual({ ok: true, segments: ['x y', 'z'] });
    expect(parseJsonPath('$')).toEqual({ ok: true, segments: [] });
    expect(parseJsonPath('a.b').ok).toBe(false);
    expect(parseJsonPath('$..a').ok).toBe(false);
    expect(parseJsonPath('$.a[*]').ok).toBe(false);
  });
});

describe('mqtt-json settings are checked when the model loads', () => {
  const problems = (text: string) => {
    const r = parseModel(text, 'plant.yaml');
    return r.ok ? [] : r.problems;
  };
  it('refuses a bad path, an unknown placeholder, an unknown key and a bad timestamp format at their lines', () => {
    const p = problems(
      plant(`  - { id: mq, type: mqtt-json, topic: 'p/{device}/{colour}', value: '$.{tag}[', qos: 2, timestamp: { path: $.t, format: rfc822 } }`),
    );
    const text = p.map((x) => `${x.line} ${x.message}`).join('\n');
    expect(text).toMatch(/4 .*unknown placeholder \{colour\}/);
    expect(text).toMatch(/4 .*JSONPath/);
    expect(text).toMatch(/4 .*qos/);
    expect(text).toMatch(/4 .*iso8601/);
  });
  it('refuses a tag that ends up with no topic, and a binding with unknown fields', () => {
    const p = problems(
      plant(
        `  - { id: mq, type: mqtt-json }`,
        `level: { range: [0, 10], sampling_s: 1, source: { connector: mq, topic: 'x/{device}' } }\n      temp: { range: [0, 10], sampling_s: 1, source: { connector: mq, node: 'ns=2' } }`,
      ),
    );
    const text = p.map((x) => `${x.line} ${x.message}`).join('\n');
    expect(text).toMatch(/9 tag l1\/t1\/temp: .*node/);
    expect(text).not.toMatch(/level/);
    const q = problems(
      plant(
        `  - { id: mq, type: mqtt-json }`,
        `level: { range: [0, 10], sampling_s: 1, source: { connector: mq, topic: 'x/{device}' } }\n      temp: { range: [0, 10], sampling_s: 1 }`,
      ),
    );
    expect(q.map((x) => x.message).join('\n')).toMatch(/tag l1\/t1\/temp: connector mq has no topic pattern/);
    expect(q.map((x) => x.message).join('\n')).not.toMatch(/level/);
  });
  it('refuses a connector type it does not know, naming the ones it has', () => {
    const p = problems(plant(`  - { id: mq, type: mqtt-json, topic: 'p/{device}' }\n  - { id: mb, type: modbus-tcp }`));
    expect(p[0]).toMatchObject({ line: 5, message: expect.stringMatching(/mqtt-json.*opc-ua.*sparkplug-b/) });
  });
});

describe('the demo preset', () => {
  const demo = loadModelFile(path.join(__dirname, '../../../resources/plants/demo.yaml'));
  if (!demo.ok) throw new Error('demo model refused');
  const m = indexModel(demo.model, demo.connectors);

  it("the seed's payload gives exactly its five readings, at its timestamp", async () => {
    const r = rig(broker, m);
    await start(r.connectors);
    const payload = {
      device_id: 'line-1/compressor-01',
      timestamp: '2026-06-01T11:59:55.000Z',
      temperature: 80.1,
      pressure: 110.2,
      vibration: 2.9,
      humidity: 45,
      power: 25.5,
    };
    await pub.publishAsync('aegisflow/sensors/line-1/compressor-01', JSON.stringify(payload));
    await waitFor(() => r.samples.length === 5, 'five samples');
    const ts = Date.parse(payload.timestamp);
    expect(r.samples).toEqual(
      (['temperature', 'pressure', 'vibration', 'humidity', 'power'] as const).map((key) => ({
        tag: `line-1/compressor-01/${key}`,
        device_id: 'line-1/compressor-01',
        key,
        ts,
        value: payload[key],
      })),
    );
    expect(r.connectors[0]?.status()).toMatchObject({ state: 'connected', values: 5, messages: 1, errors: 0 });
  });

  it('the encoder writes the seed payload byte for byte', () => {
    const settings = m.connectors[0];
    if (settings?.type !== 'mqtt-json') throw new Error('no mqtt-json connector');
    const out = encodeMqttJson(
      settings,
      bindTags(m.model, settings.id),
      [
        ['temperature', 80.1],
        ['pressure', 110.2],
        ['vibration', 2.9],
        ['humidity', 45],
        ['power', 25.5],
      ].map(([k, v]) => ({ tag: `line-2/pump-03/${k}`, ts: NOW, value: Number(v) })),
    );
    expect(out).toEqual([
      {
        topic: 'aegisflow/sensors/line-2/pump-03',
        payload: `{"device_id":"line-2/pump-03","timestamp":"2026-06-01T12:00:00.000Z","temperature":80.1,"pressure":110.2,"vibration":2.9,"humidity":45,"power":25.5}`,
      },
    ]);
  });
});

describe('mappings', () => {
  it('one message per tag on a topic pattern, epoch ms, on a broker of its own', async () => {
    const m = model(
      plant(
        `  - { id: wtp, type: mqtt-json, broker: { url: '${broker.url}' }, topic: 'wtp/{area}/{asset}/{tag}', value: $.v, timestamp: { path: $.t, format: epoch_ms } }`,
      ),
    );
    const r = rig(broker, m);
    await start(r.connectors);
    await waitFor(() => r.connectors[0]?.status().state === 'connected', 'connected');
    expect(r.statuses.map((s) => s.state)).toContain('connected');
    await pub.publishAsync('wtp/a1/t2/level', JSON.stringify({ v: 4.25, t: NOW - 1000 }), { qos: 1 });
    await pub.publishAsync('wtp/a1/t1/temp', JSON.stringify({ v: 12, t: NOW }), { qos: 1 });
    await waitFor(() => r.samples.length === 2, 'two samples');
    expect(r.samples).toEqual([
      { tag: 'l1/t2/level', device_id: 'l1/t2', key: 'level', ts: NOW - 1000, value: 4.25 },
      { tag: 'l1/t1/temp', device_id: 'l1/t1', key: 'temp', ts: NOW, value: 12 },
    ]);
  });

  it('one message many tags: nested paths, indices, quoted names, {tag} in paths, epoch seconds, quality', async () => {
    const m = model(
      plant(
        `  - { id: nest, type: mqtt-json, topic: 'site/{site}/{line}', value: "$.data['{asset}'].{tag}[0]", quality: "$.data['{asset}'].q", timestamp: { path: $.meta.time, format: epoch_s } }`,
      ),
    );
    const r = rig(broker, m);
    await start(r.connectors);
    const msg = { meta: { time: NOW / 1000 - 2 }, data: { t1: { level: [3.5], temp: [20], q: 'good' }, t2: { level: [7], temp: [21.5], q: 100 } } };
    await pub.publishAsync('site/s1/l1', JSON.stringify(msg));
    await waitFor(() => r.samples.length === 4, 'four samples');
    const ts = NOW - 2000;
    expect(r.samples).toEqual([
      { tag: 'l1/t1/level', device_id: 'l1/t1', key: 'level', ts, value: 3.5 },
      { tag: 'l1/t1/temp', device_id: 'l1/t1', key: 'temp', ts, value: 20 },
      { tag: 'l1/t2/level', device_id: 'l1/t2', key: 'level', ts, value: 7, quality: { level: 'uncertain', reason: 'source', detail: '100' } },
      { tag: 'l1/t2/temp', device_id: 'l1/t2', key: 'temp', ts, value: 21.5, quality: { level: 'uncertain', reason: 'source', detail: '100' } },
    ]);
    expect(r.messages()).toBe(1);
    // The encoder is the inverse for these paths (quality aside).
    const settings = m.connectors[0];
    if (settings?.type !== 'mqtt-json') throw new Error('no mqtt-json connector');
    const [enc] = encodeMqttJson(settings, bindTags(m.model, 'nest'), [{ tag: 'l1/t2/temp', ts, value: 21.5 }]);
    expect(enc).toEqual({ topic: 'site/s1/l1', payload: JSON.stringify({ meta: { time: ts / 1000 }, data: { t2: { temp: [21.5] } } }) });
  });

  it('a tag with its own topic and path beside the pattern; without a timestamp, the arrival time on the plant clock', async () => {
    const m = model(
      plant(
        `  - { id: mix, type: mqtt-json, topic: 'mix/{device}', value: '$.{tag}' }`,
        `level: { range: [0, 10], sampling_s: 1 }\n      temp: { range: [-20, 80], sampling_s: 60, source: { connector: mix, topic: 'weather/{asset}', value: $.air.c } }`,
      ),
    );
    const r = rig(broker, m);
    await start(r.connectors);
    r.clock.set(NOW + 5000);
    await pub.publishAsync('mix/l1/t1', JSON.stringify({ level: 2 }));
    await pub.publishAsync('weather/t1', JSON.stringify({ air: { c: -3.5 } }));
    await waitFor(() => r.samples.length === 2, 'two samples');
    expect(r.samples.map((s) => [s.tag, s.value, s.ts])).toEqual([
      ['l1/t1/level', 2, NOW + 5000],
      ['l1/t1/temp', -3.5, NOW + 5000],
    ]);
  });
});

describe('bad payloads', () => {
  it('are counted by reason; a non-number field is one bad_payload value; good data keeps flowing', async () => {
    const m = model(
      plant(
        `  - { id: mq, type: mqtt-json, topic: 'p/{device}', timestamp: { path: $.ts, format: iso8601 }, device_field: $.dev }`,
        undefined,
        '          - { id: t3, type: tank }',
      ),
    );
    const r = rig(broker, m);
    await start(r.connectors);
    const iso = new Date(NOW).toISOString();
    const ok = (dev: string, over: Record<string, unknown> = {}) => JSON.stringify({ dev, ts: iso, level: 5, temp: 20, ...over });
    const sends: Array<[string, string | Buffer]> = [
      ['p/l1/t1', ok('l1/t1')],
      ['p/l1/t1', Buffer.alloc(20_000, 'x')],
      ['p/l1/t1', '{"dev": "l1/t1", level: '],
      ['p/l1/t1', '[1, 2]'],
      ['p/l1/t1', '{"dev":"l1/t1","ts":"' + iso + '","level":1e999}'],
      ['p/l1/t1', ok('l1/t1', { temp: 'NaN' })],
      ['p/l9/x', ok('l9/x')],
      ['p/l1/t2', ok('l1/t1')],
      ['p/l1/t1', ok('l1/t1', { ts: '1970-13-45' })],
      ['p/l1/t1', ok('l1/t1', { ts: '2999-01-01T00:00:00Z' })],
      ['p/l1/t1', ok('l1/t1', { ts: undefined })],
      ['p/l1/t1', JSON.stringify({ dev: 'l1/t1', ts: iso, other: 1 })],
      ['p/l1/t2', ok('l1/t2', { temp: 'hot' })],
      ['p/l1/t3', ok('l1/t3')],
    ];
    for (const [topic, payload] of sends) await pub.publishAsync(topic, payload);
    await waitFor(() => r.connectors[0]?.status().messages === sends.length, 'all messages');
    const byReason: Record<string, number> = {};
    for (const x of r.rejects) byReason[x.reason] = (byReason[x.reason] ?? 0) + 1;
    expect(byReason).toEqual({ oversize: 1, bad_json: 1, schema: 3, non_finite: 2, unknown_device: 1, topic_mismatch: 1, bad_timestamp: 2 });
    expect(r.rejects.find((x) => x.reason === 'topic_mismatch')?.detail).toMatch(/p\/l1\/t2 carries no tags of l1\/t1/);
    expect(r.samples.map((s) => [s.tag, s.value, s.quality?.reason ?? 'good'])).toEqual([
      ['l1/t1/level', 5, 'good'],
      ['l1/t1/temp', 20, 'good'],
      ['l1/t2/level', 5, 'good'],
      ['l1/t2/temp', null, 'bad_payload'],
      ['l1/t3/level', 5, 'good'],
      ['l1/t3/temp', 20, 'good'],
    ]);
    expect(r.connectors[0]?.status()).toMatchObject({ messages: 14, values: 5, errors: 12, lastValueAt: NOW });
  });
});

describe('status', () => {
  it('a broker of its own that cannot be reached: the connector is down with the reason, and the core starts anyway', async () => {
    const port = await freePort();
    const m = model(plant(`  - { id: far, type: mqtt-json, broker: { url: 'mqtt://127.0.0.1:${port}' }, topic: 'p/{device}' }`));
    const r = rig(broker, m);
    await start(r.connectors);
    await waitFor(() => r.statuses.find((s) => s.state === 'down'), 'down');
    expect(r.connectors[0]?.status()).toMatchObject({ id: 'far', type: 'mqtt-json', state: 'down', endpoint: `mqtt://127.0.0.1:${port}`, values: 0 });
    expect(r.connectors[0]?.status().lastError).toMatch(/ECONNREFUSED|no connection|closed/);
  });
});

describe('scale', () => {
  it('a 10,000-tag model subscribes one wildcard filter and a message reaches only its own tags', () => {
    const assets = Array.from({ length: 1000 }, (_, i) => `          - { id: a${i}, type: tank }`).join('\n');
    const tags = Array.from({ length: 10 }, (_, k) => `k${k}: { range: [0, 10], sampling_s: 1 }`).join('\n      ');
    const text = plant(`  - { id: big, type: mqtt-json, topic: 'big/{device}/{tag}', value: $.v }`, tags, assets).replace(
      '          - { id: t1, type: tank }\n          - { id: t2, type: tank }\n',
      '',
    );
    const m = model(text);
    const r = rig(broker, m);
    const c = r.connectors[0];
    if (!c?.inject) throw new Error('no connector');
    c.inject('big/l1/a999/k7', Buffer.from('{"v": 3}'));
    expect(r.samples).toEqual([{ tag: 'l1/a999/k7', device_id: 'l1/a999', key: 'k7', ts: NOW, value: 3 }]);
    const settings = m.connectors[0];
    if (settings?.type !== 'mqtt-json') throw new Error('no mqtt-json settings');
    expect(buildIndex(settings, bindTags(m.model, 'big')).filters).toEqual(['big/+/+/+']);
  });
});
