// Schemas and shapes shared by the tools: device ids, readings, anomaly summaries.
import { z } from 'zod';
import type { Episode } from '../../../../shared/anomalies';
import type { Reading } from '../../../../shared/domain';
import type { AssetView } from '../../../../shared/schemas/model';
import { deviceInScope, hierarchyOf, isScoped, scopeGlobs, type PlantHierarchy } from '../../governance';
import { ToolFailure, type McpDeps } from '../types';

/** Any device id of the plant model: "<line>/<asset>". Whether the plant knows it is checked against the model (requireKnownDevice). */
export const DeviceIdSchema = z
  .string()
  .min(3)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a device id is "<line>/<asset>", e.g. line-1/compressor-01')
  .describe('Device id "<line>/<asset>", e.g. "line-1/compressor-01"; list_devices gives every device of the plant');

/** A tag key of the device ("temperature"); which keys a device has comes from its asset type in the plant model. */
export const SensorSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a tag key, e.g. "temperature"');

/** The plant model's hierarchy for scope checks (areas), read from the model in force. */
function hierarchy(deps: McpDeps): PlantHierarchy {
  return hierarchyOf(() => deps.model().model);
}

/**
 * The devices this agent may see, as a predicate; null for an unscoped agent (everything). Tools that
 * answer for the fleet, an area or a line filter with it; the gateway already refused device ids outside it.
 */
export function scopeFilter(ctx: { deps: McpDeps; agentId: string }): ((deviceId: string) => boolean) | null {
  const scope = ctx.deps.governance.agents.get(ctx.agentId)?.scope;
  if (!isScoped(scope)) return null;
  const plant = hierarchy(ctx.deps);
  return (id) => deviceInScope(scope, id, plant);
}

/** The same scope as globs for SQL queries (`scope` of history and incident searches); undefined = unscoped. */
export function scopeQuery(ctx: { deps: McpDeps; agentId: string }): { scope: string[] } | undefined {
  const scope = ctx.deps.governance.agents.get(ctx.agentId)?.scope;
  return isScoped(scope) ? { scope: scopeGlobs(scope, hierarchy(ctx.deps)) } : undefined;
}

/** Fail with the list of valid ids, so the agent can correct itself. */
export function requireKnownDevice(deps: McpDeps, deviceId: string): void {
  const known = deps.knownDevices();
  if (!known.includes(deviceId)) throw new ToolFailure(`unknown device "${deviceId}". Known devices: ${known.join(', ')}`, 'unknown_device');
}

/** The devices a selector names: "all", an area or a line of the plant model, or one device id. */
export function selectDevices(deps: McpDeps, known: readonly string[], sel: string): string[] {
  if (sel === 'all') return [...known];
  if (sel.includes('/')) return known.filter((d) => d === sel);
  const area = deps.model().model.areas.find((a) => a.id === sel);
  const lines = area && !known.some((d) => d.startsWith(`${sel}/`)) ? area.lines.map((l) => l.id) : [sel];
  return known.filter((d) => lines.some((l) => d.startsWith(`${l}/`)));
}

/** The tag keys a device has under the plant model (its asset type's tags), in the model's order. */
export function tagKeys(deps: McpDeps, deviceId: string): string[] {
  return (
    deps
      .model()
      .asset(deviceId)
      ?.tags.map((t) => t.key) ?? []
  );
}

/** Refuse tag keys that none of these devices has, listing the valid ones. */
export function requireTags(deps: McpDeps, deviceIds: readonly string[], keys: readonly string[]): void {
  const valid = [...new Set(deviceIds.flatMap((d) => tagKeys(deps, d)))];
  const unknown = keys.filter((k) => !valid.includes(k));
  if (!unknown.length) return;
  const whose = deviceIds.length === 1 ? deviceIds[0] : 'the selected devices';
  throw new ToolFailure(
    `unknown sensor${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} for ${whose}. Valid sensors: ${valid.join(', ') || 'none'}`,
    'invalid_args',
  );
}

/** Asset of a device under the model in force (undefined for a device the model does not describe). */
export function assetOf(deps: McpDeps, deviceId: string): AssetView | undefined {
  return deps.model().asset(deviceId);
}

/** A reading as tools return it: timestamp plus one number per tag key (the demo's five sensors are named for discovery). */
export const ReadingOutSchema = z
  .looseObject({
    timestamp: z.string().describe('ISO 8601 time of the reading (or of the last reading of a downsampled bucket)'),
    temperature: z.number().optional().describe('°C'),
    pressure: z.number().optional().describe('PSI'),
    vibration: z.number().optional().describe('mm/s'),
    humidity: z.number().optional().describe('%'),
    power: z.number().optional().describe('kW'),
  })
  .describe("Tag values by tag key; units in the answer's units or list_devices");
export type ReadingOut = z.infer<typeof ReadingOutSchema>;

const round = (v: number, d = 3) => {
  const f = 10 ** d;
  return Math.round(v * f) / f;
};

/** Flatten a reading's values into the tool shape; `sensors` picks and orders the tags (default: all it carries). */
export function readingOut(r: Reading, sensors?: readonly string[]): ReadingOut {
  const o: ReadingOut = { timestamp: r.timestamp };
  for (const s of sensors ?? Object.keys(r.values)) {
    const v = r.values[s];
    if (v !== undefined) o[s] = round(v);
  }
  return o;
}

/** Average readings into at most `points` buckets (oldest first), so a long window fits a model's context. A tag missing from a bucket is left out. */
export function downsample(rs: readonly Reading[], points: number, sensors: readonly string[]): ReadingOut[] {
  if (rs.length <= points) return rs.map((r) => readingOut(r, sensors));
  const out: ReadingOut[] = [];
  for (let b = 0; b < points; b++) {
    const from = Math.floor((b * rs.length) / points);
    const to = Math.floor(((b + 1) * rs.length) / points);
    const o: ReadingOut = { timestamp: rs[to - 1].timestamp };
    for (const s of sensors) {
      let sum = 0;
      let n = 0;
      for (let i = from; i < to; i++) {
        const v = rs[i].values[s];
        if (v === undefined) continue;
        sum += v;
        n++;
      }
      if (n) o[s] = round(sum / n);
    }
    out.push(o);
  }
  return out;
}

export const AnomalyOutSchema = z.object({
  id: z.string().describe('Anomaly (episode) id, for acknowledge_anomaly'),
  device_id: z.string(),
  status: z.enum(['open', 'closed']),
  type_hint: z.string().describe('Likely failure mode: thermal_runaway, pressure_leak, bearing_failure, sensor_drift, electrical_fault or unknown'),
  confidence: z.number().describe('0-1 confidence of the type hint'),
  severity: z.string().describe('info, low, medium, high or critical'),
  sensors: z.array(z.string()).describe('Sensors that took part'),
  detectors: z.array(z.string()).describe('Detectors that fired (level, drift, variance, cross, zscore, stuck)'),
  involvement: z
    .array(
      z.object({
        sensor: z.string(),
        direction: z.number().describe('+1 rose, -1 fell, 0 no net move (oscillation)'),
        z: z.number().describe("Peak signed deviation in the sensor's learned noise (robust sigma)"),
        rel: z.number().describe('The same as a share of the baseline (0.15 = +15 %)'),
        oscillating: z.number().describe('Share of the episode in which the sensor oscillated'),
      }),
    )
    .describe('Which sensors take part, which way and how much, strongest first'),
  score: z.number().describe('Peak normalised score (1.0 = at threshold)'),
  started_at: z.string(),
  last_seen_at: z.string(),
  ended_at: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
  ack_note: z.string().nullable(),
});
export type AnomalyOut = z.infer<typeof AnomalyOutSchema>;

const iso = (ms: number) => new Date(ms).toISOString();

export function anomalyOut(e: Episode): AnomalyOut {
  return {
    id: e.id,
    device_id: e.device_id,
    status: e.status,
    type_hint: e.type_hint,
    confidence: round(e.confidence, 2),
    severity: e.severity,
    sensors: e.sensors,
    detectors: e.detectors,
    involvement: (e.involvement ?? []).map((s) => ({ sensor: s.sensor, direction: s.direction, z: s.z, rel: s.rel, oscillating: s.oscillating })),
    score: round(e.score, 2),
    started_at: iso(e.start_ts),
    last_seen_at: iso(e.last_ts),
    ended_at: e.end_ts === null ? null : iso(e.end_ts),
    acknowledged_by: e.acknowledged_by,
    ack_note: e.ack_note,
  };
}

export function anomalyLine(a: AnomalyOut): string {
  return `${a.id} ${a.device_id} ${a.type_hint} (${a.severity}, conf ${a.confidence}) sensors ${a.sensors.join('+')} since ${a.started_at}${a.status === 'closed' ? ` until ${a.ended_at}` : ''}${a.acknowledged_by ? ` ack by ${a.acknowledged_by}` : ''}`;
}

export const SEVERITY_ORDER = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITY_ORDER);
