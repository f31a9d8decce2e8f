// `aegisflow plant import-sparkplug` (issue 16): births seen on a broker become a draft model that
// validates as written and that the Sparkplug connector then reads the same edge node with.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plantCommand } from '../electron/cli/commands/plant';
import { draftModelFromSparkplug, listenForBirths } from '../electron/cli/commands/plant-sparkplug';
import { BrokerConfigSchema, createBroker, type PlantBroker } from '../electron/core/broker';
import { systemClock } from '../electron/core/clock';
import { createConnectors, type TagSample } from '../electron/core/connectors';
import { startTestEdgeNode, type TestEdgeNode } from '../electron/core/connectors/sparkplug-edge';
import { indexModel, parseModel } from '../electron/core/model';
import { createLogger } from '../electron/core/observability';
import { cliSandbox } from './cli-helpers';
import { waitFor } from './helpers';

const log = createLogger({ level: 'silent' });
let broker: PlantBroker;
let edge: TestEdgeNode;
const T0 = Date.now() - 60_000;

beforeAll(async () => {
  broker = createBroker(BrokerConfigSchema.parse({ port: 0, wsPort: null }), log);
  await broker.start();
  edge = await startTestEdgeNode({
    url: broker.url,
    group: 'Plant A',
    node: 'Edge 1',
    nodeMetrics: ['Cabinet/Temp'],
    types: { Running: 'Boolean' },
    devices: [
      { id: 'pump-1', assetId: 'x', metrics: ['Flow/PV', 'Running'] },
      { id: 'pump-2', assetId: 'y', metrics: ['Flow/PV', 'Running'] },
    ],
  });
});
afterAll(async () => {
  await edge?.close();
  await broker?.stop();
});

describe('plant import-sparkplug', () => {
  it('drafts one line per edge node, one asset per device, one tag per metric; the draft validates and reads the node', async () => {
    const listener = await listenForBirths(broker.url);
    await edge.birth({ '': { 'Cabinet/Temp': 30 }, 'pump-1': { 'Flow/PV': 40, Running: 1 }, 'pump-2': { 'Flow/PV': 20, Running: 0 } });
    for (let i = 1; i <= 3; i++) await edge.data('pump-1', { 'Flow/PV': 40 + i }, { ts: T0 + i * 5000 });
    await waitFor(() => listener.observed.messages >= 6, 'the births and data');
    const draft = draftModelFromSparkplug(await listener.stop(), broker.url);
    expect(draft).toMatchObject({ nodes: 1, assets: 3, tags: 5, skipped: [] });
    const r = parseModel(draft.yaml, 'draft.yaml');
    if (!r.ok) throw new Error(r.problems.map((p) => `${p.line} ${p.message}`).join('\n') + '\n' + draft.yaml);
    expect(r.model.assets.map((a) => [a.id, a.tags.map((t) => t.key)])).toEqual([
      ['Edge_1/Edge_1', ['Cabinet_Temp']],
      ['Edge_1/pump-1', ['Flow_PV', 'Running']],
      ['Edge_1/pump-2', ['Flow_PV', 'Running']],
    ]);
    const flow = r.model.assets[1]?.tags[0];
    expect(flow).toMatchObject({ sampling_s: 5, source: { connector: 'sp-Plant_A', node: 'Edge 1', device: 'pump-1', metric: 'Flow/PV' } });
    expect(r.model.assets[1]?.tags[1]).toMatchObject({ type: 'bool', range: [0, 1] });
    expect(draft.yaml).toMatch(/CHECK range \(seen 40\.\.43\)/);

    // The draft, as written, binds the edge node's metrics: the connector reads them.
    const samples: TagSample[] = [];
    const [c] = createConnectors(indexModel(r.model, r.connectors), {
      broker,
      emit: (s) => samples.push(...s),
      reject: () => {},
      commit: () => true,
      onStatus: () => {},
      sessionId: (id) => `import-${id}-${process.pid}`,
      clock: systemClock,
      plantNow: () => Date.now(),
      window: { pastMs: 86_400_000, futureMs: 300_000 },
      maxPayloadBytes: 16 * 1024,
      log,
    });
    if (!c) throw new Error('no connector');
    await c.start();
    try {
      await waitFor(() => c.status().state === 'connected', 'connected');
      await edge.birth();
      await edge.data('pump-2', { 'Flow/PV': 21.5 });
      await waitFor(() => samples.some((s) => s.tag === 'Edge_1/pump-2/Flow_PV' && s.value === 21.5), 'a value through the drafted binding');
    } finally {
      await c.stop();
    }
  });

  describe('the command', () => {
    const box = cliSandbox('aegis-sp-import-');
    it('asks a node that sends data without a birth to birth again (--rebirth) and writes the draft', async () => {
      const out = path.join(box.dir, 'draft.yaml');
      let publishing = true;
      const feed = (async () => {
        for (let i = 0; publishing; i++) {
          await edge.data('pump-1', { 'Flow/PV': 50 + (i % 5) });
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const before = edge.rebirthRequests;
      const code = await plantCommand.run(['import-sparkplug', broker.url, '--seconds', '1.5', '--rebirth', '--group', 'Plant A', '--out', out]);
      publishing = false;
      await feed;
      expect(box.err.join('')).toMatch(/listening on mqtt:\/\/127\.0\.0\.1:\d+ \(spBv1\.0\/Plant A\/#\) for 1\.5 s/);
      expect(code).toBe(0);
      expect(edge.rebirthRequests).toBe(before + 1);
      expect(box.out.join('')).toMatch(/wrote .*draft\.yaml: 1 edge node, 3 assets, 5 tags/);
      expect(fs.readFileSync(out, 'utf8')).toMatch(/type: sparkplug-b, group: "Plant A"/);
    });

    it('refuses a bad URL and a bad --seconds as usage errors', async () => {
      expect(await plantCommand.run(['import-sparkplug', 'localhost:1883'])).toBe(2);
      expect(await plantCommand.run(['import-sparkplug', broker.url, '--seconds', 'soon'])).toBe(2);
      expect(box.err.join('')).toMatch(/needs a broker URL[\s\S]*--seconds must be/);
    });
  });
});
