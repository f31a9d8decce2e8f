// The Sparkplug B connector's settings and tag bindings as the plant model file spells them (issue 16).
// A tag is found by (edge node, device, metric name) in the births of one Sparkplug group; the
// connector's node / device / metric patterns give every tag its address, a tag's own source overrides
// any of them. An empty device means a metric of the edge node itself (NBIRTH / NDATA).
import { z } from 'zod';
import { BrokerSettingSchema } from './connectors-broker';

const PLACEHOLDER_RE = /\{([^{}]*)\}/g;
/** Placeholders a Sparkplug id may use: {device} is two levels (line/asset) and '/' is no id character. */
const SP_PLACEHOLDERS = ['site', 'area', 'line', 'asset', 'tag'] as const;

function idProblem(text: string, what: string, allowSlash: boolean): string | null {
  for (const m of text.matchAll(PLACEHOLDER_RE)) {
    if (!(SP_PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')) {
      return `unknown placeholder {${m[1]}} in the ${what} (use ${SP_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}; {device} holds a '/')`;
    }
  }
  const filled = text.replace(PLACEHOLDER_RE, 'x');
  if (/[+#]/.test(filled) || (!allowSlash && filled.includes('/'))) {
    return `the ${what} "${text}" may not contain ${allowSlash ? '+ or #' : "'/', '+' or '#'"} (Sparkplug ids are topic levels)`;
  }
  return null;
}

/** A group / edge node / device id (a topic level; may be empty only for the device: a node metric). */
const spId = (what: string, empty = false) =>
  z
    .string()
    .max(128)
    .superRefine((s, ctx) => {
      if (!empty && s === '') return ctx.addIssue({ code: 'custom', message: `the ${what} may not be empty` });
      const bad = idProblem(s, what, false);
      if (bad) ctx.addIssue({ code: 'custom', message: bad });
    });

/** A metric name: Sparkplug names are paths ("Flow/PV"), so '/' is allowed there. */
const metricName = z
  .string()
  .min(1)
  .max(256)
  .superRefine((s, ctx) => {
    const bad = idProblem(s, 'metric name', true);
    if (bad) ctx.addIssue({ code: 'custom', message: bad });
  });

/**
 * Sparkplug B (spBv1.0) host application: subscribes spBv1.0/<group>/#, reads births, data and deaths,
 * asks for rebirths, publishes its STATE (as the primary host when `primary_host`), and carries governed
 * commands to the edge as DCMD / NCMD.
 */
export const SparkplugSettingsSchema = z.strictObject({
  id: z.string(),
  type: z.literal('sparkplug-b'),
  broker: BrokerSettingSchema,
  group: spId('group id'),
  /** The host application id: its STATE topic is spBv1.0/STATE/<host_id>. */
  host_id: spId('host id').default('aegisflow'),
  /** Publish the STATE birth and will (edge nodes configured with this host as primary wait for it). */
  primary_host: z.boolean().default(true),
  /** The edge node of a tag (default: its line). */
  node: spId('edge node id').default('{line}'),
  /** The Sparkplug device of a tag (default: its asset); '' for metrics of the edge node itself. */
  device: spId('device id', true).default('{asset}'),
  /** The metric name of a tag (default: the tag key). */
  metric: metricName.default('{tag}'),
  /** How long a command waits for the edge node's acknowledgement. */
  ack_timeout_ms: z.number().int().min(100).max(120_000).default(5000),
  /** Births of big nodes outgrow a sensor payload: the connector's own limit. */
  max_payload_bytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
});
export type SparkplugSettings = z.output<typeof SparkplugSettingsSchema>;

/** A tag's Sparkplug binding: any of node, device, metric overrides the connector's pattern. */
export const SparkplugSourceSchema = z.strictObject({
  connector: z.string(),
  node: spId('edge node id').optional(),
  device: spId('device id', true).optional(),
  metric: metricName.optional(),
});
export type SparkplugSource = z.output<typeof SparkplugSourceSchema>;
