// Schemas and shapes shared by the tools: device ids, readings, anomaly summaries.
import { z } from 'zod';
import type { Episode } from '../../../../shared/anomalies';
import { SENSOR_UNITS, SENSORS, type Reading } from '../../../../shared/domain';
import { deviceInScope, isScoped, scopeGlobs } from '../../governance';
import { ToolFailure, type McpDeps } from '../types';

export const DeviceIdSchema = z
  .string()
  .min(3)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+\/[A-Za-z0-9_.-]+$/, 'a device id looks like line-1/compressor-01')
  .describe('Device id, e.g. "line-1/compressor-01" (line-{1,2,3}/{compressor-01,motor-02,pump-03})');

export const SensorSchema = z.enum(SENSORS);
export const UNITS = SENSOR_UNITS;

/** Fail with the list of valid ids, so the agent can correct itself. */
/**
 * The devices this agent may see, as a predicate; null for an unscoped agent (everything). Tools that
 * answer for the fleet or a line filter with it; the gateway already refused device ids outside it.
 */
export function scopeFilter(ctx: { deps: McpDeps; agentId: string }): ((deviceId: string) => boolean) | null {
  const scope = ctx.deps.governance.agents.get(ctx.agentId)?.scope;
  return isScoped(scope) ? (id) => deviceInScope(scope, id) : null;
}

/** The same scope as globs for SQL queries (`scope` of history and incident searches); undefined = unscoped. */
export function scopeQuery(ctx: { deps: McpDeps; agentId: string }): { scope: string[] } | undefined {
  const scope = ctx.deps.governance.agents.get(ctx.agentId)?.scope;
  return scope && isScoped(scope) ? { scope: scopeGlobs(scope) } : undefined;
}

export function requireKnownDevice(deps: McpDeps, deviceId: string): void {
  const known = deps.knownDevices();
  if (!known.includes(deviceId)) throw new ToolFailure(`unknown device "${deviceId}". Known devices: ${known.join(', ')}`, 'unknown_device');
}

export const ReadingOutSchema = z.object({
  timestamp: z.string().describe('ISO 8601 time of the reading (or of the last reading of a downsampled bucket)'),
  temperature: z.number().optional().describe('°C'),
  pressure: z.number().optional().describe('PSI'),
  vibration: z.number().optional().describe('mm/s'),
  humidity: z.number().optional().describe('%'),
  power: z.number().optional().describe('kW'),
});
export type ReadingOut = z.infer<typeof ReadingOutSchema>;

const round = (v: number, d = 3) => {
  const f = 10 ** d;
  return Math.round(v * f) / f;
};

export function readingOut(r: Reading, sensors: readonly string[] = SENSORS): ReadingOut {
  const o: ReadingOut = { timestamp: r.timestamp };
  for (const s of sensors) {
    const v = r.values[s];
    if (v !== undefined) (o as Record<string, unknown>)[s] = round(v);
  }
  return o;
}

/** Average readings into at most `points` buckets (oldest first), so a long window fits a model's context. */
export function downsample(rs: readonly Reading[], points: number, sensors: readonly string[]): ReadingOut[] {
  if (rs.length <= points) return rs.map((r) => readingOut(r, sensors));
  const out: ReadingOut[] = [];
  for (let b = 0; b < points; b++) {
    const from = Math.floor((b * rs.length) / points);
    const to = Math.floor(((b + 1) * rs.length) / points);
    const o: ReadingOut = { timestamp: rs[to - 1].timestamp };
    for (const s of sensors) {
      let sum = 0;
      for (let i = from; i < to; i++) sum += rs[i].values[s];
      (o as Record<string, unknown>)[s] = round(sum / (to - from));
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
  detectors: z.array(z.string()).describe('Detectors that fired (level, drift, variance, cross, zscore)'),
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
