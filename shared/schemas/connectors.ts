// The settings of each connector type as the plant model file spells them (issue 15), and the checks
// the model loader runs on them so a bad connector or tag binding is refused with its line number.
// The connectors themselves live in electron/core/connectors; this is the file format only.
import { z } from 'zod';
import { BrokerSettingSchema } from './connectors-broker';
import { OpcUaSettingsSchema, OpcUaSourceSchema, type OpcUaSettings } from './connectors-opcua';
import { SparkplugSettingsSchema, SparkplugSourceSchema, type SparkplugSettings } from './connectors-sparkplug';

/** Placeholders a topic pattern or a path may use; each is filled in per tag. */
export const PLACEHOLDERS = ['site', 'area', 'line', 'asset', 'device', 'tag'] as const;
const PLACEHOLDER_RE = /\{([^{}]*)\}/g;

export type PathSegment = string | number;

/**
 * The JSONPath subset a value, timestamp, device or quality field is read with: `$` followed by
 * `.name`, `[0]` or `['any name']` / `["any name"]`. Returns the segments, or an error message.
 */
export function parseJsonPath(path: string): { ok: true; segments: PathSegment[] } | { ok: false; message: string } {
  if (!path.startsWith('$')) return { ok: false, message: `JSONPath "${path}" must start with "$"` };
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^[A-Za-z0-9_-]+/.exec(path.slice(i + 1));
      if (!m) return { ok: false, message: `JSONPath "${path}": a name must follow "." at ${i} (use ['...'] for other characters)` };
      segments.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const m = /^\[(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(path.slice(i));
      if (!m) return { ok: false, message: `JSONPath "${path}": expected [index], ['name'] or ["name"] at ${i}` };
      segments.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
      i += m[0].length;
    } else return { ok: false, message: `JSONPath "${path}": unexpected "${c}" at ${i} (supported: $.a.b, $.a[0], $['x y'])` };
  }
  return { ok: true, segments };
}

/** Fill {site} {area} {line} {asset} {device} {tag}; unknown names stay as written (the checks refuse them first). */
export function fillPlaceholders(pattern: string, vars: Readonly<Record<string, string>>): string {
  return pattern.replace(PLACEHOLDER_RE, (m, name: string) => vars[name] ?? m);
}

function placeholderProblem(text: string): string | null {
  for (const m of text.matchAll(PLACEHOLDER_RE)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')) return `unknown placeholder {${m[1]}} (use ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`;
  }
  return null;
}

// A path is checked with its placeholders filled by a harmless name.
const jsonPath = z.string().superRefine((p, ctx) => {
  const bad = placeholderProblem(p);
  if (bad) return ctx.addIssue({ code: 'custom', message: bad });
  const r = parseJsonPath(fillPlaceholders(p, Object.fromEntries(PLACEHOLDERS.map((k) => [k, 'x']))));
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
});

const topicPattern = z
  .string()
  .min(1)
  .max(512)
  .superRefine((t, ctx) => {
    const bad = placeholderProblem(t);
    if (bad) ctx.addIssue({ code: 'custom', message: bad });
    else if (/[+#]/.test(t))
      ctx.addIssue({ code: 'custom', message: `topic "${t}" may not contain MQTT wildcards (+ #): a topic names where one tag or message is published` });
    else if (t.startsWith('$')) ctx.addIssue({ code: 'custom', message: `topic "${t}" may not start with "$" (broker-reserved)` });
  });

export const TIMESTAMP_FORMATS = ['iso8601', 'epoch_ms', 'epoch_s'] as const;

/**
 * MQTT JSON: JSON payloads on topics built from a pattern. One message may carry one tag or many (all the
 * tags bound to the same topic are read from it). `broker: embedded` is the core's own broker (the embedded
 * aedes, or the external one the core is configured with); a URL gives the connector a client of its own.
 */
export const MqttJsonSettingsSchema = z.strictObject({
  id: z.string(),
  type: z.literal('mqtt-json'),
  broker: BrokerSettingSchema,
  /** Topic pattern; a tag's own `source.topic` overrides it. */
  topic: topicPattern.optional(),
  /** Where a tag's value is in the payload; default `$.{tag}` (flat JSON keyed by tag name). */
  value: jsonPath.default('$.{tag}'),
  /** Absent: the arrival time on the plant clock. */
  timestamp: z.strictObject({ path: jsonPath, format: z.enum(TIMESTAMP_FORMATS) }).optional(),
  /** The payload's device id: it must name the topic's device (else topic_mismatch). */
  device_field: jsonPath.optional(),
  /** A per-message or per-tag quality field: good / uncertain / bad, a boolean, or an OPC-style status (≥ 192 good, ≥ 64 uncertain). */
  quality: jsonPath.optional(),
});
export type MqttJsonSettings = z.output<typeof MqttJsonSettingsSchema>;

/** A tag's mqtt-json binding: the connector's topic, value and quality paths, overridden per tag. */
export const MqttJsonSourceSchema = z.strictObject({
  connector: z.string(),
  topic: topicPattern.optional(),
  value: jsonPath.optional(),
  quality: jsonPath.optional(),
});
export type MqttJsonSource = z.output<typeof MqttJsonSourceSchema>;

export type ConnectorSettings = MqttJsonSettings | SparkplugSettings | OpcUaSettings;

export interface ConnectorIssue {
  /** Path relative to the connector entry (settings) or to the tag's `source` (bindings). */
  path: Array<string | number>;
  message: string;
}

const issuesOf = (error: z.ZodError): ConnectorIssue[] =>
  error.issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== 'symbol'), message: i.message }));

/** Validate one connector entry of the model file by its type. */
export function parseConnectorSettings(spec: {
  id: string;
  type: string;
}): { ok: true; settings: ConnectorSettings } | { ok: false; issues: ConnectorIssue[] } {
  const r =
    spec.type === 'sparkplug-b'
      ? SparkplugSettingsSchema.safeParse(spec)
      : spec.type === 'opc-ua'
        ? OpcUaSettingsSchema.safeParse(spec)
        : MqttJsonSettingsSchema.safeParse(spec);
  return r.success ? { ok: true, settings: r.data } : { ok: false, issues: issuesOf(r.error) };
}

/** Validate a tag's binding against its connector's (valid) settings: its fields, and that the tag ends up with a topic. */
export function sourceIssues(settings: ConnectorSettings, source: Record<string, unknown>): ConnectorIssue[] {
  if (settings.type === 'sparkplug-b') {
    const sp = SparkplugSourceSchema.safeParse(source);
    return sp.success ? [] : issuesOf(sp.error);
  }
  if (settings.type === 'opc-ua') {
    const o = OpcUaSourceSchema.safeParse(source);
    return o.success ? [] : issuesOf(o.error);
  }
  const r = MqttJsonSourceSchema.safeParse(source);
  if (!r.success) return issuesOf(r.error);
  if (!r.data.topic && !settings.topic) {
    return [{ path: ['topic'], message: `connector ${settings.id} has no topic pattern: give this tag a source.topic (or the connector a topic)` }];
  }
  return [];
}

/**
 * The warning for a connector whose password is written in the model file (accepted for loopback test rigs):
 * the file is shared, versioned and exported, so the core's log at each start and `plant validate` name the
 * connector and where the password should come from, never the password. Null when it has none in clear.
 */
export function clearPasswordWarning(c: ConnectorSettings): string | null {
  const field =
    c.type === 'opc-ua'
      ? typeof c.user === 'object' && c.user.password !== undefined
        ? 'user'
        : null
      : c.broker !== 'embedded' && c.broker.password !== undefined
        ? 'broker'
        : null;
  return field
    ? `connector ${c.id}: the ${field} password is written in clear in the plant model file; put it in an environment variable and name it in ${field}.password_env`
    : null;
}
