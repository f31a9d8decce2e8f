// What tripped a newcomer connecting a real plant from the README (issue 16's acceptance walk): a Sparkplug
// broker behind TLS with the plant's own CA (the connector and `plant import-sparkplug` could not be given
// the CA; the refusal said only "self-signed certificate in certificate chain"), a warning on every birth,
// and a browse draft whose missing units were not marked for checking.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mcpCommand } from '../electron/cli/commands/mcp';
import { plantCommand } from '../electron/cli/commands/plant';
import { draftFromBrowse } from '../electron/cli/commands/plant-browse';
import { listenForBirths } from '../electron/cli/commands/plant-sparkplug';
import { createCore, testConfig } from '../electron/core';
import { BrokerConfigSchema, createBroker } from '../electron/core/broker';
import { manualClock } from '../electron/core/clock';
import { createConnectors, type Connector, type ConnectorContext } from '../electron/core/connectors';
import { startTestEdgeNode } from '../electron/core/connectors/sparkplug-edge';
import { indexModel, parseModel } from '../electron/core/model';
import { createLogger } from '../electron/core/observability';
import { cliSandbox } from './cli-helpers';
import { tempDir, waitFor } from './helpers';
import { realPlantSettings } from './plant-rig';

const plant = (broker: string, group: string) => `plant_model: 1
site: { id: s1 }
connectors:
  - { id: sp1, type: sparkplug-b, group: ${group}, broker: ${broker} }
asset_types:
  pump:
    tags:
      flow: { range: [0, 100], sampling_s: 1 }
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: p1, type: pump }
`;

/** One Sparkplug connector of a model file in dir (a CA path in it is relative to that file), logging into lines. */
function connectorOf(dir: string, text: string, lines: string[]): Connector {
  const file = path.join(dir, 'plant.yaml');
  fs.writeFileSync(file, text);
  const r = parseModel(text, file);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
  const log = createLogger({ level: 'info', stream: { write: (l: string) => void lines.push(l) } });
  const clock = manualClock(Date.now());
  const ctx: ConnectorContext = {
    broker: createBroker(BrokerConfigSchema.parse({ port: 0, wsPort: null }), log),
    emit: () => undefined,
    reject: () => undefined,
    commit: () => true,
    onStatus: () => undefined,
    sessionId: (id) => `t-${id}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
    clock,
    plantNow: () => clock.now(),
    window: { pastMs: 7 * 86_400_000, futureMs: 300_000 },
    maxPayloadBytes: 16 * 1024,
    log,
  };
  const [c] = createConnectors(indexModel(r.model, r.connectors), ctx);
  if (!c) throw new Error('no connector');
  return c;
}

describe('a Sparkplug broker behind TLS with the plant’s own CA', () => {
  const t = tempDir('aegis-connect-tls-');
  let url = '';
  let server: tls.Server;
  let aedes: Aedes;
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: t.dir, stdio: 'ignore' });

  beforeAll(async () => {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Plant CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost');
    fs.writeFileSync(path.join(t.dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl('x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '2', '-extfile', 'san.cnf');
    aedes = await Aedes.createBroker();
    server = tls.createServer({ key: fs.readFileSync(path.join(t.dir, 'broker.key')), cert: fs.readFileSync(path.join(t.dir, 'broker.pem')) }, aedes.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `mqtts://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
    await new Promise<void>((r) => (aedes ? aedes.close(() => r()) : r()));
    t.cleanup();
  });

  it('without the CA the connector is down and says the CA is unknown and how to give it', async () => {
    const c = connectorOf(t.dir, plant(`{ url: '${url}' }`, 'g1'), []);
    await c.start();
    try {
      await waitFor(() => c.status().state === 'down' && c.status().lastError, 'down');
      expect(c.status().lastError).toMatch(/certificate.*signed by a CA this machine does not know: give the connector's broker its ca: FILE/);
    } finally {
      await c.stop();
    }
  });

  it('with broker.ca (relative to the model file) it connects and reads the edge node over TLS', async () => {
    const lines: string[] = [];
    const c = connectorOf(t.dir, plant(`{ url: '${url}', ca: ca.pem }`, 'g2'), lines);
    await c.start();
    const edge = await startTestEdgeNode({
      url,
      group: 'g2',
      node: 'l1',
      devices: [{ id: 'p1', assetId: 'l1/p1', metrics: ['flow'] }],
      clientOptions: { ca: fs.readFileSync(path.join(t.dir, 'ca.pem')) },
    });
    try {
      await waitFor(() => c.status().state === 'connected', 'connected');
      await edge.birth({ p1: { flow: 12 } });
      await waitFor(() => c.status().values > 0, 'the birth’s value');
      // The birth declares the acknowledgement metric with an empty value: that is no bad acknowledgement.
      expect(lines.filter((l) => l.includes('acknowledgement'))).toEqual([]);
    } finally {
      await edge.close();
      await c.stop();
    }
  });

  describe('plant import-sparkplug', () => {
    const box = cliSandbox('aegis-connect-import-');
    it('without --ca: the refusal names the unknown CA and --ca; with it, a draft whose connector carries the CA', async () => {
      const edge = await startTestEdgeNode({
        url,
        group: 'g3',
        node: 'edge-1',
        devices: [{ id: 'pump-1', assetId: 'edge-1/pump-1', metrics: ['flow'] }],
        eng: { flow: { unit: 'm³/h', low: 0, high: 1500 } },
        clientOptions: { ca: fs.readFileSync(path.join(t.dir, 'ca.pem')) },
      });
      try {
        expect(await plantCommand.run(['import-sparkplug', url, '--group', 'g3', '--seconds', '0.5'])).toBe(1);
        expect(box.err.join('')).toMatch(/cannot connect to mqtts:.*certificate.*signed by a CA this machine does not know: pass --ca FILE/);
        const out = path.join(box.dir, 'plants', 'works.yaml');
        fs.mkdirSync(path.dirname(out));
        // A relative --ca (from where the command runs) goes into the draft relative to the model file, as the connector reads it.
        const ca = path.join(t.dir, 'ca.pem');
        const run = plantCommand.run(['import-sparkplug', url, '--group', 'g3', '--seconds', '1', '--ca', path.relative(process.cwd(), ca), '--out', out]);
        await new Promise((r) => setTimeout(r, 300));
        await edge.birth({ 'pump-1': { flow: 700 } });
        expect(await run).toBe(0);
        const text = fs.readFileSync(out, 'utf8');
        const r = parseModel(text, out);
        if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
        expect(r.connectors[0]).toMatchObject({ type: 'sparkplug-b', broker: { url, ca: path.relative(path.dirname(out), ca) } });
        expect(r.model.assets[0]?.tags[0]).toMatchObject({ key: 'flow', unit: 'm³/h', range: [0, 1500] });
      } finally {
        await edge.close();
      }
    }, 20_000);
  });
});

describe('drafts say what they could not know', () => {
  it('plant browse marks a variable without EngineeringUnits "CHECK unit"', () => {
    const { yaml } = draftFromBrowse('opc.tcp://plc:4840', 'None', [
      { nodeId: 'ns=1;s=a/p/flow', browseName: 'flow', displayName: 'Flow', path: ['a', 'p'], dataType: 'Double', range: [0, 10], unit: null },
      { nodeId: 'ns=1;s=a/p/temp', browseName: 'temp', displayName: 'Temp', path: ['a', 'p'], dataType: 'Double', range: [0, 90], unit: '°C' },
    ]);
    expect(yaml).toMatch(/^ {6}flow: .*# Double; CHECK unit; CHECK sampling_s$/m);
    expect(yaml).toMatch(/^ {6}temp: .*unit: "°C".*# Double; CHECK sampling_s$/m);
  });

  it('plant browse names an asset by its object’s display name, its id by the browse name', () => {
    const { yaml } = draftFromBrowse('opc.tcp://plc:4840', 'None', [
      {
        nodeId: 'ns=1;s=a/p/flow',
        browseName: 'flow',
        displayName: 'Flow',
        path: ['a', 'rw-pump-1'],
        parentName: 'Raw water pump 1',
        dataType: 'Double',
        range: [0, 10],
        unit: 'm³/h',
      },
    ]);
    expect(yaml).toContain('- { id: rw-pump-1, type: rw-pump-1, name: "Raw water pump 1" }');
  });
});

describe('plant import-sparkplug names what sent data without a birth', () => {
  it('a node as group/node, a device as group/node/device (no trailing slash)', async () => {
    const broker = createBroker(BrokerConfigSchema.parse({ port: 0, wsPort: null }), createLogger({ level: 'silent' }));
    await broker.start();
    const edge = await startTestEdgeNode({
      url: broker.url,
      group: 'works',
      node: 'edge-1',
      nodeMetrics: ['t'],
      devices: [{ id: 'pump-1', assetId: 'x', metrics: ['flow'] }],
    });
    try {
      const l = await listenForBirths(broker.url, { group: 'works' });
      await edge.data('', { t: 1 });
      await edge.data('pump-1', { flow: 2 });
      await waitFor(() => l.observed.unborn.size === 2, 'both seen');
      expect([...(await l.stop()).unborn].sort()).toEqual(['works/edge-1', 'works/edge-1/pump-1']);
    } finally {
      await edge.close();
      await broker.stop();
    }
  });
});

describe('the CLI and the running app of a real plant', () => {
  const box = cliSandbox('aegis-connect-cli-');

  it('mcp --list finds the app running on the data dir (its run file), not only the default port', async () => {
    const core = createCore(testConfig(box.dir, { ...realPlantSettings(path.join(__dirname, '../resources/plants/water-treatment.yaml')) }));
    await core.start();
    try {
      const token = core.services.governance.addAgent({ id: 'bench', name: 'bench', role: 'assistant' }).token;
      vi.stubEnv('AEGISFLOW_AGENT_TOKEN', token);
      vi.stubEnv('AEGISFLOW_MCP_URL', '');
      const code = await mcpCommand.run(['--agent', 'bench', '--list', '--data-dir', box.dir]);
      expect(box.err.join('')).toBe('');
      expect(code).toBe(0);
      expect(box.out.join('')).toContain('"name": "get_sensor_stream"');
    } finally {
      vi.unstubAllEnvs();
      await core.stop();
    }
  }, 30_000);

  it('mcp without an app says where it looked instead of "fetch failed"', async () => {
    vi.stubEnv('AEGISFLOW_AGENT_TOKEN', 'afa_x');
    try {
      expect(await mcpCommand.run(['--agent', 'bench', '--list', '--url', 'http://127.0.0.1:9/mcp', '--data-dir', box.dir])).toBe(1);
      expect(box.err.join('')).toContain('cannot reach AegisFlow at http://127.0.0.1:9/mcp (is it running? --url names another)');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('plant connectors and plant trust need the running app, and trust a thumbprint only', async () => {
    expect(await plantCommand.run(['connectors', '--data-dir', box.dir])).toBe(2);
    expect(box.err.join('')).toContain(`no AegisFlow runs on ${box.dir}: plant connectors shows the running app's connectors`);
    expect(await plantCommand.run(['trust', 'opcua', 'not-a-thumbprint', '--data-dir', box.dir])).toBe(2);
    expect(box.err.join('')).toContain('a thumbprint is 40 hex digits');
  });
});
