import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/helpers';
import { ConfigError, ConfigSchema, loadConfig } from './config';
import { BrokerConfigSchema } from './broker';
import { HttpConfigSchema } from './http';
import { IngestConfigSchema } from './ingest';
import { SimulatorConfigSchema } from './plant';
import { StoreConfigSchema } from './store';

describe('config', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('has offline defaults: loopback everywhere, no external broker', () => {
    const c = loadConfig({ env: {} });
    expect(c.broker).toMatchObject({ host: '127.0.0.1', port: 1883, wsPort: 9001 });
    expect(c.broker.url).toBeUndefined();
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 8787 });
    expect(c.simulator.speed).toBe(100);
  });

  it('layers defaults < file < env < flags', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'aegisflow.yaml');
    fs.writeFileSync(file, 'broker:\n  port: 1000\nhttp:\n  port: 2000\nsimulator:\n  speed: 5\n');
    const c = loadConfig({
      file,
      env: { AEGISFLOW_HTTP_PORT: '3000', AEGISFLOW__simulator__speed: '7' },
      overrides: { simulator: { speed: 9 } },
    });
    expect(c.broker.port).toBe(1000); // file
    expect(c.http.port).toBe(3000); // env beats file
    expect(c.simulator.speed).toBe(9); // flag beats env
  });

  it('refuses bad values with every problem named', () => {
    expect(() => loadConfig({ env: { AEGISFLOW_MQTT_PORT: '70000' }, overrides: { simulator: { speed: -1 } } })).toThrow(/broker\.port[\s\S]*simulator\.speed/);
    expect(() => loadConfig({ env: { AEGISFLOW_HTTP_PORT: 'eighty' } })).toThrow(ConfigError);
  });

  it('explains a broken config file', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'bad.yaml');
    fs.writeFileSync(file, 'broker: [unclosed\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ file: path.join(t.dir, 'missing.yaml'), env: {} })).toThrow(/cannot read config file/);
  });

  it("takes each subsystem's section from that subsystem: the assembled config parses a section exactly as its owner does", () => {
    const input = {
      broker: { port: 1884, wsPort: null },
      http: { port: 0, allowedHosts: ['wall.plant.local'] },
      ingest: { batchSize: 10 },
      simulator: { speed: 3, columns: { power: 'kw' } },
      store: { retentionDays: 0 },
    };
    const c = loadConfig({ env: {}, overrides: input });
    expect(c.broker).toEqual(BrokerConfigSchema.parse(input.broker));
    expect(c.http).toEqual(HttpConfigSchema.parse(input.http));
    expect(c.ingest).toEqual(IngestConfigSchema.parse(input.ingest));
    expect(c.simulator).toEqual(SimulatorConfigSchema.parse(input.simulator));
    expect(c.store).toEqual(StoreConfigSchema.parse(input.store));
    expect(Object.keys(ConfigSchema.shape)).toEqual(expect.arrayContaining(['broker', 'http', 'ingest', 'simulator', 'store', 'log']));
    // A typo inside a section that moved to its subsystem is still named, with the near miss.
    expect(() => loadConfig({ env: {}, overrides: { simulator: { speeed: 3 } } })).toThrow(/simulator\.speeed \(did you mean "speed"\?\)/);
    expect(() => loadConfig({ env: {}, overrides: { http: { prot: 1 } } })).toThrow(/http\.prot \(did you mean "port"\?\)/);
  });
  it('refuses an external broker URL that is not one, or that carries a login, and a password without a username', () => {
    // A login inside the URL is shown wherever the URL is (banner, logs, connector status): the model refuses it
    // for a connector's own broker, and so does the core's config; the login goes in username/password.
    expect(() => loadConfig({ env: { AEGISFLOW_BROKER_URL: 'mqtt://ops:s3cret@10.0.0.5:1883' } })).toThrow(
      /broker\.url[\s\S]*may not contain '@'[\s\S]*AEGISFLOW_MQTT_PASSWORD/,
    );
    expect(() => loadConfig({ env: { AEGISFLOW_BROKER_URL: 'mqtt://ops:s3cret@10.0.0.5:1883' } })).not.toThrow(/s3cret/);
    expect(() => loadConfig({ env: { AEGISFLOW_BROKER_URL: '10.0.0.5:1883' } })).toThrow(/broker\.url[\s\S]*a broker URL such as mqtt:\/\/host:1883/);
    // MQTT 3.1.1 (§3.1.2.9): a password flag needs the user name flag; the broker would refuse the CONNECT
    expect(() => loadConfig({ env: { AEGISFLOW_BROKER_URL: 'mqtt://10.0.0.5:1883', AEGISFLOW_MQTT_PASSWORD: 'pw' } })).toThrow(
      /broker\.username[\s\S]*a broker password needs a username/,
    );
    const ok = loadConfig({ env: { AEGISFLOW_BROKER_URL: 'mqtts://10.0.0.5:8883', AEGISFLOW_MQTT_USERNAME: 'ops', AEGISFLOW_MQTT_PASSWORD: 'pw' } });
    expect(ok.broker).toMatchObject({ url: 'mqtts://10.0.0.5:8883', username: 'ops', password: 'pw' });
  });
});
