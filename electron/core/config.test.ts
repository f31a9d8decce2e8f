import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/helpers';
import { ConfigError, loadConfig } from './config';

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
});
