// The rule planner's knowledge, taken from resources/device_manual.md: safe limits (section 1.2),
// severity (1.4), the failure-mode signatures and procedures (2.1-2.5). Pure functions over
// readings, so they are tested on the generated plant's own scenario windows.
import type { Severity } from '../../../shared/anomalies';
import { deviceTypeOf, SCENARIO_TYPES, type DeviceType, type ScenarioType, type Sensor } from '../../../shared/domain';

/** Manual 1.2: alarm and trip limits at 100 % load (high side unless noted). */
export const LIMITS: Record<DeviceType, Partial<Record<Sensor, { alarm: number; trip: number | null; low?: boolean }>>> = {
  compressor: { temperature: { alarm: 90, trip: 110 }, vibration: { alarm: 4.5, trip: 7.1 }, power: { alarm: 35, trip: 45 } },
  motor: { temperature: { alarm: 80, trip: 95 }, vibration: { alarm: 4.5, trip: 7.1 }, power: { alarm: 22, trip: 28 } },
  pump: {
    temperature: { alarm: 70, trip: 85 },
    pressure: { alarm: 26, trip: 18, low: true },
    vibration: { alarm: 3.5, trip: 6.0 },
    power: { alarm: 15, trip: 18 },
  },
};

/** Manual 1.2: top of the normal temperature band at 100 % load. */
const NORMAL_HIGH_C: Record<DeviceType, number> = { compressor: 84, motor: 69, pump: 58 };

export type FailureMode = ScenarioType | 'unknown';

/** Manual section per failure mode, and the words that find it in query_device_manual. */
export const SOP_SECTION: Record<FailureMode, { section: string; query: string }> = {
  thermal_runaway: { section: '2.1', query: 'thermal runaway compressor temperature procedure' },
  pressure_leak: { section: '2.2', query: 'pressure leak pump procedure' },
  bearing_failure: { section: '2.3', query: 'bearing failure motor vibration procedure' },
  sensor_drift: { section: '2.4', query: 'sensor drift calibration procedure' },
  electrical_fault: { section: '2.5', query: 'electrical fault power oscillation procedure' },
  unknown: { section: '1.4', query: 'severity classification cross-check sensors' },
};

/** A reading as tools return it: every sensor optional. */
export interface SeenReading {
  timestamp: string;
  temperature?: number;
  pressure?: number;
  vibration?: number;
  humidity?: number;
  power?: number;
}

export interface Diagnosis {
  mode: FailureMode;
  /** Where the mode came from: the readings themselves, or the detector's hint when they are inconclusive. */
  basis: 'readings' | 'detector' | 'readings+detector';
  severity: Severity;
  evidence: string[];
  latest: SeenReading | null;
  peak: { sensor: Sensor; value: number } | null;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const col = (rs: readonly SeenReading[], k: Sensor) => rs.map((r) => r[k]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
const r1 = (x: number) => Math.round(x * 10) / 10;

/** The failure-mode signatures of manual chapter 2, checked on a window of readings (oldest first). */
/**
 * `readings` is the trend window (possibly bucket averages); `raw` the last minute of individual
 * readings when the caller has them: averaging hides an oscillation, so 2.5's spread is read there.
 */
export function classifyReadings(
  deviceId: string,
  readings: readonly SeenReading[],
  raw: readonly SeenReading[] = [],
): { mode: FailureMode; evidence: string[] } {
  const n = readings.length;
  if (n < 4) return { mode: 'unknown', evidence: [`only ${n} readings: too few to tell a trend from a spike (SOP 2.1 step 1)`] };
  const k = Math.max(3, Math.min(12, Math.floor(n / 3)));
  const recent = readings.slice(-k);
  const earlier = readings.slice(0, Math.max(3, Math.floor(n / 2)));
  const type = deviceTypeOf(deviceId);
  const ev: string[] = [];
  const m = (rs: readonly SeenReading[], s: Sensor) => median(col(rs, s));

  // 2.5: power spread within about a minute above 20 kW.
  const p = col(raw.length >= 3 ? raw : recent, 'power');
  if (p.length >= 3) {
    const spread = Math.max(...p) - Math.min(...p);
    if (spread > 20)
      return {
        mode: 'electrical_fault',
        evidence: [`power swings ${r1(Math.min(...p))}–${r1(Math.max(...p))} kW over the last ${p.length} readings (spread ${r1(spread)} kW > 20 kW, SOP 2.5)`],
      };
  }
  // 2.2: sudden pressure drop with power rising.
  const pe = m(earlier, 'pressure');
  // Sudden modes (2.2, 2.3) are confirmed on the last consecutive readings, not on averages that straddle the step.
  const last3 = raw.length >= 3 ? raw.slice(-3) : recent;
  const pr = m(last3, 'pressure');
  if (pe > 0 && pr < pe * 0.75 && pe - pr > 5) {
    const pw = `${r1(m(earlier, 'power'))} → ${r1(m(recent, 'power'))} kW`;
    return { mode: 'pressure_leak', evidence: [`pressure fell ${r1(pe)} → ${r1(pr)} PSI (−${r1(pe - pr)}), power ${pw} (SOP 2.2)`] };
  }
  // 2.3: vibration jump (doubling and above the alarm limit).
  const ve = m(earlier, 'vibration');
  const vr = m(last3, 'vibration');
  const valarm = type ? (LIMITS[type].vibration?.alarm ?? 4.5) : 4.5;
  if (vr > valarm && vr > 2 * ve) {
    return { mode: 'bearing_failure', evidence: [`vibration jumped ${r1(ve)} → ${r1(vr)} mm/s, above the ${valarm} mm/s alarm limit (SOP 2.3)`] };
  }
  // 2.1: temperature climbing on consecutive readings, with vibration or power moving with it.
  const te = m(earlier, 'temperature');
  const tr = m(recent, 'temperature');
  const t = col(recent, 'temperature');
  const rising = t.length >= 3 && t[t.length - 1] > t[0];
  const normalHigh = type ? NORMAL_HIGH_C[type] : Infinity;
  if (tr - te > 4 && rising && t[t.length - 1] > normalHigh) {
    ev.push(`temperature climbing ${r1(te)} → ${r1(tr)} °C (+${r1(tr - te)}) on consecutive readings`);
    if (vr > ve * 1.1) ev.push(`vibration moves with it (${r1(ve)} → ${r1(vr)} mm/s): a physical fault, not a sensor (SOP 1.4)`);
    return { mode: 'thermal_runaway', evidence: ev };
  }
  // 2.4: every sensor up (or down) by a similar share: the transmitter, not the machine.
  const ratios = (['temperature', 'pressure', 'vibration', 'humidity', 'power'] as const).map((s) => m(recent, s) / m(earlier, s)).filter(Number.isFinite);
  if (ratios.length === 5 && ratios.every((x) => x > 1.03) && Math.max(...ratios) - Math.min(...ratios) < 0.06) {
    return {
      mode: 'sensor_drift',
      evidence: [`all five sensors read ${r1((median(ratios) - 1) * 100)} % high together, humidity included: a calibration drift (SOP 2.4)`],
    };
  }
  return { mode: 'unknown', evidence: ['no failure-mode signature in the readings'] };
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
export const severityAtLeast = (s: string, min: Severity) => (SEVERITY_RANK[s as Severity] ?? -1) >= SEVERITY_RANK[min];

/** Manual 1.4 on the latest readings: trip reached (or within 10 min at the current rate) → critical. */
export function severityOf(deviceId: string, mode: FailureMode, readings: readonly SeenReading[]): Severity {
  const type = deviceTypeOf(deviceId);
  if (!type || readings.length === 0) return mode === 'unknown' ? 'low' : 'medium';
  if (mode === 'sensor_drift') return 'low';
  const last = readings[readings.length - 1];
  let alarms = 0;
  let critical = false;
  for (const [sensor, lim] of Object.entries(LIMITS[type]) as Array<[Sensor, { alarm: number; trip: number | null; low?: boolean }]>) {
    const v = last[sensor];
    if (typeof v !== 'number') continue;
    const beyond = (x: number, limit: number) => (lim.low ? x <= limit : x >= limit);
    if (beyond(v, lim.alarm)) alarms++;
    if (lim.trip !== null && beyond(v, lim.trip)) critical = true;
    // Rate over the window, projected 10 minutes ahead.
    const series = col(readings, sensor);
    if (lim.trip !== null && series.length >= 4) {
      const first = readings.find((r) => typeof r[sensor] === 'number')!;
      const dtMin = (Date.parse(last.timestamp) - Date.parse(first.timestamp)) / 60_000;
      if (dtMin > 0) {
        const rate = (v - (first[sensor] as number)) / dtMin;
        if (beyond(v + rate * 10, lim.trip) && beyond(v, lim.alarm)) critical = true;
      }
    }
  }
  if (critical) return 'critical';
  if (alarms >= 2 || (alarms === 1 && mode !== 'unknown')) return 'high';
  return mode === 'unknown' ? 'low' : 'medium';
}

export function diagnose(deviceId: string, readings: readonly SeenReading[], hint?: string | null, raw: readonly SeenReading[] = []): Diagnosis {
  const c = classifyReadings(deviceId, readings, raw);
  const hinted = (SCENARIO_TYPES as readonly string[]).includes(hint ?? '') ? (hint as ScenarioType) : null;
  let mode: FailureMode = c.mode;
  let basis: Diagnosis['basis'] = 'readings';
  const evidence = [...c.evidence];
  if (hinted && c.mode === hinted) basis = 'readings+detector';
  else if (hinted && c.mode === 'unknown') {
    // Slow modes (drift) do not show in a short window: the detector saw the long trend.
    mode = hinted;
    basis = 'detector';
    evidence.push(`the detector's episode points to ${hinted}; the short window does not contradict it`);
  } else if (hinted && c.mode !== hinted) {
    evidence.push(`the detector suggested ${hinted}, but the readings show ${c.mode}: following the readings (SOP 1.4 cross-check)`);
  }
  const severity = severityOf(deviceId, mode, readings);
  const latest = raw.length ? raw[raw.length - 1] : readings.length ? readings[readings.length - 1] : null;
  const key: Sensor | null =
    mode === 'thermal_runaway'
      ? 'temperature'
      : mode === 'pressure_leak'
        ? 'pressure'
        : mode === 'bearing_failure'
          ? 'vibration'
          : mode === 'electrical_fault'
            ? 'power'
            : null;
  let peak: Diagnosis['peak'] = null;
  if (key) {
    const xs = col(readings, key);
    if (xs.length) peak = { sensor: key, value: r1(key === 'pressure' ? Math.min(...xs) : Math.max(...xs)) };
  }
  return { mode, basis, severity, evidence, latest, peak };
}

export interface SopCommand {
  command: 'reduce_load' | 'schedule_maintenance' | 'restore_load';
  params: Record<string, unknown>;
  why: string;
}

export interface SopPlan {
  section: string;
  /** Device commands, in order; each needs an operator (REVIEW). */
  commands: SopCommand[];
  /** Acknowledge the anomaly with a note instead of acting (sensor drift). */
  acknowledge: string | null;
  /** What to tell the operator that only a person on the floor can do. */
  operatorNotes: string[];
}

/** The load reduction the manual's section names ("reduce_load with reduction_pct 50", "Reduce load by 30-50 %"). */
export function reductionFromManual(text: string, severity: Severity): number | null {
  const exact = /reduce_load with reduction_pct\s+(\d{1,2})/i.exec(text);
  if (exact) return Number(exact[1]);
  const range = /reduce load by\s+(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\s*%/i.exec(text);
  if (range) return severity === 'critical' ? Number(range[2]) : Number(range[1]);
  const single = /reduce load by\s+(\d{1,2})\s*%/i.exec(text);
  return single ? Number(single[1]) : null;
}

/** Chapter 2's procedure for the diagnosed mode. `manualText` is what query_device_manual returned. */
export function sopPlan(deviceId: string, d: Diagnosis, manualText: string, reductionOverride: number | null): SopPlan {
  const section = SOP_SECTION[d.mode].section;
  const fromManual = reductionFromManual(manualText, d.severity);
  const defaults: Record<FailureMode, number> = {
    thermal_runaway: 50,
    pressure_leak: 30,
    bearing_failure: 50,
    sensor_drift: 0,
    electrical_fault: 50,
    unknown: 0,
  };
  const pct = reductionOverride ?? fromManual ?? defaults[d.mode];
  const reduce = (why: string): SopCommand => ({ command: 'reduce_load', params: { reduction_pct: pct }, why });
  const maint = (reason: string): SopCommand => ({ command: 'schedule_maintenance', params: { window: 'next shift', reason }, why: reason });
  switch (d.mode) {
    case 'thermal_runaway':
      return {
        section,
        commands: [reduce(`SOP 2.1 step 2: reduce load first (${pct} %); temperature should level off within 5-10 minutes`)],
        acknowledge: null,
        operatorNotes: ['inspect the cooling fan and intercooler (SOP 2.1 step 3)', 'check lubricant level and colour before restoring full load (3.1)'],
      };
    case 'pressure_leak':
      return {
        section,
        commands: [
          reduce(`SOP 2.2 step 2: reduce load by ${pct} % to limit fluid loss and the power surge`),
          maint('SOP 2.2 step 5: seal and hose inspection'),
        ],
        acknowledge: null,
        operatorNotes: ['walk down the line for visible leaks (SOP 2.2 step 3)', 'below 18 PSI the operator decides on a local stop (step 4)'],
      };
    case 'bearing_failure':
      return {
        section,
        commands: [
          reduce(`SOP 2.3 step 2: reduce load by ${pct} % to cut the bearing load`),
          maint('SOP 2.3 step 3: bearing replacement or regreasing and a laser alignment check'),
        ],
        acknowledge: null,
        operatorNotes: ['above 7.1 mm/s the operator decides whether to stop the motor (SOP 2.3 step 4)'],
      };
    case 'sensor_drift':
      return {
        section,
        commands: [maint('SOP 2.4 step 3: recalibrate the transmitters')],
        acknowledge: 'matches sensor drift (SOP 2.4): all sensors moved together, humidity included; no load change for drift alone',
        operatorNotes: ["compare with the line's other devices (SOP 2.4 step 4)"],
      };
    case 'electrical_fault':
      return {
        section,
        commands: [reduce(`SOP 2.5 step 2: reduce load by ${pct} % to limit heating of windings and switchgear`)],
        acknowledge: null,
        operatorNotes: ['send an electrician to check terminals, contactor and drive (SOP 2.5 step 3)', 'no restart while the cause is unknown'],
      };
    default:
      return { section, commands: [], acknowledge: null, operatorNotes: ['no failure-mode signature: keep watching, cross-check two sensors (SOP 1.4)'] };
  }
}

/** Smallest fall that is not noise (generator noise σ: 0.6 °C, 0.12 mm/s, 0.5 kW). */
const MARGIN: Partial<Record<Sensor, number>> = { temperature: 1.5, vibration: 0.3, power: 1.5 };

/** The sensor a command should move for this failure mode. */
export function keySensor(mode: FailureMode): Sensor {
  return mode === 'pressure_leak' || mode === 'electrical_fault' ? 'power' : mode === 'bearing_failure' ? 'vibration' : 'temperature';
}

/**
 * A command's effect on the key sensor, on readings taken since it ran (oldest first): the latest
 * value must sit clearly below the level before the command (power drops within seconds), or below
 * the peak seen after it (temperature lags: it first keeps rising, then falls).
 */
export function effectVerified(
  mode: FailureMode,
  after: readonly SeenReading[],
  before: number | null = null,
): { ok: boolean; text: string; peak: number | null; last: number | null } {
  const sensor = keySensor(mode);
  const xs = col(after, sensor);
  if (xs.length < 3) return { ok: false, text: `only ${xs.length} ${sensor} readings since the command`, peak: null, last: null };
  const peak = Math.max(...xs);
  const last = xs[xs.length - 1];
  const m = MARGIN[sensor] ?? 1;
  const belowPeak = last <= peak - m;
  const belowBefore = before !== null && last <= before - m;
  const ok = belowPeak || belowBefore;
  const ref = belowBefore || (!belowPeak && before !== null) ? `was ${r1(before)} before the command` : `peaked at ${r1(peak)} after the command`;
  return { ok, text: `${sensor} ${ref} and is now ${r1(last)} (${xs.length} readings; ${ok ? 'falling' : 'not falling yet'})`, peak, last };
}
