// The broker of an MQTT connector as the model file spells it (issue 16): a login whose password stays
// out of the file (password_env), the plant's CA for TLS, and no login inside the URL, where every
// status, log line and error that names the broker would show it.
import { describe, expect, it } from 'vitest';
import { parseConnectorSettings } from './connectors';

const mqttJson = (broker: unknown) => parseConnectorSettings({ id: 'c1', type: 'mqtt-json', topic: 'p/{device}', broker } as never);
const sparkplug = (broker: unknown) => parseConnectorSettings({ id: 'c1', type: 'sparkplug-b', group: 'g', broker } as never);
const messages = (r: ReturnType<typeof mqttJson>) => (r.ok ? [] : r.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

describe.each([
  ['mqtt-json', mqttJson],
  ['sparkplug-b', sparkplug],
])('the own broker of a %s connector', (_type, parse) => {
  it('takes a user whose password is read from an environment variable, and a CA file for mqtts', () => {
    const r = parse({ url: 'mqtts://broker.plant:8883', username: 'aegisflow', password_env: 'PLANT_MQTT_PW', ca: 'plant-ca.pem' });
    expect(messages(r)).toEqual([]);
    expect(r.ok && r.settings.type !== 'opc-ua' && r.settings.broker).toEqual({
      url: 'mqtts://broker.plant:8883',
      username: 'aegisflow',
      password_env: 'PLANT_MQTT_PW',
      ca: 'plant-ca.pem',
    });
  });

  it('still takes a password written in the file (loopback test rigs)', () => {
    expect(messages(parse({ url: 'mqtt://127.0.0.1:1883', username: 'u', password: 'pw' }))).toEqual([]);
  });

  it('refuses password and password_env together, naming both', () => {
    expect(messages(parse({ url: 'mqtt://h:1883', username: 'u', password: 'pw', password_env: 'PW' }))).toEqual([
      'broker: give the broker either password_env (an environment variable, recommended) or password, not both',
    ]);
  });

  it('refuses a password_env that is no environment variable name', () => {
    expect(messages(parse({ url: 'mqtt://h:1883', username: 'u', password_env: 'my password' }))).toEqual([
      'broker.password_env: an environment variable name',
    ]);
  });

  it('refuses a login inside the URL without echoing it, and points to username / password_env', () => {
    const m = messages(parse({ url: 'mqtt://plantuser:Hunter2-secret@broker.plant:1883' }));
    expect(m).toEqual([
      "broker.url: a broker URL may not contain '@': a login in the URL (user:password@host) would be shown wherever the URL is; give broker.username and broker.password_env",
    ]);
    expect(m.join()).not.toContain('Hunter2');
  });

  it('refuses a password (in the file or from the environment) without a username', () => {
    // MQTT 3.1.1 §3.1.2.9: the password flag needs the user name flag; the broker would refuse every CONNECT
    for (const login of [{ password: 'pw' }, { password_env: 'PLANT_MQTT_PW' }])
      expect(messages(parse({ url: 'mqtt://h:1883', ...login }))).toEqual(['broker.username: a broker password needs a username: give broker.username too']);
  });

  it('refuses a CA for a broker without TLS', () => {
    expect(messages(parse({ url: 'mqtt://h:1883', ca: 'ca.pem' }))).toEqual([
      'broker.ca: ca is the CA of a TLS broker (mqtts://, wss://, ssl://); mqtt://h:1883 is not one',
    ]);
  });

  it('still refuses unknown keys', () => {
    expect(messages(parse({ url: 'mqtt://h:1883', user: 'u' }))).toEqual(['broker: Unrecognized key: "user"']);
  });
});
