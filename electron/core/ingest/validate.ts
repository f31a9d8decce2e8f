// Validation of one MQTT sensor payload. Each failure has a stable reason code, counted per reason.
import { SeedPayloadSchema, SENSORS, type TimedReading } from '../../../shared/domain';
import { SENSOR_RANGES, SENSOR_UNITS } from '../../../shared/plant';

export type RejectReason = 'oversize' | 'bad_json' | 'schema' | 'non_finite' | 'unknown_device' | 'topic_mismatch' | 'bad_timestamp' | 'implausible';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export type Validation = { ok: true; reading: TimedReading } | { ok: false; reason: RejectReason; detail: string };

export interface ValidateOptions {
  maxPayloadBytes: number;
  knownDevices: ReadonlySet<string>;
  /** Oldest accepted reading, relative to the plant clock. */
  maxSkewMs: number;
  /** Newest accepted reading ahead of the plant clock. */
  maxFutureMs: number;
  /** The clock of the reading's source: the replay's time for a simulated device, else the core's clock. */
  now: number;
}

export function validatePayload(topicDevice: string, payload: Buffer, opts: ValidateOptions): Validation {
  if (payload.length > opts.maxPayloadBytes) {
    return { ok: false, reason: 'oversize', detail: `${payload.length} bytes > ${opts.maxPayloadBytes}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'bad_json', detail: (err as Error).message };
  }
  if (raw && typeof raw === 'object') {
    // JSON has no NaN, but 1e999 parses to Infinity and some publishers send "NaN"/"Infinity" strings.
    for (const s of SENSORS) {
      const v = (raw as Record<string, unknown>)[s];
      if ((typeof v === 'number' && !Number.isFinite(v)) || v === 'NaN' || v === 'Infinity' || v === '-Infinity') {
        return { ok: false, reason: 'non_finite', detail: `${s} is ${String(v)}` };
      }
    }
  }
  const parsed = SeedPayloadSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { ok: false, reason: 'schema', detail: `${i.path.join('.') || 'payload'}: ${i.message}` };
  }
  const p = parsed.data;
  if (!opts.knownDevices.has(p.device_id)) return { ok: false, reason: 'unknown_device', detail: p.device_id };
  if (p.device_id !== topicDevice) {
    return { ok: false, reason: 'topic_mismatch', detail: `topic says ${topicDevice}, payload says ${p.device_id}` };
  }
  const ts = Date.parse(p.timestamp);
  if (!Number.isFinite(ts)) return { ok: false, reason: 'bad_timestamp', detail: p.timestamp };
  if (ts > opts.now + opts.maxFutureMs || ts < opts.now - opts.maxSkewMs) {
    return {
      ok: false,
      reason: 'bad_timestamp',
      detail: `${p.timestamp} is outside [${new Date(opts.now - opts.maxSkewMs).toISOString()}, ${new Date(opts.now + opts.maxFutureMs).toISOString()}] around the plant clock`,
    };
  }
  for (const s of SENSORS) {
    const v = p[s];
    const r = SENSOR_RANGES[s];
    if (v < r.min || v > r.max) return { ok: false, reason: 'implausible', detail: `${s} ${v} ${SENSOR_UNITS[s]} is outside its range ${r.min}..${r.max}` };
  }
  return {
    ok: true,
    reading: {
      device_id: p.device_id,
      // Keep a canonical UTC ISO string as sent; normalise anything else (offsets, no millis).
      timestamp: ISO_UTC.test(p.timestamp) ? p.timestamp : new Date(ts).toISOString(),
      ts,
      values: { temperature: p.temperature, pressure: p.pressure, vibration: p.vibration, humidity: p.humidity, power: p.power },
    },
  };
}
