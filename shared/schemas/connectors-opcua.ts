// The OPC UA client connector's settings and tag bindings as the plant model file spells them (issue 16).
// The connector itself is electron/core/connectors/opcua.ts; README "Connect an OPC UA server" has an example.
import { z } from 'zod';

/** Placeholders a node id pattern may use (the same as mqtt-json's topic patterns). */
const NODE_PLACEHOLDERS = ['site', 'area', 'line', 'asset', 'device', 'tag'];

/**
 * An OPC UA node id in its string form, optionally with placeholders: `ns=2;s=Pump1.Flow`, `ns=3;i=1001`,
 * `nsu=urn:vendor:plant;s={device}/{tag}`, `i=85`. The identifier kind is i (numeric), s (string), g (GUID) or b (opaque).
 */
export const nodeIdPattern = z
  .string()
  .min(3)
  .max(1024)
  .superRefine((s, ctx) => {
    for (const m of s.matchAll(/\{([^{}]*)\}/g)) {
      if (!NODE_PLACEHOLDERS.includes(m[1] ?? '')) return ctx.addIssue({ code: 'custom', message: `unknown placeholder {${m[1]}} in node id "${s}"` });
    }
    if (!/^(?:(?:ns=\d+|nsu=[^;]+);)?(?:i=(?:\d+|\{[a-z]+\})|s=.+|g=[0-9A-Fa-f{}-]+|b=[A-Za-z0-9+/={}]+)$/.test(s))
      ctx.addIssue({ code: 'custom', message: `"${s}" is not an OPC UA node id (e.g. ns=2;s=Pump1.Flow, ns=3;i=1001, nsu=urn:x;s=Tag)` });
  });

export const OPCUA_SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;

/** A deadband in engineering units, or as a percent of the tag's engineering range. */
const deadband = z.union([z.number().finite().min(0), z.strictObject({ percent: z.number().finite().min(0).max(100) })]);

/**
 * OPC UA client: one session to one server endpoint; one subscription with a monitored item per tag.
 * Security: None / Sign / SignAndEncrypt (Basic256Sha256). With Sign or SignAndEncrypt the server's
 * certificate must be in the trust list under the data dir (`connectors.trust`, or the Plant pane).
 */
export const OpcUaSettingsSchema = z
  .strictObject({
    id: z.string(),
    type: z.literal('opc-ua'),
    endpoint: z.string().regex(/^opc\.tcp:\/\/[^\s/:]+(:\d+)?(\/\S*)?$/, 'an OPC UA endpoint URL such as opc.tcp://plc.local:4840'),
    security_mode: z.enum(OPCUA_SECURITY_MODES).default('SignAndEncrypt'),
    /** The only policy offered for Sign / SignAndEncrypt (the older ones are deprecated by the OPC Foundation). */
    security_policy: z.literal('Basic256Sha256').default('Basic256Sha256'),
    /**
     * Anonymous, or a user name whose password is read from an environment variable (`password_env`,
     * recommended: the model file stays free of secrets) or, for test rigs, written in the file (`password`).
     */
    user: z
      .union([
        z.literal('anonymous'),
        z.strictObject({
          username: z.string().min(1).max(256),
          password_env: z
            .string()
            .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
            .optional(),
          password: z.string().max(1024).optional(),
        }),
      ])
      .default('anonymous'),
    /** A tag's node id when its binding gives none. Default: the string node `{device}/{tag}` in namespace 1. */
    node: nodeIdPattern.default('ns=1;s={device}/{tag}'),
    /** How often the server sends the changes it sampled (ms). */
    publishing_interval_ms: z.number().int().min(50).max(60_000).default(500),
    /** Default deadband of every tag (see the tag binding's `deadband`); none by default. */
    deadband: deadband.optional(),
    /**
     * Commands: the method `method` on the object `object`, called with one String argument (the command
     * message JSON, with its intent token) and answering one String (the device's acknowledgement JSON).
     */
    command: z
      .strictObject({
        object: nodeIdPattern.default('ns=1;s={device}'),
        method: nodeIdPattern.default('ns=1;s={device}/Command'),
      })
      .default({ object: 'ns=1;s={device}', method: 'ns=1;s={device}/Command' }),
  })
  .superRefine((s, ctx) => {
    if (typeof s.user === 'object' && (s.user.password_env === undefined) === (s.user.password === undefined))
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'give the user exactly one of password_env (an environment variable) or password' });
  });
export type OpcUaSettings = z.output<typeof OpcUaSettingsSchema>;

/** A tag's opc-ua binding: its node, and its sampling interval and deadband when they differ from the tag's. */
export const OpcUaSourceSchema = z.strictObject({
  connector: z.string(),
  node: nodeIdPattern.optional(),
  /** Server-side sampling interval (0: report every change). Default: half the tag's sampling period, so no value is missed to jitter. */
  sampling_ms: z.number().int().min(0).max(86_400_000).optional(),
  /** Default: the connector's deadband, else none. */
  deadband: deadband.optional(),
});
export type OpcUaSource = z.output<typeof OpcUaSourceSchema>;
export type OpcUaDeadband = z.output<typeof deadband>;
