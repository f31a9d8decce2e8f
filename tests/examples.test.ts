// The README's worked examples, step by step, with the example peers as the README runs them: the OPC UA
// server (`npm run example:opcua-server`) browsed over SignAndEncrypt, its certificate trusted from the CLI
// (`plant connectors`, `plant trust`), values arriving and a governed set_speed the server verifies; the
// Sparkplug B edge node (`npm run example:sparkplug-edge`) on a real mosquitto, drafted with
// `plant import-sparkplug --rebirth`, values arriving and a DCMD the edge node verifies. Each example runs
// in a child process on a free port, stopped at the end.
import { generateKeyPairSync } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { plantCommand } from '../electron/cli/commands/plant';
import { createCore, testConfig, type Core } from '../electron/core';
import { encodeSparkplug, sparkplugTopic } from '../electron/core/connectors';
import { canonicalHash } from '../electron/core/governance/canonical';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../electron/core/governance/tokens';
import { OPERATOR, tempDir, waitFor } from './helpers';
import { realPlantSettings } from './plant-rig';
import { approvedCommand, startMosquitto } from './security/device-commands';

const ROOT = path.resolve(__dirname, '..');
const PASSWORD = 'correct horse battery staple';

/** An example script as `npm run example:…` starts it, its stdout collected. */
function example(script: string, args: string[]): { child: ChildProcess; out: () => string; stop(): Promise<void> } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.INIT_CWD;
  delete env.AEGISFLOW_DATA_DIR;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('examples', script), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return {
    child,
    out: () => {
      if (child.exitCode !== null) throw new Error(`${script} exited ${child.exitCode}: ${err}`);
      return out;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    },
  };
}

/** Runs `aegisflow plant …` in process; returns its exit code and output. */
async function plant(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await plantCommand.run(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** The edit the README asks for: the command the peer knows, above the asset type's tags. */
function addSetSpeed(file: string, typeHeader: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const withCommand = text.replace(
    typeHeader,
    `${typeHeader}    commands:\n      set_speed: { params: { speed_pct: { type: integer, min: 20, max: 100 } } }\n`,
  );
  if (withCommand === text) throw new Error(`no ${typeHeader.trim()} in the draft`);
  fs.writeFileSync(file, withCommand);
}

/** The README's aegisflow-*.yaml: the model, no simulator; a test core (HTTP on a free port, so the CLI reaches it through the run file). */
async function startApp(dataDir: string, model: string): Promise<Core> {
  const core = createCore(testConfig(dataDir, realPlantSettings(model)));
  await core.start();
  await core.services.operators.registry.add({ name: 'Dana Reyes', password: PASSWORD, roles: ['admin'] });
  core.services.governance.addAgent({ id: 'bench', name: 'bench', role: 'assistant' });
  return core;
}

const forgedToken = (args: Record<string, unknown>) =>
  new SignJWT({ agent: 'bench', tool: 'execute_device_command', args_sha256: canonicalHash(args) })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setJti('forged-1')
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(generateKeyPairSync('ed25519').privateKey);

const setSpeed = (device: string) => ({ device_id: device, command: 'set_speed', parameters: { speed_pct: 60 }, justification: 'commissioning test' });

describe('README, "Connect an OPC UA server": the worked example', () => {
  const t = tempDir('aegis-example-opcua-');
  const data = path.join(t.dir, 'data');
  const model = path.join(t.dir, 'plants', 'wtp-opcua.yaml');
  let server: ReturnType<typeof example>;
  let core: Core | null = null;

  beforeAll(() => {
    vi.stubEnv('AEGISFLOW_PASSWORD', PASSWORD);
    vi.stubEnv('AEGISFLOW_OPERATOR', '');
    fs.mkdirSync(path.dirname(model));
    server = example('opcua-server.ts', [
      '--port',
      '0',
      '--pki',
      path.join(t.dir, 'server-pki'),
      '--gateway-key',
      path.join(data, 'keys', 'gateway-ed25519.pub.pem'),
    ]);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await core?.stop();
    await server?.stop();
    t.cleanup();
  });

  it('browse, trust, values, a governed set_speed the server verifies, a forged one it refuses', async () => {
    const banner = await waitFor(() => /thumbprint ([0-9a-f]{40})[\s\S]*commands verified/.exec(server.out()), 'the server up', 60_000);
    const thumbprint = banner[1] ?? '';
    const url = /at (opc\.tcp:\/\/\S+)/.exec(server.out())?.[1] ?? '';
    expect(server.out()).toMatch(/OPC UA server for riverside-wtp: 14 assets, 59 tags at opc\.tcp:\/\/127\.0\.0\.1:\d+/);

    // Browse over SignAndEncrypt: refused until --trust names the thumbprint the server printed.
    const refused = await plant('browse', url, '--security', 'SignAndEncrypt', '--data-dir', data);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`run again with --trust ${thumbprint}`);
    const browsed = await plant('browse', url, '--security', 'SignAndEncrypt', '--trust', thumbprint, '--out', model, '--data-dir', data);
    expect(browsed).toMatchObject({ code: 0, out: expect.stringMatching(/wrote .*wtp-opcua\.yaml: 14 assets, 59 tags/) as unknown });
    expect(fs.readFileSync(model, 'utf8')).toMatch(/flow: \{ name: "flow", unit: "m³\/h", range: \[0, 1500\].*node: "ns=1;s=intake\/rw-pump-1\/flow"/);
    expect(fs.readFileSync(model, 'utf8')).toContain('- { id: rw-pump-1, type: rw-pump-1, name: "Raw water pump 1" }');
    addSetSpeed(model, '  rw-pump-1:\n    name: "Raw water pump 1"\n');
    expect(await plant('validate', model)).toMatchObject({
      code: 0,
      out: expect.stringContaining('OK — site my-plant: 1 area, 6 lines, 14 assets, 59 tags') as unknown,
    });

    // serve: the connector waits on the server's certificate; the CLI shows it and trusts it as an operator.
    core = await startApp(data, model);
    const app = core;
    await waitFor(() => app.services.ingest.connectors().find((c) => c.id === 'opcua')?.untrusted, 'the connector waiting on the certificate');
    const listed = await plant('connectors', '--operator', 'Dana Reyes', '--data-dir', data);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`aegisflow plant trust opcua ${thumbprint} --operator NAME`);
    const trusted = await plant('trust', 'opcua', thumbprint, '--operator', 'Dana Reyes', '--data-dir', data);
    expect(trusted).toMatchObject({ code: 0, out: expect.stringContaining('audited as CERT_TRUSTED by Dana Reyes') as unknown });
    const audit = await app.api.call('audit.query', { kind: 'CERT_TRUSTED' }, OPERATOR);
    expect(audit.ok && audit.result.map((r) => r.actor)).toEqual(['Dana Reyes']);
    await waitFor(() => app.services.ingest.connectors().find((c) => c.id === 'opcua')?.state === 'connected', 'connected', 60_000);
    await waitFor(() => app.services.live.recent('intake/rw-pump-1', 10).some((r) => r.values.flow !== undefined), 'pump flow values', 30_000);

    const ok = await approvedCommand(app, 'bench', setSpeed('intake/rw-pump-1'));
    expect(ok).toMatchObject({ ok: true, command: 'set_speed' });
    await waitFor(
      () => /command for intake\/rw-pump-1: accepted set_speed \(intent token verified, jti [0-9a-f-]+\)/.test(server.out()),
      'the server verified it',
    );

    const forged = setSpeed('intake/rw-pump-1');
    const reply = await app.services.ingest
      .commandRoute('intake/rw-pump-1')
      ?.command?.('intake/rw-pump-1', { args: forged, intent_token: await forgedToken(forged) }, 'forged-1');
    expect(reply).toMatchObject({ status: 'refused', code: 'bad_signature' });
    await waitFor(
      () => server.out().includes('command for intake/rw-pump-1: refused bad_signature: intent token signature is invalid'),
      'the server refused it',
    );
  }, 180_000);
});

describe('README, "Connect a Sparkplug B edge node": the worked example', () => {
  const t = tempDir('aegis-example-sparkplug-');
  const data = path.join(t.dir, 'data');
  const model = path.join(t.dir, 'plants', 'works.yaml');
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  let edge: ReturnType<typeof example>;
  let core: Core | null = null;

  beforeAll(async () => {
    fs.mkdirSync(path.dirname(model));
    broker = await startMosquitto(t.dir);
    edge = example('sparkplug-edge.ts', ['--url', broker.url, '--gateway-key', path.join(data, 'keys', 'gateway-ed25519.pub.pem')]);
  }, 30_000);
  afterAll(async () => {
    await core?.stop();
    await edge?.stop();
    await broker?.stop();
    t.cleanup();
  });

  it('import-sparkplug drafts the edge node; values arrive; a governed DCMD the edge node verifies, a forged one it refuses', async () => {
    await waitFor(() => edge.out().includes('commands verified with'), 'the edge node up', 30_000);
    expect(edge.out()).toContain('Sparkplug B edge node edge-1 (group works)');

    const drafted = await plant('import-sparkplug', broker.url, '--group', 'works', '--seconds', '3', '--rebirth', '--out', model);
    expect(drafted).toMatchObject({ code: 0, out: expect.stringContaining('1 edge node, 2 assets, 3 tags') as unknown });
    const text = fs.readFileSync(model, 'utf8');
    expect(text).toMatch(/flow: \{ unit: "m³\/h", range: \[0, 1500\].*device: "pump-1", metric: "flow"/);
    expect(text).toMatch(/Cabinet_Temp: \{ unit: "°C", range: \[-20, 80\].*device: "", metric: "Cabinet\/Temp"/);
    addSetSpeed(model, '  edge-1-pump-1:\n    name: "edge-1 / pump-1"\n');
    expect(await plant('validate', model)).toMatchObject({
      code: 0,
      out: expect.stringContaining('OK — site my-plant: 1 area, 1 line, 2 assets, 3 tags') as unknown,
    });

    core = await startApp(data, model);
    const app = core;
    await waitFor(() => app.services.live.recent('edge-1/pump-1', 10).some((r) => r.values.flow !== undefined), 'pump flow values', 30_000);
    await waitFor(() => app.services.live.recent('edge-1/edge-1', 10).some((r) => r.values.Cabinet_Temp !== undefined), 'the node’s own metric', 30_000);

    const ok = await approvedCommand(app, 'bench', setSpeed('edge-1/pump-1'));
    expect(ok).toMatchObject({ ok: true, command: 'set_speed' });
    await waitFor(
      () => edge.out().includes('DCMD for edge-1/pump-1: set_speed {"speed_pct":60} accepted (intent token verified)'),
      'the edge node verified it',
    );
    await waitFor(() => app.services.live.recent('edge-1/pump-1', 5).some((r) => r.values.Drive_Speed === 60), 'the pump at its new speed');

    // Anyone on the broker can publish a DCMD: the token check at the edge is what stops a forged one.
    const forged = setSpeed('edge-1/pump-1');
    const intruder = await mqtt.connectAsync(broker.url, { clientId: `intruder-${process.pid}` });
    const message = JSON.stringify({ args: { ...forged, parameters: { speed_pct: 100 } }, intent_token: await forgedToken(forged) });
    await intruder.publishAsync(
      sparkplugTopic('works', 'DCMD', 'edge-1', 'pump-1'),
      encodeSparkplug({ timestamp: Date.now(), metrics: [{ name: 'AegisFlow/Command', type: 'String', value: message }] }),
    );
    await intruder.endAsync();
    await waitFor(() => edge.out().includes('DCMD for edge-1/pump-1: refused (bad_signature)'), 'the edge node refused it');
  }, 120_000);
});
