import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TimedReading } from '../../../shared/domain';
import { BrokerConfigSchema, createBroker, type PlantBroker } from '../broker';
import { createBus } from '../bus';
import { manualClock } from '../clock';
import type { ConnectorStatus } from '../connectors';
import { ModelStore } from '../model';
import { createLogger } from '../observability';
import { applyMigrations, createReadingsRepository, openDatabase, readingsMigrations } from '../store';
import { freePort, tempDir, waitFor } from '../../../tests/helpers';
import { createIngest, createLiveCache, IngestConfigSchema, type IngestService } from '.';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const log = createLogger({ level: 'silent' });

const plant = (connectors: string, extraTagSource = '') => `plant_model: 1
site: { id: s1 }
connectors:
${connectors}
asset_types:
  tank:
    tags:
      level: { unit: m, range: [0, 10], sampling_s: 1 }
      temp: { unit: '°C', range: [-20, 80], sampling_s: 60${extraTagSource} }
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: t1, type: tank }
          - { id: t2, type: tank }
`;
const PER_TAG = `  - { id: mq, type: mqtt-json, topic: 'p/{device}/{tag}', value: $.v, timestamp: { path: $.t, format: epoch_ms } }`;

const t = tempDir('aegis-ingest-');
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
  t.cleanup();
});

let n = 0;
const running: IngestService[] = [];
afterEach(async () => {
  for (const i of running.splice(0)) await i.stop();
});

async function rig(modelText: string, plantAhead?: { ms: number }) {
  const file = path.join(t.dir, `plant-${++n}.yaml`);
  fs.writeFileSync(file, modelText);
  const model = new ModelStore({ file, watch: false, log });
  model.loadOrThrow();
  const db = openDatabase(path.join(t.dir, `r-${n}.db`));
  applyMigrations(db, readingsMigrations);
  const readings = createReadingsRepository(db);
  const clock = manualClock(NOW);
  const bus = createBus();
  const live = createLiveCache(16);
  const seen: TimedReading[] = [];
  const statuses: ConnectorStatus[] = [];
  bus.on('readings', (b) => seen.push(...b));
  bus.on('connector.status', (s) => statuses.push(s));
  const ingest = createIngest({
    config: IngestConfigSchema.parse({}),
    dataDir: t.dir,
    maxPayloadBytes: 16 * 1024,
    retentionDays: 0,
    broker,
    readings,
    live,
    bus,
    clock,
    log,
    model,
    ...(plantAhead ? { plantNow: () => clock.now() + plantAhead.ms } : {}),
  });
  await ingest.start();
  running.push(ingest);
  const send = (topic: string, body: object) => ingest.accept(topic, Buffer.from(JSON.stringify(body)));
  return { model, file, readings, clock, live, seen, statuses, ingest, send };
}

describe('ingest from the model', () => {
  it("one instant's values from several messages are one reading; a value outside the engineering range is stored and shown bad", async () => {
    const r = await rig(plant(PER_TAG));
    r.send('p/l1/t1/level', { v: 4.5, t: NOW });
    r.send('p/l1/t1/temp', { v: 21, t: NOW });
    r.send('p/l1/t2/level', { v: 12.5, t: NOW });
    r.send('p/l1/t2/temp', { v: 'warm', t: NOW });
    r.ingest.flush();
    expect(r.seen).toEqual([
      { device_id: 'l1/t1', timestamp: '2026-06-01T12:00:00.000Z', ts: NOW, values: { level: 4.5, temp: 21 } },
      {
        device_id: 'l1/t2',
        timestamp: '2026-06-01T12:00:00.000Z',
        ts: NOW,
        values: { level: 12.5 },
        quality: {
          level: { level: 'bad', reason: 'out_of_range', detail: '12.5 m is outside the engineering range 0..10' },
          temp: { level: 'bad', reason: 'bad_payload', detail: 'temp: expected a number, got string' },
        },
      },
    ]);
    expect(r.ingest.counters()).toMatchObject({ received: 4, stored: 2, rejected: 0 });
    expect(r.readings.count('l1/t2')).toBe(1);
  });

  it('the live view: stale after 3 sampling periods of the plant clock, per tag', async () => {
    const r = await rig(plant(PER_TAG));
    r.send('p/l1/t1/level', { v: 4.5, t: NOW });
    r.send('p/l1/t1/temp', { v: 21, t: NOW });
    r.ingest.flush();
    expect(r.ingest.liveReading('l1/t1')).toEqual({ device_id: 'l1/t1', timestamp: '2026-06-01T12:00:00.000Z', values: { level: 4.5, temp: 21 } });
    r.clock.advance(3001); // level is sampled every 1 s, temp every 60 s
    expect(r.ingest.liveReading('l1/t1')?.quality).toEqual({ level: { level: 'uncertain', reason: 'stale', detail: 'no value for 3 s (sampled every 1 s)' } });
    r.send('p/l1/t1/level', { v: 4.6, t: NOW + 3001 });
    r.ingest.flush();
    expect(r.ingest.liveReading('l1/t1')).toMatchObject({ values: { level: 4.6, temp: 21 }, timestamp: new Date(NOW + 3001).toISOString() });
    expect(r.ingest.liveReading('l1/t1')?.quality).toBeUndefined();
    r.clock.advance(180_001);
    expect(Object.keys(r.ingest.liveReading('l1/t1')?.quality ?? {})).toEqual(['level', 'temp']);
    expect(r.ingest.liveReading('l1/t2')).toBeNull();
  });

  it('a replay running ahead of ingest: a value still in flight (under a second on the core clock) is not stale', async () => {
    const ahead = { ms: 0 };
    const r = await rig(plant(PER_TAG), ahead);
    r.send('p/l1/t1/level', { v: 4.5, t: NOW });
    r.ingest.flush();
    ahead.ms = 20_000; // the replay published 20 s of plant time further; ingest has not flushed it yet
    r.clock.advance(100);
    expect(r.ingest.liveReading('l1/t1')?.quality?.level).toBeUndefined();
    r.clock.advance(901);
    expect(r.ingest.liveReading('l1/t1')?.quality?.level).toMatchObject({ level: 'uncertain', reason: 'stale' });
  });

  it('a connector that is down: its status event, and its tags connector_down in the live view; the others flow', async () => {
    const port = await freePort();
    const r = await rig(
      plant(
        `${PER_TAG}\n  - { id: far, type: mqtt-json, broker: { url: 'mqtt://127.0.0.1:${port}' }, topic: 'far/{device}', value: $.temp }`,
        ', source: { connector: far }',
      ),
    );
    await waitFor(() => r.statuses.find((s) => s.id === 'far' && s.state === 'down'), 'far down');
    expect(r.ingest.connectors().map((c) => [c.id, c.state])).toEqual([
      ['mq', 'connected'],
      ['far', 'down'],
    ]);
    await pub.publishAsync('p/l1/t1/level', JSON.stringify({ v: 3, t: NOW }));
    await waitFor(() => r.ingest.counters().received === 1, 'a value over the embedded broker');
    r.ingest.flush();
    expect(r.ingest.liveReading('l1/t1')).toMatchObject({
      values: { level: 3 },
      quality: { temp: { level: 'bad', reason: 'connector_down', detail: 'connector far is down' } },
    });
  });

  it('a model reload rebinds the connectors: the new topics are read, the old ones no longer', async () => {
    const r = await rig(plant(PER_TAG));
    fs.writeFileSync(r.file, plant(PER_TAG.replace("'p/{device}/{tag}'", "'q/{asset}/{tag}'")));
    expect(r.model.load().ok).toBe(true);
    await waitFor(() => {
      const stopped = r.statuses.findIndex((s) => s.state === 'disabled');
      return stopped >= 0 && r.statuses.slice(stopped).some((s) => s.state === 'connected');
    }, 'the old connector stopped and the new one running');
    await pub.publishAsync('p/l1/t1/level', JSON.stringify({ v: 1, t: NOW }));
    await pub.publishAsync('q/t1/level', JSON.stringify({ v: 2, t: NOW }));
    await waitFor(() => r.ingest.counters().received === 1, 'the new topic');
    r.ingest.flush();
    expect(r.seen.map((x) => x.values)).toEqual([{ level: 2 }]);
    r.send('p/l1/t1/level', { v: 1, t: NOW });
    expect(r.ingest.counters().rejectedByReason).toEqual({ unknown_device: 1 });
  });
});
