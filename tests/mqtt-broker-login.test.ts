// A plant broker that wants a login and TLS with the plant's own CA (issue 16, connectors part 2), as a
// plant engineer meets it: a real mosquitto with a password file, a plain and a TLS listener whose
// certificate a CA generated here signs. The password comes from an environment variable named in the
// model (password_env); a missing variable or a wrong CA is a clear status of that connector while the
// rest of the plant keeps flowing; the password never shows in a status or a log line.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { plantCommand } from '../electron/cli/commands/plant';
import { draftModelFromSparkplug, type Observed } from '../electron/cli/commands/plant-sparkplug';
import { createCore, testConfig, type Core } from '../electron/core';
import { parseModel } from '../electron/core/model';
import { createLogger } from '../electron/core/observability';
import { MOSQUITTO, freePort } from './faults/mosquitto';
import { BIN, cliSandbox } from './cli-helpers';
import { OPERATOR, tempDir, waitFor } from './helpers';
import { realPlantSettings, writeModel } from './plant-rig';

const USER = 'plant-reader';
// Unique enough that finding it anywhere means it leaked, and no masking pattern of ours would hide it.
const SECRET = `Pw7-${process.pid}-orchid`;
const ENV = 'AEGIS_TEST_PLANT_MQTT_PW';
// The core's own login on an external broker (broker.username / broker.password); this password holds an '@'.
const CORE_USER = 'core-reader';
const CORE_SECRET = `Qx7-${process.pid}-osprey@${process.pid}-tail-heron`;
const UNSET_ENV = 'AEGIS_TEST_PLANT_MQTT_PW_NEVER_SET';

const tmp = tempDir('aegis-mqtt-login-');
const lines: string[] = [];
let core: Core;
let broker: ChildProcess;
let plainUrl = '';
let tlsUrl = '';

const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: tmp.dir, stdio: 'ignore' });

/** The CA, a second CA that signed nothing of the broker, and the broker's certificate for 127.0.0.1. */
function makeCertificates(): void {
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Plant CA');
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=Other CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(tmp.dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '2', '-extfile', 'san.cnf');
  fs.chmodSync(path.join(tmp.dir, 'broker.key'), 0o644);
}

async function startMosquitto(): Promise<void> {
  const passwd = path.join(tmp.dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-b', '-c', passwd, USER, SECRET], { stdio: 'ignore' });
  execFileSync('mosquitto_passwd', ['-b', passwd, CORE_USER, CORE_SECRET], { stdio: 'ignore' });
  const [plain, secure] = [await freePort(), await freePort()];
  const conf = path.join(tmp.dir, 'mosquitto.conf');
  const f = (name: string) => path.join(tmp.dir, name);
  fs.writeFileSync(
    conf,
    [
      'per_listener_settings false',
      'allow_anonymous false',
      `password_file ${passwd}`,
      `listener ${plain} 127.0.0.1`,
      `listener ${secure} 127.0.0.1`,
      `cafile ${f('ca.pem')}`,
      `certfile ${f('broker.pem')}`,
      `keyfile ${f('broker.key')}`,
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  plainUrl = `mqtt://127.0.0.1:${plain}`;
  tlsUrl = `mqtts://127.0.0.1:${secure}`;
  let stderr = '';
  broker = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  broker.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(
    async () => {
      if (broker.exitCode !== null) throw new Error(`mosquitto exited ${broker.exitCode}: ${stderr}`);
      const probe = await mqtt.connectAsync(plainUrl, { username: USER, password: SECRET, reconnectPeriod: 0, connectTimeout: 1000 }).catch(() => null);
      await probe?.endAsync();
      return probe !== null;
    },
    'mosquitto to accept the plant user',
    10_000,
  );
}

const connector = (id: string, broker: string) => `  - { id: ${id}, type: mqtt-json, broker: ${broker}, topic: '${id}/{device}', value: '$.{tag}' }`;
const tank = (id: string) => `  ${id}:
    tags:
      level: { unit: m, range: [0, 10], sampling_s: 1, source: { connector: ${id} } }`;
const CONNECTORS = ['local', 'plain', 'nopw', 'tls', 'badca', 'inclear', 'sptls', 'spnopw', 'opcclear'] as const;

function plantModel(): string {
  return `plant_model: 1
site: { id: s1 }
connectors:
${connector('local', 'embedded')}
${connector('plain', `{ url: '${plainUrl}', username: ${USER}, password_env: ${ENV} }`)}
${connector('nopw', `{ url: '${plainUrl}', username: ${USER}, password_env: ${UNSET_ENV} }`)}
${connector('tls', `{ url: '${tlsUrl}', username: ${USER}, password_env: ${ENV}, ca: certs/ca.pem }`)}
${connector('badca', `{ url: '${tlsUrl}', username: ${USER}, password_env: ${ENV}, ca: certs/other-ca.pem }`)}
${connector('inclear', `{ url: '${plainUrl}', username: ${USER}, password: '${SECRET}' }`)}
  - { id: sptls, type: sparkplug-b, group: g1, broker: { url: '${tlsUrl}', username: ${USER}, password_env: ${ENV}, ca: certs/ca.pem } }
  - { id: spnopw, type: sparkplug-b, group: g2, broker: { url: '${plainUrl}', username: ${USER}, password_env: ${UNSET_ENV} } }
  - { id: opcclear, type: opc-ua, endpoint: 'opc.tcp://127.0.0.1:9', security_mode: None, user: { username: op, password: '${SECRET}' } }
asset_types:
${CONNECTORS.map(tank).join('\n')}
areas:
  - id: a1
    lines:
      - id: l1
        assets:
${CONNECTORS.map((c) => `          - { id: ${c}-tank, type: ${c} }`).join('\n')}
`;
}

const status = (id: string) => core.services.ingest.connectors().find((c) => c.id === id);

/** Publish a level to a connector's topic on its broker and wait until that connector has counted it. */
async function deliver(id: string, url: string, opts: mqtt.IClientOptions, level: number): Promise<void> {
  const before = status(id)?.values ?? 0;
  const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...opts });
  try {
    await pub.publishAsync(`${id}/l1/${id}-tank`, JSON.stringify({ level }), { qos: 1 });
    await waitFor(() => (status(id)?.values ?? 0) > before, `${id} to receive a value`, 15_000);
  } finally {
    await pub.endAsync();
  }
}

beforeAll(async () => {
  makeCertificates();
  await startMosquitto();
  // The CA is named relative to the model file, in a folder of its own.
  fs.mkdirSync(path.join(tmp.dir, 'plant', 'certs'), { recursive: true });
  for (const f of ['ca.pem', 'other-ca.pem']) fs.copyFileSync(path.join(tmp.dir, f), path.join(tmp.dir, 'plant', 'certs', f));
  const file = writeModel(path.join(tmp.dir, 'plant'), plantModel());
  vi.stubEnv(ENV, SECRET);
  delete process.env[UNSET_ENV];
  const logger = createLogger({ level: 'info', stream: { write: (l: string) => void lines.push(l) } });
  core = createCore(testConfig(path.join(tmp.dir, 'data'), { ...realPlantSettings(file), http: { enabled: false } }), { logger });
  await core.start();
}, 90_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await core?.stop();
  if (broker && broker.exitCode === null) {
    const exited = new Promise<void>((r) => broker.once('exit', () => r()));
    broker.kill('SIGTERM');
    await exited;
  }
  tmp.cleanup();
});

const login = () => ({ username: USER, password: SECRET });
const ca = () => fs.readFileSync(path.join(tmp.dir, 'ca.pem'));

describe('an MQTT JSON connector on a broker that wants a login', () => {
  it('logs in with the password from the environment variable password_env names, and reads values', async () => {
    await waitFor(() => status('plain')?.state === 'connected', 'plain connected', 15_000);
    await deliver('plain', plainUrl, login(), 4.2);
    expect(status('plain')).toMatchObject({ state: 'connected', errors: 0 });
  });

  it('with that variable unset is down, saying which variable, while the rest of the plant keeps flowing', async () => {
    await waitFor(() => status('nopw')?.state === 'down', 'nopw down', 15_000);
    expect(status('nopw')?.lastError).toBe(`the environment variable ${UNSET_ENV} (the password of broker user ${USER}) is not set`);
    expect(core.services.alarms.find('connector:nopw:communication')).toMatchObject({ active: true });
    await deliver('local', core.services.broker.url, {}, 1.5);
    await deliver('plain', plainUrl, login(), 2.5);
    const reply = await core.api.call('connectors.status', {}, OPERATOR);
    if (!reply.ok) throw new Error(reply.error.message);
    expect(reply.result.find((c) => c.id === 'nopw')).toMatchObject({ state: 'down', values: 0 });
  });

  it('with a password written in the model file connects, and warns once that it is stored in clear', async () => {
    await waitFor(() => status('inclear')?.state === 'connected', 'inclear connected', 15_000);
    const warnings = lines.filter((l) => l.includes('connector inclear: the broker password is written in clear'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('broker.password_env');
    expect(lines.filter((l) => l.includes('the broker password is written in clear') && !l.includes('inclear'))).toEqual([]);
  });

  it('an OPC UA connector with its user password in the model file warns the same way at start', () => {
    const warnings = lines.filter((l) => l.includes('connector opcclear: the user password is written in clear in the plant model file'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('user.password_env');
    expect(warnings[0]).not.toContain(SECRET);
  });
});

describe('an MQTT JSON connector on a TLS broker with the plant’s own CA', () => {
  it('with broker.ca (relative to the model file) connects over TLS and reads values', async () => {
    await waitFor(() => status('tls')?.state === 'connected', 'tls connected', 15_000);
    expect(status('tls')?.endpoint).toBe(tlsUrl);
    await deliver('tls', tlsUrl, { ...login(), ca: ca() }, 7.5);
  });

  it('with a CA that did not sign the broker’s certificate is down, saying so and naming the CA file', async () => {
    await waitFor(() => status('badca')?.state === 'down' && /certificate/.test(status('badca')?.lastError ?? ''), 'badca down', 15_000);
    expect(status('badca')?.lastError).toMatch(
      new RegExp(
        `certificate.*\\(the broker's certificate is not signed by the CA in ${path.join(tmp.dir, 'plant', 'certs', 'other-ca.pem').replace(/[.]/g, '\\.')}\\)$`,
      ),
    );
  });
});

describe('a Sparkplug B connector reads its broker login and CA the same way', () => {
  it('logs in over TLS with the CA and the password from password_env; with the variable unset it is down, saying which', async () => {
    await waitFor(() => status('sptls')?.state === 'connected', 'sptls connected', 15_000);
    await waitFor(() => status('spnopw')?.state === 'down', 'spnopw down', 15_000);
    expect(status('spnopw')?.lastError).toBe(`the environment variable ${UNSET_ENV} (the password of broker user ${USER}) is not set`);
  });
});

describe('the broker password shows nowhere', () => {
  it('not in the connectors’ status, the plant snapshot or any log line', async () => {
    await waitFor(() => status('inclear')?.state === 'connected' && status('plain')?.state === 'connected', 'both connected', 15_000);
    const reply = await core.api.call('connectors.status', {}, OPERATOR);
    const snapshot = await core.api.call('plant.snapshot', {}, OPERATOR);
    const model = await core.api.call('plant.model', {}, OPERATOR);
    expect(reply.ok && snapshot.ok && model.ok).toBe(true);
    expect(lines.length).toBeGreaterThan(0);
    for (const [what, text] of [
      ['connectors.status', JSON.stringify(reply)],
      ['plant.snapshot', JSON.stringify(snapshot)],
      ['plant.model', JSON.stringify(model)],
      ['logs', lines.join('')],
    ] as const) {
      expect(text.includes(SECRET), `${what} holds the password`).toBe(false);
    }
  });
});

describe('the core on an external broker with a login', () => {
  const dir = tempDir('aegis-mqtt-core-login-');
  const coreLines: string[] = [];
  let app: Core;

  beforeAll(async () => {
    const file = writeModel(
      dir.dir,
      `plant_model: 1
site: { id: s2 }
connectors:
${connector('local', 'embedded')}
asset_types:
${tank('local')}
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: local-tank, type: local }
`,
    );
    const logger = createLogger({ level: 'info', stream: { write: (l: string) => void coreLines.push(l) } });
    app = createCore(
      testConfig(path.join(dir.dir, 'data'), {
        ...realPlantSettings(file),
        http: { enabled: false },
        broker: { url: plainUrl, username: CORE_USER, password: CORE_SECRET },
      }),
      { logger },
    );
    await app.start();
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    dir.cleanup();
  });

  it('refuses a login written into broker.url, naming the settings to use and no part of the password', () => {
    const url = plainUrl.replace('//', `//${CORE_USER}:${CORE_SECRET}@`);
    let message = '';
    try {
      testConfig(path.join(dir.dir, 'data2'), { broker: { url } });
    } catch (e) {
      message = String(e);
    }
    expect(message).toContain("broker.url: a broker URL may not contain '@'");
    expect(message).toContain('broker.username and broker.password');
    for (const part of CORE_SECRET.split('@')) expect(message.includes(part), `"${part}" of the password is shown`).toBe(false);
  });

  it('reads through it, and neither the connector status nor a log line shows any part of the password', async () => {
    await waitFor(() => app.services.ingest.connectors()[0]?.state === 'connected', 'connected with the login', 15_000);
    const pub = await mqtt.connectAsync(plainUrl, { reconnectPeriod: 0, username: CORE_USER, password: CORE_SECRET });
    try {
      await pub.publishAsync('local/l1/local-tank', JSON.stringify({ level: 3 }), { qos: 1 });
      await waitFor(() => (app.services.ingest.connectors()[0]?.values ?? 0) > 0, 'a value', 15_000);
    } finally {
      await pub.endAsync();
    }
    const reply = await app.api.call('connectors.status', {}, OPERATOR);
    if (!reply.ok) throw new Error(reply.error.message);
    expect(reply.result[0]?.endpoint).toBe(plainUrl);
    expect(coreLines.some((l) => l.includes('using external MQTT broker'))).toBe(true);
    const shown = JSON.stringify(reply) + coreLines.join('');
    for (const part of CORE_SECRET.split('@')) expect(shown.includes(part), `"${part}" of the password is shown`).toBe(false);
  });
});

describe('aegisflow serve on an external broker with a login', () => {
  const dir = tempDir('aegis-mqtt-serve-login-');
  afterAll(() => dir.cleanup());

  /** Runs serve with --broker-url url (the login from the environment) until its banner or its exit; returns stderr and the exit code. */
  async function serve(url: string, env: NodeJS.ProcessEnv): Promise<{ err: string; code: number | null }> {
    const p = spawn(
      process.execPath,
      [BIN, 'serve', '--http-port', '0', '--no-mqtt-ws', '--no-simulator', '--log-level', 'silent', '--broker-url', url, '--data-dir', dir.dir],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
    );
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    try {
      await waitFor(() => err.includes('Press Ctrl-C to stop.') || p.exitCode !== null, 'the serve banner or its exit', 40_000);
    } finally {
      if (p.exitCode === null) p.kill('SIGTERM');
      await exited;
    }
    return { err, code: p.exitCode };
  }

  it('names the broker in its banner, and shows no part of the password', async () => {
    const { err } = await serve(plainUrl, { AEGISFLOW_MQTT_USERNAME: CORE_USER, AEGISFLOW_MQTT_PASSWORD: CORE_SECRET });
    expect(err).toMatch(new RegExp(`MQTT +${plainUrl.replace(/[.]/g, '\\.')}\\n`));
    for (const part of CORE_SECRET.split('@')) expect(err.includes(part), `"${part}" of the password is shown`).toBe(false);
  }, 60_000);

  it('refuses a login in --broker-url before it starts, naming the variables to use and no part of the password', async () => {
    const { err, code } = await serve(plainUrl.replace('//', `//${CORE_USER}:${CORE_SECRET}@`), {});
    expect(code).toBe(2);
    expect(err).toContain("broker.url: a broker URL may not contain '@'");
    expect(err).toContain('AEGISFLOW_MQTT_USERNAME, AEGISFLOW_MQTT_PASSWORD');
    for (const part of CORE_SECRET.split('@')) expect(err.includes(part), `"${part}" of the password is shown`).toBe(false);
  }, 60_000);
});

describe('plant import-sparkplug and a broker login', () => {
  const box = cliSandbox('aegis-mqtt-import-login-');

  it('names a broker URL given with a login without any part of its password, in its errors and its progress', async () => {
    const url = plainUrl.replace('//', `//${CORE_USER}:${CORE_SECRET}@`);
    expect(await plantCommand.run(['import-sparkplug', url, '--ca', path.join(tmp.dir, 'ca.pem')])).toBe(2);
    expect(box.err.join('')).toContain(`--ca is for a TLS broker (mqtts://, wss://); ${plainUrl} is not one`);
    expect(await plantCommand.run(['import-sparkplug', url, '--group', 'none', '--seconds', '0.2'])).toBe(1);
    expect(box.err.join('')).toContain(`listening on ${plainUrl} (spBv1.0/none/#)`);
    for (const part of CORE_SECRET.split('@')) expect(box.err.join('').includes(part), `"${part}" of the password is shown`).toBe(false);
  });

  it('plant validate accepts passwords written in clear but names each connector holding one, never the password', async () => {
    const file = writeModel(
      box.dir,
      `plant_model: 1
site: { id: s3 }
connectors:
  - { id: local, type: mqtt-json, topic: 'p/{device}' }
  - { id: inclear, type: mqtt-json, topic: 'q/{device}', broker: { url: 'mqtt://127.0.0.1:1883', username: u, password: '${SECRET}' } }
  - { id: fromenv, type: mqtt-json, topic: 'r/{device}', broker: { url: 'mqtt://127.0.0.1:1883', username: u, password_env: ${ENV} } }
  - { id: plc, type: opc-ua, endpoint: 'opc.tcp://plc:4840', security_mode: None, user: { username: op, password: '${SECRET}' } }
asset_types:
  tank:
    tags:
      level: { range: [0, 10], sampling_s: 1 }
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: t1, type: tank }
`,
    );
    expect(await plantCommand.run(['validate', file])).toBe(0);
    expect(box.out.join('')).toContain(`${file}: OK`);
    expect(box.err.join('').trim().split('\n')).toEqual([
      'warning: connector inclear: the broker password is written in clear in the plant model file; put it in an environment variable and name it in broker.password_env',
      'warning: connector plc: the user password is written in clear in the plant model file; put it in an environment variable and name it in user.password_env',
    ]);
  });

  it('with --username drafts a connector that reads the password from the variable the import read it from', () => {
    const observed: Observed = { devices: new Map(), unborn: new Set(), messages: 1 };
    observed.devices.set('g/n/d', {
      group: 'g',
      node: 'n',
      device: 'd',
      aliases: new Map(),
      metrics: new Map([['flow', { name: 'flow', type: 'Double', unit: 'm³/h', eng: [0, 10], min: 1, max: 2, times: [0, 1000] }]]),
    });
    const d = draftModelFromSparkplug(observed, { url: 'mqtts://broker:8883', username: 'aegisflow', ca: 'ca.pem' });
    const r = parseModel(d.yaml, 'x.yaml');
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    expect(r.connectors[0]).toMatchObject({
      broker: { url: 'mqtts://broker:8883', username: 'aegisflow', password_env: 'AEGISFLOW_SPARKPLUG_PASSWORD', ca: 'ca.pem' },
    });
    expect(d.yaml).toMatch(/# CHECK: the broker password: AegisFlow reads it from the environment variable AEGISFLOW_SPARKPLUG_PASSWORD/);
    expect(d.yaml).not.toMatch(/add password:/);
  });
});
