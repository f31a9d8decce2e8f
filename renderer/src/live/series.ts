// High-rate readings live here, never in React state: per device, one time column (seconds, as uPlot
// wants) and one column per sensor in typed arrays. Each buffer is twice its capacity so the visible
// window is always one contiguous subarray (uPlot draws it as is); when the end is reached the window
// is copied back to the front, an O(capacity) step every `capacity` pushes, O(1) amortised.
import { SENSORS, type Sensor } from '../domain';

export interface SeriesView {
  /** Seconds since the epoch, ascending. */
  t: Float64Array;
  values: Record<Sensor, Float64Array>;
  length: number;
}

export interface ReadingLike {
  device_id: string;
  ts?: number;
  timestamp: string;
  /** Tag key -> value; a missing key is no new value (NaN in the series). */
  values: Readonly<Record<string, number>>;
}

export function readingTimeMs(r: ReadingLike): number {
  return typeof r.ts === 'number' ? r.ts : Date.parse(r.timestamp);
}

export class DeviceSeries {
  private t: Float64Array;
  private v: Float64Array[];
  private start = 0;
  private end = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError('capacity must be an integer ≥ 2');
    this.t = new Float64Array(capacity * 2);
    this.v = SENSORS.map(() => new Float64Array(capacity * 2));
  }

  get length(): number {
    return this.end - this.start;
  }

  lastTime(): number | null {
    return this.end > this.start ? this.t[this.end - 1] : null;
  }

  clear(): void {
    this.start = this.end = 0;
  }

  /** Append one sample. A sample older than the last one (a seek back, a dataset loop) restarts the series: uPlot needs ascending x. */
  push(tSec: number, values: ArrayLike<number>): void {
    if (!Number.isFinite(tSec)) return;
    const last = this.lastTime();
    if (last !== null && tSec < last) this.clear();
    if (this.end === this.t.length) this.compact();
    this.t[this.end] = tSec;
    for (let i = 0; i < this.v.length; i++) this.v[i][this.end] = values[i] ?? NaN;
    this.end++;
    if (this.end - this.start > this.capacity) this.start++;
  }

  private compact(): void {
    const n = this.end - this.start;
    this.t.copyWithin(0, this.start, this.end);
    for (const col of this.v) col.copyWithin(0, this.start, this.end);
    this.start = 0;
    this.end = n;
  }

  /** Zero-copy views of the current window. Valid until the next push. */
  view(): SeriesView {
    const values = {} as Record<Sensor, Float64Array>;
    SENSORS.forEach((s, i) => (values[s] = this.v[i].subarray(this.start, this.end)));
    return { t: this.t.subarray(this.start, this.end), values, length: this.end - this.start };
  }

  latest(sensor: Sensor): number | null {
    if (this.end === this.start) return null;
    return this.v[SENSORS.indexOf(sensor)][this.end - 1];
  }
}

type Listener = (devices: ReadonlySet<string>) => void;

/**
 * Running normal band per sensor: exponentially weighted mean and variance (O(1) per sample). The
 * weight starts as 1/n (a plain mean while warming up) and settles at `alpha`: 1/360 is half an hour of
 * plant time at 5 s, slow beside a thermal runaway's 30 minutes, fast beside the daily cycle.
 */
export class NormalBand {
  private n = 0;
  private mean = new Float64Array(SENSORS.length);
  private variance = new Float64Array(SENSORS.length);

  constructor(private alpha = 1 / 360) {}

  update(values: ArrayLike<number>): void {
    this.n++;
    const a = Math.max(1 / this.n, this.alpha);
    for (let i = 0; i < SENSORS.length; i++) {
      const x = values[i];
      if (!Number.isFinite(x)) continue;
      const d = x - this.mean[i];
      this.mean[i] = this.mean[i] + a * d;
      this.variance[i] = (1 - a) * (this.variance[i] + a * d * d);
    }
  }

  /** null until enough samples for a band worth drawing. */
  get(sensor: Sensor, minSamples = 30): { mean: number; sd: number } | null {
    if (this.n < minSamples) return null;
    const i = SENSORS.indexOf(sensor);
    return { mean: this.mean[i], sd: Math.sqrt(this.variance[i]) };
  }
}

/** All devices' series plus a change signal (one notification per batch, not per sample). */
export class LiveReadings {
  private series = new Map<string, DeviceSeries>();
  private bands = new Map<string, NormalBand>();
  private listeners = new Set<Listener>();
  private scratch = new Float64Array(SENSORS.length);
  /** Received samples, for the status bar and tests. */
  received = 0;
  lastArrival = 0;

  constructor(readonly capacity = 17_280) {}

  device(id: string): DeviceSeries {
    let s = this.series.get(id);
    if (!s) this.series.set(id, (s = new DeviceSeries(this.capacity)));
    return s;
  }

  /** The device's running normal band for a sensor (live samples only), or null while warming up. */
  band(deviceId: string, sensor: Sensor): { mean: number; sd: number } | null {
    return this.bands.get(deviceId)?.get(sensor) ?? null;
  }

  devices(): string[] {
    return [...this.series.keys()].sort();
  }

  ingest(readings: readonly ReadingLike[], now = Date.now()): void {
    if (!Array.isArray(readings) || readings.length === 0) return;
    const touched = new Set<string>();
    for (const r of readings) {
      if (!r || typeof r.device_id !== 'string') continue;
      for (let i = 0; i < SENSORS.length; i++) this.scratch[i] = Number(r.values?.[SENSORS[i]] ?? NaN);
      this.device(r.device_id).push(readingTimeMs(r) / 1000, this.scratch);
      let b = this.bands.get(r.device_id);
      if (!b) this.bands.set(r.device_id, (b = new NormalBand()));
      b.update(this.scratch);
      touched.add(r.device_id);
      this.received++;
    }
    this.lastArrival = now;
    this.emit(touched);
  }

  /** Replace a device's window with stored history (ascending), then live samples continue after it. */
  loadHistory(deviceId: string, cols: { ts: ArrayLike<number>; series: Readonly<Record<string, ArrayLike<number | null>>> }): void {
    const s = this.device(deviceId);
    const liveTail: Array<[number, number[]]> = [];
    const v = s.view();
    const lastHist = cols.ts.length ? cols.ts[cols.ts.length - 1] / 1000 : -Infinity;
    for (let i = 0; i < v.length; i++) if (v.t[i] > lastHist) liveTail.push([v.t[i], SENSORS.map((k) => v.values[k][i])]);
    s.clear();
    for (let i = 0; i < cols.ts.length; i++) {
      for (let k = 0; k < SENSORS.length; k++) this.scratch[k] = cols.series[SENSORS[k]]?.[i] ?? NaN;
      s.push(cols.ts[i] / 1000, this.scratch);
    }
    for (const [t, vals] of liveTail) s.push(t, vals);
    this.emit(new Set([deviceId]));
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(devices: ReadonlySet<string>): void {
    for (const l of this.listeners) l(devices);
  }
}
