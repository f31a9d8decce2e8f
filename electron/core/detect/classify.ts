// Episode typing: who took part (involvement per sensor), the type hint from the failure signatures
// of the device manual, and the severity.
import { kindNames } from './kinds';
import type { SensorInvolvement, Severity, TypeHint } from './schema';

/** Evidence gathered while an episode is open, per sensor. */
export interface EpisodeEvidence {
  sensors: readonly string[];
  /** Peak signed relative change of the smoothed value against the baseline (0.15 = +15 %). */
  peakRel: Float64Array;
  /** Peak signed smoothed robust z. */
  peakZ: Float64Array;
  /** Samples in which the variance detector fired, per sensor. */
  varHits: Int32Array;
  /** Detectors that fired per sensor (bit mask of KIND_*); absent = none recorded. */
  kinds?: Int32Array;
  samples: number;
}

/** A sensor takes part when a detector fired on it or its level moved at least this many σ. */
export const INVOLVED_Z = 3;

/** Involvement per sensor from the evidence: who moved, which way, how much; strongest first. */
export function involvementOf(ev: EpisodeEvidence): SensorInvolvement[] {
  const out: SensorInvolvement[] = [];
  for (let i = 0; i < ev.sensors.length; i++) {
    const z = ev.peakZ[i];
    const k = ev.kinds ? ev.kinds[i] : 0;
    const osc = ev.samples > 0 ? ev.varHits[i] / ev.samples : 0;
    if (!k && Math.abs(z) < INVOLVED_Z && osc === 0) continue;
    out.push({
      sensor: ev.sensors[i],
      direction: Math.abs(z) >= INVOLVED_Z ? (z > 0 ? 1 : -1) : 0,
      z: Math.round(z * 10) / 10,
      rel: Math.round(ev.peakRel[i] * 1000) / 1000,
      oscillating: Math.round(osc * 100) / 100,
      detectors: kindNames(k),
    });
  }
  return out.sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
}

/**
 * Type hint from the involvement and the shape of the episode. The rules encode the failure signatures
 * of the seed's device manual: a leak drops pressure (power rises to compensate), a runaway heats
 * (vibration follows), a failing bearing shakes without heating first, an electrical fault swings
 * power around an unchanged mean, a drifting transmitter moves every reading by the same share.
 * Every signature is checked; the hint is `unknown` when none fits, or when two single-sensor
 * signatures fit at once (the shape does not say which): a wrong hint costs an operator more than none.
 */
export function typeFromInvolvement(inv: readonly SensorInvolvement[]): { type: TypeHint; confidence: number } {
  const get = (name: string) => inv.find((s) => s.sensor === name);
  const rel = (name: string) => get(name)?.rel ?? 0;
  const z = (name: string) => get(name)?.z ?? 0;
  const clamp = (c: number) => Math.min(0.95, c);
  const cands: Array<{ type: TypeHint; confidence: number }> = [];
  // electrical fault: sustained oscillation of power (most of the episode), not a step
  const W = get('power');
  if (W && W.oscillating >= 0.3) {
    let c = 0.7;
    if (Math.abs(W.rel) < 0.5) c += 0.1; // mean power roughly unchanged
    if (Math.abs(rel('pressure')) < 0.1) c += 0.1;
    cands.push({ type: 'electrical_fault', confidence: clamp(c) });
  }
  // sensor drift: several sensors moved the same way by a similar share. The shape is the agreeing majority
  // of the readings that moved: one reading the other way does not cancel it (a process reading moves on its
  // own; a reading whose reference followed a slow drift shows the snap-back as the drift ends).
  const moved = inv.filter((s) => Math.abs(s.z) >= INVOLVED_Z && Math.abs(s.rel) >= 0.03).map((s) => s.rel);
  if (moved.length >= 3) {
    const pos = moved.filter((r) => r > 0);
    const neg = moved.filter((r) => r < 0);
    const same = pos.length > neg.length ? pos : neg;
    if (same.length >= 3 && 2 * same.length > moved.length) {
      const abs = same.map(Math.abs);
      const spread = Math.max(...abs) / Math.max(1e-9, Math.min(...abs));
      if (spread <= 3) {
        let c = 0.6 + 0.05 * (same.length - 3);
        if (spread <= 1.6) c += 0.15;
        cands.push({ type: 'sensor_drift', confidence: clamp(c) });
      }
    }
  }
  if (rel('pressure') <= -0.15 && z('pressure') <= -4) {
    let c = 0.75;
    if (rel('power') > 0.05) c += 0.15;
    cands.push({ type: 'pressure_leak', confidence: clamp(c) });
  }
  // A failing bearing heats by friction too (+10–15 %), but its vibration rises many times more than its
  // temperature; in a runaway the vibration follows the heat in proportion (about 1.5×).
  const frictionHeat = rel('vibration') >= 0.4 && rel('vibration') > 5 * Math.max(rel('temperature'), 0);
  if (rel('temperature') >= 0.12 && z('temperature') >= 4 && !frictionHeat) {
    let c = 0.7;
    if (rel('vibration') > 0.1) c += 0.15;
    if (rel('temperature') >= 0.25) c += 0.05;
    cands.push({ type: 'thermal_runaway', confidence: clamp(c) });
  }
  // ...and a vibration that follows a heat of +12 % or more in proportion is the runaway's, not a bearing's
  const followsHeat = rel('temperature') >= 0.12 && !frictionHeat;
  if (rel('vibration') >= 0.4 && z('vibration') >= 4 && !followsHeat) {
    let c = 0.75;
    if (rel('temperature') < 0.1) c += 0.15;
    cands.push({ type: 'bearing_failure', confidence: clamp(c) });
  }
  if (cands.length === 0) return { type: 'unknown', confidence: 0.3 };
  // A shape across sensors (power oscillating; several readings moving by one share) is the more specific
  // signature and wins in that order. The single-sensor signatures (leak, runaway, bearing: one reading's
  // level) are told apart only by which reading moved: if two of them fit (say pressure fell 20 % while the
  // temperature rose 20 %), the shape does not say which, and the hint is unknown.
  const shape = cands.find((c) => c.type === 'electrical_fault' || c.type === 'sensor_drift');
  if (shape) return shape;
  if (cands.length > 1) return { type: 'unknown', confidence: 0.4 };
  return cands[0];
}

export function classifyEpisode(ev: EpisodeEvidence): { type: TypeHint; confidence: number } {
  return typeFromInvolvement(involvementOf(ev));
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function severityOf(score: number, type: TypeHint): Severity {
  let s: Severity = score >= 8 ? 'critical' : score >= 4 ? 'high' : score >= 2 ? 'medium' : 'low';
  // Process hazards are never below high; a drifting transmitter is a maintenance job.
  if ((type === 'thermal_runaway' || type === 'pressure_leak' || type === 'electrical_fault') && SEVERITY_RANK[s] < 3) s = 'high';
  if (type === 'bearing_failure' && SEVERITY_RANK[s] < 2) s = 'medium';
  if (type === 'sensor_drift' && SEVERITY_RANK[s] > 2) s = 'medium';
  return s;
}
