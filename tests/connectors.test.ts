// Connector status end to end (issue 15): a core on a model with two connectors, one of which cannot
// reach its broker. The operator sees each connector's state (request and event) and a communication
// alarm for the one that is down, which clears when its broker comes up.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../electron/core';
import { BrokerConfigSchema, createBroker, type PlantBroker } from '../electron/core/broker';
import { createLogger } from '../electron/core/observability';
import { freePort, OPERATOR, tempDir, waitFor } from './helpers';

const tmp = tempDir('aegis-connectors-');
let core: Core;
let farPort: number;
let far: PlantBroker | null = null;

beforeAll(async () => {
  farPort = await freePort();
  const file = path.join(tmp.dir, 'plant.yaml');
  fs.writeFileSync(
    file,
    `plant_model: 1
site: { id: s1 }
connectors:
  - { id: local, type: mqtt-json, topic: 'p/{device}/{tag}', value: $.v }
  - { id: far, type: mqtt-json, broker: { url: 'mqtt://127.0.0.1:${farPort}' }, topic: 'far/{device}', value: '$.{tag}' }
asset_types:
  tank:
    tags:
      level: { unit: m, range: [0, 10], sampling_s: 1 }
      temp: { unit: '°C', range: [-20, 80], sampling_s: 60, source: { connector: far } }
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: t1, type: tank }
`,
  );
  core = createCore(testConfig(tmp.dir, { plant: { model: file, watch: false }, simulator: { enabled: false }, http: { enabled: false } }));
  await core.start();
}, 60_000);
afterAll(async () => {
  await core?.stop();
  await far?.stop();
  tmp.cleanup();
});

describe('connector status', () => {
  it('a connector that cannot reach its broker is down, with a communication alarm; it clears when the broker comes up', async () => {
    await waitFor(() => core.services.alarms.find('connector:far:communication')?.active, 'the far connector’s communication alarm', 10_000);
    const reply = await core.api.call('connectors.status', {}, OPERATOR);
    if (!reply.ok) throw new Error(reply.error.message);
    expect(reply.result.map((c) => [c.id, c.type, c.state])).toEqual([
      ['local', 'mqtt-json', 'connected'],
      ['far', 'mqtt-json', 'down'],
    ]);
    expect(core.services.alarms.find('connector:far:communication')).toMatchObject({ kind: 'communication', priority: 'high' });
    expect(core.services.alarms.find('connector:local:communication')).toBeNull();

    const up = new Promise<void>((resolve) => {
      const off = core.bus.on('connector.status', (s) => s.id === 'far' && s.state === 'connected' && (off(), resolve()));
    });
    far = createBroker(BrokerConfigSchema.parse({ port: farPort, wsPort: null }), createLogger({ level: 'silent' }));
    await far.start();
    await up;
    await waitFor(() => core.services.alarms.find('connector:far:communication')?.active === false, 'the alarm cleared', 10_000);
  }, 30_000);
});
