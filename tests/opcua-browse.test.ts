// `aegisflow plant browse` against a real node-opcua server exposing the water-treatment model's tags:
// it lists the server's variables and drafts a model that validates and binds each tag to its node;
// with SignAndEncrypt an untrusted server is refused, naming its thumbprint, until --trust names it.
// Also: the opc-ua settings in a model file are checked with line numbers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plantCommand } from '../electron/cli/commands/plant';
import { parseModel } from '../electron/core/model';
import { cliSandbox } from './cli-helpers';
import { freePort, tempDir } from './helpers';
import { modelOf, startPlantServer, WATER, type PlantServer } from './opcua-server';

describe('plant browse opc.tcp://…', () => {
  const box = cliSandbox('aegis-browse-cli-');
  const t = tempDir('aegis-browse-');
  let server: PlantServer;
  beforeAll(async () => {
    const water = modelOf(fs.readFileSync(WATER, 'utf8'));
    server = await startPlantServer({ model: water.model, port: await freePort(), pkiDir: path.join(t.dir, 'pki'), tickMs: 0 });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    t.cleanup();
  });

  it('drafts a model of the server’s assets and tags that validates, each tag bound to its node with its EURange', async () => {
    const out = path.join(box.dir, 'draft.yaml');
    const code = await plantCommand.run(['browse', server.url, '--data-dir', path.join(box.dir, 'data'), '--out', out]);
    expect(box.err.join('')).toBe('');
    expect(code).toBe(0);
    expect(box.out.join('')).toMatch(/wrote .*draft.yaml: 14 assets, 59 tags/);
    const r = parseModel(fs.readFileSync(out, 'utf8'), out);
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    const pump = r.model.assets.find((a) => a.asset === 'rw-pump-1');
    expect(pump?.line).toBe('intake');
    const flow = pump?.tags.find((x) => x.key === 'flow');
    expect(flow).toMatchObject({ range: [0, 1500], source: { connector: 'opcua', node: 'ns=1;s=intake/rw-pump-1/flow' } });
    expect(r.connectors[0]).toMatchObject({ type: 'opc-ua', endpoint: server.url, security_mode: 'None' });
    // Our application certificate went into the data dir, not $HOME.
    expect(fs.existsSync(path.join(box.dir, 'data', 'pki', 'opcua', 'plant-browse', 'own', 'private', 'private_key.pem'))).toBe(true);
  }, 60_000);

  it('with SignAndEncrypt refuses an untrusted server, naming its thumbprint, and browses once --trust names it', async () => {
    const data = path.join(box.dir, 'data');
    expect(await plantCommand.run(['browse', server.url, '--security', 'SignAndEncrypt', '--data-dir', data, '--json'])).toBe(1);
    const thumbprint = /thumbprint ([0-9a-f]{40})/.exec(box.err.join(''))?.[1] ?? '';
    expect(thumbprint).toHaveLength(40);
    expect(await plantCommand.run(['browse', server.url, '--security', 'SignAndEncrypt', '--data-dir', data, '--json', '--trust', thumbprint])).toBe(0);
    const vars = JSON.parse(box.out.join('')) as Array<{ nodeId: string; dataType: string }>;
    expect(vars).toHaveLength(59);
    expect(vars.every((v) => v.dataType === 'Double')).toBe(true);
  }, 60_000);
});

describe('opc-ua settings in the model file', () => {
  const problems = (connector: string, tagSource = '') => {
    const text = `plant_model: 1
site: { id: s1 }
connectors:
${connector}
asset_types:
  tank:
    tags:
      level: { range: [0, 10], sampling_s: 1${tagSource} }
areas:
  - { id: a1, lines: [{ id: l1, assets: [{ id: t1, type: tank }] }] }
`;
    const r = parseModel(text, 'plant.yaml');
    return r.ok ? [] : r.problems.map((p) => `${p.line} ${p.message}`);
  };
  it('accepts a full entry and a tag binding with node, sampling and a percent deadband', () => {
    expect(
      problems(
        `  - { id: opc, type: opc-ua, endpoint: 'opc.tcp://plc:4840', security_mode: Sign, user: { username: op, password_env: OPC_PW }, deadband: 0.5 }`,
        `, source: { connector: opc, node: 'ns=2;s=Tank.{asset}.Level', sampling_ms: 250, deadband: { percent: 1 } }`,
      ),
    ).toEqual([]);
  });
  it('refuses a bad endpoint, an unknown mode, a user with both or no password source, a bad node id, at their lines', () => {
    const p = problems(`  - { id: opc, type: opc-ua, endpoint: 'http://plc', security_mode: Encrypt, user: { username: op }, node: 'Tank.Level' }`);
    const text = p.join('\n');
    expect(text).toMatch(/4 .*opc\.tcp:\/\//);
    expect(text).toMatch(/4 .*SignAndEncrypt/);
    expect(text).toMatch(/4 .*not an OPC UA node id/);
    const both = problems(`  - { id: opc, type: opc-ua, endpoint: 'opc.tcp://plc:4840', user: { username: op, password: x, password_env: Y } }`);
    expect(both.join('\n')).toMatch(/exactly one of password_env/);
  });
  it('refuses a tag binding with an unknown field or a bad node, at the tag’s line', () => {
    const p = problems(`  - { id: opc, type: opc-ua, endpoint: 'opc.tcp://plc:4840' }`, `, source: { connector: opc, topic: 'x', node: 'ns=2;q=1' }`);
    expect(p.join('\n')).toMatch(/8 tag l1\/t1\/level: .*topic/);
    expect(p.join('\n')).toMatch(/8 tag l1\/t1\/level: .*not an OPC UA node id/);
  });
});
