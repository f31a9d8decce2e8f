// The login and CA of a connector's own broker (MQTT JSON and Sparkplug B alike): one place reads the
// password from its environment variable and the CA file, so both connectors refuse the same way and
// with the same words, and a TLS refusal says what to give the connector.
import fs from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { OwnBroker } from '../../../shared/schemas/connectors-broker';
import { clearPasswordWarning, type ConnectorSettings } from '../../../shared/schemas/connectors';
import type { Logger } from '../observability';

export type BrokerLogin = { ok: true; options: Pick<IClientOptions, 'username' | 'password' | 'ca'> } | { ok: false; error: string };

/**
 * The client options of a connector's own broker, read when the connector starts (so a variable set or a CA
 * replaced before a model reload is taken). `own.ca` is already resolved against the model file's folder.
 * A password written in the model file works (loopback test rigs) but is warned about on each start.
 */
export function ownBrokerLogin(settings: ConnectorSettings, own: OwnBroker, log: Logger, env: NodeJS.ProcessEnv = process.env): BrokerLogin {
  let password = own.password;
  if (own.password_env !== undefined) {
    password = env[own.password_env];
    if (password === undefined) {
      const whose = own.username === undefined ? 'the broker password' : `the password of broker user ${own.username}`;
      return { ok: false, error: `the environment variable ${own.password_env} (${whose}) is not set` };
    }
  } else if (password !== undefined) {
    log.warn({ connector: settings.id }, clearPasswordWarning(settings) ?? '');
  }
  let ca: Buffer | undefined;
  if (own.ca) {
    try {
      ca = fs.readFileSync(own.ca);
    } catch (err) {
      return { ok: false, error: `cannot read the broker's CA file ${own.ca}: ${(err as Error).message}` };
    }
  }
  return { ok: true, options: { username: own.username, password, ...(ca ? { ca } : {}) } };
}

/** A TLS refusal of the broker's certificate says what to do about it: the CA is a setting of the connector. */
export function tlsHint(message: string, ca: string | undefined): string {
  if (!/self[- ]signed certificate|unable to (get|verify) .*(issuer|certificate)|certificate chain/i.test(message)) return message;
  return ca
    ? `${message} (the broker's certificate is not signed by the CA in ${ca})`
    : `${message} (the broker's certificate is signed by a CA this machine does not know: give the connector's broker its ca: FILE)`;
}
