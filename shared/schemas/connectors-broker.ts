// The broker an MQTT-based connector (MQTT JSON, Sparkplug B) reads from, as the plant model file spells it:
// `embedded` is the core's own broker (the embedded aedes, or the external one the core is configured with);
// an object gives the connector a client of its own.
import { z } from 'zod';

/** A broker URL (the schemes mqtt.js connects to). */
export const BROKER_URL = /^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/;
/** A broker URL over TLS: the only kind a CA applies to. */
export const TLS_URL = /^(mqtts|wss|ssl):/;

/**
 * A broker of the connector's own: its URL, login and CA. The password comes from an environment variable
 * (`password_env`, as OPC UA's user) so the model file, which is shared, versioned and exported, holds no
 * secret; `password` in the file is still read (loopback test rigs) and warned about at start.
 */
/**
 * A broker URL with no login in it: the URL is the endpoint every status, log line and error names. Refused for any
 * '@', not only before the host: a password holding '/' or '@' would otherwise slip past a mask of "//user:pass@".
 * `loginIn` names where the login goes instead.
 */
export function brokerUrlSchema(loginIn: string) {
  return z
    .string()
    .regex(BROKER_URL, 'a broker URL such as mqtt://host:1883 or mqtts://host:8883')
    .refine(
      (u) => !u.includes('@'),
      `a broker URL may not contain '@': a login in the URL (user:password@host) would be shown wherever the URL is; give ${loginIn}`,
    );
}

export const OwnBrokerSchema = z
  .strictObject({
    url: brokerUrlSchema('broker.username and broker.password_env'),
    username: z.string().max(256).optional(),
    /** The environment variable holding the password, read when the connector starts. */
    password_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    password: z.string().max(1024).optional(),
    /** mqtts / wss: the CA certificate (PEM file, relative to the model file) the broker's certificate is signed by. */
    ca: z.string().min(1).max(4096).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.password !== undefined && b.password_env !== undefined)
      ctx.addIssue({ code: 'custom', message: 'give the broker either password_env (an environment variable, recommended) or password, not both' });
    // MQTT 3.1.1 §3.1.2.9: a password needs a user name; the broker would refuse every CONNECT, which reads as a down link
    if ((b.password !== undefined || b.password_env !== undefined) && b.username === undefined)
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'a broker password needs a username: give broker.username too' });
    // A CA on a plain mqtt:// URL would read as "TLS with our CA" while everything goes in clear.
    if (b.ca !== undefined && !TLS_URL.test(b.url))
      ctx.addIssue({ code: 'custom', path: ['ca'], message: `ca is the CA of a TLS broker (mqtts://, wss://, ssl://); ${withoutLogin(b.url)} is not one` });
  });
export type OwnBroker = z.output<typeof OwnBrokerSchema>;

/** `embedded` (the default) or a broker of the connector's own. */
export const BrokerSettingSchema = z.union([z.literal('embedded'), OwnBrokerSchema]).default('embedded');

/**
 * A broker URL as it may be shown (status, logs, errors): without a login it carries. The core's own
 * `broker.url` (config) may still hold one; everything up to the last '@' before the path goes.
 */
export function withoutLogin(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/]*@/, '$1');
}
