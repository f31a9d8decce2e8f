// The OPC UA connector against a real node-opcua server exposing the water-treatment model's tags
// (tests/opcua-server.ts): SignAndEncrypt with a user name; the server's certificate is refused until
// trusted; values arrive with quality and source timestamps; a bad node is marked bad; a server restart
// on the same port is survived. The PKI lives in the test's data dir.
import fs from 'node:fs';
import path from 'node:path';
import { StatusCodes } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../electron/core/clock';
import { createConnectors, type Connector, type ConnectorContext, type ConnectorStatus, type TagSample } from '../electron/core/connectors';
import { pkiDir } from '../electron/core/connectors/opcua-pki';
import type { ModelIndex } from '../electron/core/model';
import { createLogger } from '../electron/core/observability';
import { freePort, tempDir, waitFor } from './helpers';
import { modelOf, startPlantServer, waterOverOpcUa, type PlantServer } from './opcua-server';

const PW_ENV = 'AEGIS_TEST_OPCUA_PASSWORD';
const FLOW = 'intake/rw-pump-1/flow';
const LEVEL = 'intake/intake-well-1/level';
const FLOW2 = 'intake/rw-pump-2/flow';

describe('the OPC UA connector against a real server (SignAndEncrypt, user name)', () => {
  const t = tempDir('aegis-opcua-');
  const dataDir = path.join(t.dir, 'data');
  let port = 0;
  let server: PlantServer;
  let connector: Connector;
  let model: ModelIndex;
  const samples: TagSample[] = [];
  /** What the connector asked of ingest, in order: 'e' an emit, 'c' a commit. */
  const calls: string[] = [];
  let storeRefuses = false;
  const statuses: ConnectorStatus[] = [];
  const rejects: string[] = [];
  const clock = manualClock(Date.now());
  const startServer = () =>
    startPlantServer({
      model: model.model,
      port,
      pkiDir: path.join(t.dir, 'server-pki'),
      users: { operator: 'secret-pw-1' },
      tickMs: 200,
      securityModes: ['SignAndEncrypt'],
    });

  beforeAll(async () => {
    port = await freePort();
    process.env[PW_ENV] = 'secret-pw-1';
    model = modelOf(
      waterOverOpcUa(`  - id: wtp-opc
    type: opc-ua
    endpoint: opc.tcp://127.0.0.1:${port}
    security_mode: SignAndEncrypt
    user: { username: operator, password_env: ${PW_ENV} }
    publishing_interval_ms: 100`),
    );
    server = await startServer();
    const ctx: ConnectorContext = {
      broker: { url: 'mqtt://unused' } as ConnectorContext['broker'],
      emit: (s) => {
        calls.push('e');
        samples.push(...s);
      },
      reject: (reason, topic) => rejects.push(`${reason} ${topic}`),
      commit: () => {
        calls.push('c');
        return !storeRefuses;
      },
      onStatus: (s) => statuses.push(s),
      sessionId: (id) => id,
      clock,
      plantNow: () => Date.now(),
      window: { pastMs: 86_400_000, futureMs: 300_000 },
      maxPayloadBytes: 16 * 1024,
      log: createLogger({ level: 'silent' }),
      dataDir,
    };
    const [c] = createConnectors(model, ctx);
    if (!c) throw new Error('no connector');
    connector = c;
    await connector.start();
  }, 60_000);
  afterAll(async () => {
    await connector?.stop();
    await server?.stop();
    delete process.env[PW_ENV];
    t.cleanup();
  });

  it('refuses the untrusted server certificate, naming its thumbprint, until it is trusted', async () => {
    const down = await waitFor(() => statuses.find((s) => s.untrusted), 'an untrusted certificate status');
    expect(down.state).toBe('down');
    expect(down.untrusted?.thumbprint).toMatch(/^[0-9a-f]{40}$/);
    expect(down.lastError).toContain(`untrusted server certificate ${down.untrusted?.thumbprint}`);
    expect(samples).toHaveLength(0);
    // Our certificate and key were created in the data dir on first start; the key is ours alone.
    const pki = pkiDir(dataDir, 'wtp-opc');
    const key = path.join(pki, 'own', 'private', 'private_key.pem');
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.join(pki, 'own', 'certs')).length).toBeGreaterThan(0);
    expect(await connector.trust?.('0'.repeat(40))).toBe(false);
    expect(await connector.trust?.(down.untrusted?.thumbprint.toUpperCase() ?? '')).toBe(true);
    await waitFor(() => connector.status().state === 'connected', 'connected after trust');
    expect(connector.status().untrusted).toBeUndefined();
    expect(fs.readdirSync(path.join(pki, 'trusted', 'certs')).join()).toContain(down.untrusted?.thumbprint);
  }, 30_000);

  it('delivers every tag with its source timestamp (1 s and 60 s tags), good quality', async () => {
    const tagCount = model.model.assets.reduce((n, a) => n + a.tags.length, 0);
    await waitFor(() => new Set(samples.map((s) => s.tag)).size === tagCount, 'a value of every tag');
    await waitFor(() => samples.filter((s) => s.tag === FLOW).length >= 3, 'three flow values');
    const flow = samples.filter((s) => s.tag === FLOW);
    expect(flow[0]).toMatchObject({ device_id: 'intake/rw-pump-1', key: 'flow' });
    expect(flow.every((s) => s.quality === undefined && typeof s.value === 'number')).toBe(true);
    // The source timestamp is the server's, not our arrival time: a value stamped 5 s ago arrives with that stamp.
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000);
    server.setValue(FLOW2, 777.5, StatusCodes.Good, at);
    const stamped = await waitFor(() => samples.find((s) => s.tag === FLOW2 && s.value === 777.5), 'the stamped value');
    expect(stamped.ts).toBe(at.getTime());
    expect(rejects).toEqual([]);
    expect(connector.status()).toMatchObject({ state: 'connected', type: 'opc-ua', errors: 0 });
  }, 30_000);

  it("commits each publish response's values as it emits them (no wait for ingest's flush timer); while the store refuses, once a second", async () => {
    const from = calls.length;
    const values = samples.length;
    await waitFor(() => samples.length >= values + 20, 'more values');
    const seen = calls.slice(from).join('');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toMatch(/^(ec)+$/);
    // The store refuses (disk full): ingest keeps what it was given and retries every second; the
    // connector does not ask for a commit at every publish response meanwhile, but once per second of its clock.
    storeRefuses = true;
    const at = calls.length;
    const emitsIn = (from: number) => calls.slice(from).filter((c) => c === 'e').length;
    const commitsIn = (from: number) => calls.slice(from).filter((c) => c === 'c').length;
    await waitFor(() => emitsIn(at) >= 5, 'five responses while the store refuses');
    expect(commitsIn(at)).toBe(1);
    clock.advance(1000);
    const later = calls.length;
    await waitFor(() => emitsIn(later) >= 3, 'three responses a second later');
    expect(commitsIn(later)).toBe(1);
    storeRefuses = false;
    clock.advance(1000);
    const back = calls.length;
    await waitFor(() => emitsIn(back) >= 3, 'three responses once the store takes them again');
    expect(calls.slice(back).join('')).toMatch(/^(ec)+$/);
  }, 30_000);

  it('a node whose status turns bad is marked bad (no value); uncertain keeps its value, marked', async () => {
    server.setStatus(LEVEL, StatusCodes.BadSensorFailure);
    const bad = await waitFor(() => samples.find((s) => s.tag === LEVEL && s.quality?.level === 'bad'), 'a bad level');
    expect(bad).toMatchObject({ value: null, quality: { level: 'bad', reason: 'source', detail: 'BadSensorFailure' } });
    server.setValue(LEVEL, 4.2, StatusCodes.UncertainLastUsableValue);
    const unc = await waitFor(() => samples.find((s) => s.tag === LEVEL && s.quality?.level === 'uncertain'), 'an uncertain level');
    expect(unc).toMatchObject({ value: 4.2, quality: { level: 'uncertain', reason: 'source', detail: 'UncertainLastUsableValue' } });
    server.setValue(LEVEL, 5.5);
    await waitFor(() => samples.at(-1) && samples.filter((s) => s.tag === LEVEL).at(-1)?.value === 5.5, 'a good level again');
    expect(samples.filter((s) => s.tag === LEVEL).at(-1)?.quality).toBeUndefined();
  }, 30_000);

  it('survives a server restart: down while it is gone, values resume after', async () => {
    await server.stop();
    await waitFor(() => connector.status().state === 'down', 'down after the server stopped');
    server = await startServer();
    const restarted = Date.now();
    await waitFor(() => connector.status().state === 'connected', 'connected again', 60_000);
    await waitFor(() => samples.some((s) => s.tag === FLOW && s.ts >= restarted + 500), 'flow values from the new server', 30_000);
    expect(connector.status().untrusted).toBeUndefined();
  }, 90_000);
});
