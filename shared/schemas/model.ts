// The plant model (issue 15): the plant is data, not code. One YAML file describes the site's ISA-95
// hierarchy (site / area / line / asset), the asset types with their tags and commands, and the
// connectors the tags are read through. This file holds the authoring schema (what the YAML may say)
// and the resolved view the core and the UIs work with (every tag of every asset spelled out).
// Type-only for the renderer: zod stays out of its bundle.
import { z } from 'zod';

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "_", "-" or "." (and start with a letter or digit)');
const finite = z.number().finite();
const text = z.string().max(500);

export const ALARM_LIMIT_KEYS = ['HH', 'H', 'L', 'LL'] as const;
export type AlarmLimitKey = (typeof ALARM_LIMIT_KEYS)[number];
export const LIMIT_PRIORITIES = ['urgent', 'high', 'medium', 'low'] as const;

/** One alarm limit of a tag: the value that trips it, its priority and the ISA-18.2 deadband and delays. */
export const AlarmLimitSchema = z.strictObject({
  value: finite,
  priority: z.enum(LIMIT_PRIORITIES),
  /** Engineering units the value must come back past before the alarm clears (chatter guard). */
  deadband: finite.min(0).default(0),
  on_delay_s: finite.min(0).max(86_400).default(0),
  off_delay_s: finite.min(0).max(86_400).default(0),
  /** What happens if nobody acts, and what the operator should do (the master alarm table's text). */
  consequence: text.optional(),
  action: text.optional(),
  /** The device manual's section behind the text ("SOP 2.1"): the master alarm table reads the SOP's procedure from it. */
  reference: z.string().max(100).optional(),
});
export type AlarmLimit = z.output<typeof AlarmLimitSchema>;

const range = z.tuple([finite, finite]);

/**
 * Where a tag's values come from: a connector id plus that connector's address fields (validated by
 * the connector itself, e.g. topic / path for mqtt-json, node for opc-ua). Placeholders {site},
 * {area}, {line}, {asset}, {device} and {tag} are filled in per tag.
 */
export const SourceBindingSchema = z.looseObject({ connector: id });
export type SourceBinding = z.output<typeof SourceBindingSchema>;

/** A tag as an asset type declares it (every field may be overridden per asset). */
export const TagTemplateSchema = z.strictObject({
  name: z.string().min(1).max(120).optional(),
  unit: z.string().max(32).default(''),
  type: z.enum(['float', 'int', 'bool']).default('float'),
  /** Engineering range [lo, hi] (the instrument's span): a value outside it is bad quality (out_of_range). */
  range: range,
  /** Normal operating band [lo, hi]; defaults to the engineering range. */
  normal: range.optional(),
  limits: z.partialRecord(z.enum(ALARM_LIMIT_KEYS), AlarmLimitSchema).default({}),
  /** Expected sampling period in seconds: detection's time constants and staleness use it. */
  sampling_s: finite.positive().max(86_400),
  /** Scored by the anomaly detector (default true for float and int tags). */
  detect: z.boolean().optional(),
  source: SourceBindingSchema.optional(),
  /** Simulator behaviour of this tag for the 'generic' device model: how far it follows load (0..1), lag and value when stopped. */
  sim: z
    .strictObject({
      load_gain: finite.min(0).max(1).default(0),
      tau_s: finite.positive().default(30),
      off: finite.optional(),
      noise: finite.min(0).default(0.01),
      daily_amplitude: finite.min(0).default(0),
    })
    .optional(),
});
export type TagTemplate = z.output<typeof TagTemplateSchema>;

export const CommandParamSchema = z.strictObject({
  type: z.enum(['number', 'integer', 'boolean', 'string']),
  description: text.optional(),
  min: finite.optional(),
  max: finite.optional(),
  enum: z.array(z.string().max(64)).max(50).optional(),
  required: z.boolean().default(true),
});
export type CommandParam = z.output<typeof CommandParamSchema>;

/** What a parameter must be, in words: "between 1 and 90", "an integer between 20 and 100", "one of a, b". */
export function paramExpectation(p: CommandParam): string {
  if (p.type === 'boolean') return 'true or false';
  if (p.type === 'string') return p.enum?.length ? `one of ${p.enum.join(', ')}` : 'a string';
  const kind = p.type === 'integer' ? 'an integer ' : '';
  if (p.min !== undefined && p.max !== undefined) return `${kind}between ${p.min} and ${p.max}`;
  if (p.min !== undefined) return `${kind || 'a number '}of at least ${p.min}`;
  if (p.max !== undefined) return `${kind || 'a number '}of at most ${p.max}`;
  return p.type === 'integer' ? 'an integer' : 'a number';
}

/** A command an asset type accepts, its parameters and what the simulator's device does with it. */
export const CommandSpecSchema = z.strictObject({
  description: text.optional(),
  params: z.record(id, CommandParamSchema).default({}),
  /** The device model's response ('generic' model): the state it enters and the load it runs at. */
  effect: z
    .strictObject({
      state: z.enum(['running', 'reduced', 'shutdown', 'restarting']).optional(),
      /** Load after the command: a fixed percent, or 100 minus a parameter ("reduce by"), or a parameter ("set to"). */
      load_pct: finite.min(0).max(100).optional(),
      load_minus_param: id.optional(),
      load_param: id.optional(),
      restart_s: finite.min(0).max(3600).optional(),
    })
    .optional(),
});
export type CommandSpec = z.output<typeof CommandSpecSchema>;

export const AssetTypeSchema = z.strictObject({
  name: z.string().min(1).max(120).optional(),
  description: text.optional(),
  /**
   * The simulator's device model for this type: 'compressor' | 'motor' | 'pump' keep the demo's
   * physics (electron/core/plant/device-model.ts); 'generic' follows each tag's `sim` block.
   */
  model: z.enum(['compressor', 'motor', 'pump', 'generic']).default('generic'),
  /** Device manual file (relative to the model file) searched by query_device_manual for this type. */
  manual: z.string().max(500).optional(),
  tags: z.record(id, TagTemplateSchema).refine((t) => Object.keys(t).length > 0, 'an asset type needs at least one tag'),
  commands: z.record(id, CommandSpecSchema).default({}),
});
export type AssetType = z.output<typeof AssetTypeSchema>;

/** A tag override on one asset: any template field, no defaults (what is left out comes from the type). */
export const TagOverrideSchema = z.strictObject({
  name: z.string().min(1).max(120).optional(),
  unit: z.string().max(32).optional(),
  range: range.optional(),
  normal: range.optional(),
  limits: z.partialRecord(z.enum(ALARM_LIMIT_KEYS), AlarmLimitSchema).optional(),
  sampling_s: finite.positive().max(86_400).optional(),
  detect: z.boolean().optional(),
  source: SourceBindingSchema.optional(),
});

export const AssetSchema = z.strictObject({
  id: id,
  name: z.string().min(1).max(120).optional(),
  type: id,
  tags: z.record(id, TagOverrideSchema).default({}),
});

export const LineSchema = z.strictObject({
  id: id,
  name: z.string().min(1).max(120).optional(),
  assets: z.array(AssetSchema).min(1),
});

export const AreaSchema = z.strictObject({
  id: id,
  name: z.string().min(1).max(120).optional(),
  lines: z.array(LineSchema).min(1),
});

/** A connector instance: its type picks the module; the rest is that module's own settings (validated by it). */
export const ConnectorSpecSchema = z.looseObject({
  id: id,
  type: z.enum(['mqtt-json', 'opc-ua', 'sparkplug-b']),
});
export type ConnectorSpec = z.output<typeof ConnectorSpecSchema>;

export const PlantModelFileSchema = z.strictObject({
  /** Format version of this file. */
  plant_model: z.literal(1),
  site: z.strictObject({ id: id, name: z.string().min(1).max(120).optional(), description: text.optional() }),
  connectors: z.array(ConnectorSpecSchema).min(1),
  /** Connector used by tags without a `source` (default: the first connector). */
  default_connector: id.optional(),
  asset_types: z.record(id, AssetTypeSchema),
  areas: z.array(AreaSchema).min(1),
});
export type PlantModelFile = z.output<typeof PlantModelFileSchema>;

// ---- The resolved model: what the core and the UIs work with ----------------------------------

const LimitViewSchema = AlarmLimitSchema.extend({ key: z.enum(ALARM_LIMIT_KEYS) });

export const TagViewSchema = z.object({
  /** Globally unique: "<device>/<tag>", e.g. "line-1/compressor-01/temperature". */
  id: z.string(),
  /** The tag's key within its asset ("temperature"): the field name in readings. */
  key: z.string(),
  device_id: z.string(),
  name: z.string(),
  unit: z.string(),
  type: z.enum(['float', 'int', 'bool']),
  range: range,
  normal: range,
  limits: z.array(LimitViewSchema),
  sampling_s: z.number(),
  detect: z.boolean(),
  /** Resolved binding with placeholders filled in. */
  source: SourceBindingSchema,
  /** The simulator's behaviour of this tag (generic device model), when the model gives one. */
  sim: TagTemplateSchema.shape.sim,
});
export type TagView = z.infer<typeof TagViewSchema>;

export const CommandViewSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  params: z.record(z.string(), CommandParamSchema),
  effect: CommandSpecSchema.shape.effect,
});
export type CommandView = z.infer<typeof CommandViewSchema>;

export const AssetViewSchema = z.object({
  /** The device id everything else uses: "<line>/<asset>", e.g. "line-1/compressor-01". */
  id: z.string(),
  asset: z.string(),
  name: z.string(),
  type: z.string(),
  type_name: z.string(),
  model: z.enum(['compressor', 'motor', 'pump', 'generic']),
  /** The asset type's device manual as the model names it (relative to the model file). */
  manual: z.string().optional(),
  area: z.string(),
  line: z.string(),
  tags: z.array(TagViewSchema),
  commands: z.array(CommandViewSchema),
});
export type AssetView = z.infer<typeof AssetViewSchema>;

export const PlantModelViewSchema = z.object({
  /** Content hash of the model in force (changes on every accepted reload). */
  version: z.string(),
  file: z.string(),
  site: z.object({ id: z.string(), name: z.string(), description: z.string().optional() }),
  areas: z.array(z.object({ id: z.string(), name: z.string(), lines: z.array(z.object({ id: z.string(), name: z.string(), assets: z.array(z.string()) })) })),
  assets: z.array(AssetViewSchema),
  connectors: z.array(z.object({ id: z.string(), type: z.string() })),
});
export type PlantModelView = z.infer<typeof PlantModelViewSchema>;
