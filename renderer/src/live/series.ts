// High-rate readings live here, never in React state: one ring buffer per tag (time in seconds, as
// uPlot wants, and the value), in typed arrays. A reading may carry only some of an asset's tags, so
// each tag keeps its own time column: a 60-s tag beside a 1-s tag never becomes a line full of gaps.
// Each buffer is twice its capacity so the visible window is always one contiguous subarray (uPlot
// draws it as is); when the end is reached the window is copied back to the front, O(1) amortised.
// Samples are kept in time order whatever order they arrive in (stored history after live, a replay
// seeking back): an out-of-order one is inserted at its place, never a reason to start over.
// Buffers start small and grow up to the capacity: hundreds of assets must not cost a day each up front.

export interface SeriesView {
  /** Seconds since the epoch, ascending. */
  t: Float64Array;
  v: Float64Array;
  length: number;
}

export interface ReadingLike {
  device_id: string;
  ts?: number;
  timestamp: string;
  /** Tag key -> value; a missing key is no new value. */
  values: Readonly<Record<string, number>>;
  quality?: Readonly<Record<string, { level: 'uncertain' | 'bad' }>>;
}

export function readingTimeMs(r: ReadingLike): number {
  return typeof r.ts === 'number' ? r.ts : Date.parse(r.timestamp);
}

const INITIAL = 256;

export class TagSeries {
  private t: Float64Array;
  private v: Float64Array;
  private start = 0;
  private end = 0;
  /** The newest arrival (not the largest time): after a seek back in a replay that keeps its timestamps, that is now. */
  private arrivalT: number | null = null;
  private arrivalV: number | null = null;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError('capacity must be an integer ≥ 2');
    const n = Math.min(capacity, INITIAL) * 2;
    this.t = new Float64Array(n);
    this.v = new Float64Array(n);
  }

  get length(): number {
    return this.end - this.start;
  }

  lastTime(): number | null {
    return this.end > this.start ? this.t[this.end - 1] : null;
  }

  /** Time of the newest live sample (seconds), else the last stored one. */
  arrivalTime(): number | null {
    return this.arrivalT ?? this.lastTime();
  }

  /** Value of the newest live sample, else the last stored one. */
  latest(): number | null {
    return this.arrivalT !== null ? this.arrivalV : this.end > this.start ? this.v[this.end - 1] : null;
  }

  clear(): void {
    this.start = this.end = 0;
    this.arrivalT = this.arrivalV = null;
  }

  /**
   * Add one live sample in time order. Most arrive after the last one (appended); an older one (a replay
   * seeking back, history and live arriving in either order) goes to its place, and one at a time
   * already held replaces that value. Nothing already held is thrown away for it: uPlot needs ascending
   * x, not a restart.
   */
  push(tSec: number, value: number): void {
    if (!Number.isFinite(tSec)) return;
    this.arrivalT = tSec;
    this.arrivalV = value;
    this.put(tSec, value);
  }

  private put(tSec: number, value: number): void {
    const last = this.lastTime();
    if (last === null || tSec > last) {
      if (this.end === this.t.length) this.makeRoom();
      this.t[this.end] = tSec;
      this.v[this.end] = value;
      this.end++;
      if (this.end - this.start > this.capacity) this.start++;
      return;
    }
    const i = this.indexOf(tSec);
    if (i < this.end && this.t[i] === tSec) {
      this.v[i] = value;
      return;
    }
    // Older than everything a full buffer keeps: the window has already moved past it.
    if (i === this.start && this.length >= this.capacity) return;
    if (this.end === this.t.length) this.makeRoom();
    // makeRoom moves the window: find the place again.
    const pos = this.indexOf(tSec);
    this.t.copyWithin(pos + 1, pos, this.end);
    this.v.copyWithin(pos + 1, pos, this.end);
    this.t[pos] = tSec;
    this.v[pos] = value;
    this.end++;
    if (this.end - this.start > this.capacity) this.start++;
  }

  /** First index in [start, end) whose time is ≥ tSec. */
  private indexOf(tSec: number): number {
    let lo = this.start;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[mid] < tSec) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Merge a block of samples (ascending) with what is held, in one pass: stored history with the live
   * tail, whichever came first and however they overlap. At equal times the held (live) value stays.
   * A downsampled block (time buckets) `replaces` what is held within its span instead: raw samples
   * between its points would double the density and push the older half of the day out.
   * The newest `capacity` samples of the union are kept.
   */
  merge(ts: ArrayLike<number>, values: ArrayLike<number>, replaces = false): void {
    let cur = this.view();
    if (replaces && ts.length > 0) {
      const lo = ts[0];
      const hi = ts[ts.length - 1];
      const keep = { t: [] as number[], v: [] as number[] };
      for (let i = 0; i < cur.length; i++)
        if (cur.t[i] < lo || cur.t[i] > hi) {
          keep.t.push(cur.t[i]);
          keep.v.push(cur.v[i]);
        }
      cur = { t: Float64Array.from(keep.t), v: Float64Array.from(keep.v), length: keep.t.length };
    }
    const n = ts.length + cur.length;
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < ts.length || j < cur.length) {
      const a = i < ts.length ? ts[i] : Infinity;
      const b = j < cur.length ? cur.t[j] : Infinity;
      let x: number;
      let y: number;
      if (i < ts.length && !Number.isFinite(a)) {
        i++;
        continue;
      } else if (b <= a) {
        if (a === b) i++;
        x = b;
        y = cur.v[j++];
      } else {
        x = a;
        y = values[i++];
      }
      // A block out of order or with a repeated time: the first sample of a time stays, x stays ascending.
      if (k > 0 && t[k - 1] >= x) continue;
      t[k] = x;
      v[k] = y;
      k++;
    }
    const keep = Math.min(k, this.capacity);
    const size = Math.max(Math.min(this.capacity, INITIAL) * 2, Math.min(this.capacity * 2, keep * 2));
    this.t = new Float64Array(size);
    this.v = new Float64Array(size);
    this.t.set(t.subarray(k - keep, k));
    this.v.set(v.subarray(k - keep, k));
    this.start = 0;
    this.end = keep;
  }

  private makeRoom(): void {
    const n = this.end - this.start;
    if (this.t.length < this.capacity * 2) {
      const size = Math.min(this.capacity * 2, this.t.length * 2);
      const t = new Float64Array(size);
      const v = new Float64Array(size);
      t.set(this.t.subarray(this.start, this.end));
      v.set(this.v.subarray(this.start, this.end));
      this.t = t;
      this.v = v;
    } else {
      this.t.copyWithin(0, this.start, this.end);
      this.v.copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = n;
  }

  /** Zero-copy views of the current window. Valid until the next push. */
  view(): SeriesView {
    return { t: this.t.subarray(this.start, this.end), v: this.v.subarray(this.start, this.end), length: this.end - this.start };
  }
}

type Listener = (devices: ReadonlySet<string>) => void;

/** Every tag's series plus a change signal (one notification per batch, naming the devices touched). */
export class LiveReadings {
  private series = new Map<string, TagSeries>();
  private listeners = new Set<Listener>();
  /** Received readings, for the status bar and tests. */
  received = 0;
  lastArrival = 0;

  constructor(readonly capacity = 17_280) {}

  /** The series of one tag by its id ("<device>/<key>"). */
  tag(id: string): TagSeries {
    let s = this.series.get(id);
    if (!s) this.series.set(id, (s = new TagSeries(this.capacity)));
    return s;
  }

  tags(): string[] {
    return [...this.series.keys()].sort();
  }

  ingest(readings: readonly ReadingLike[], now = Date.now()): void {
    if (!Array.isArray(readings) || readings.length === 0) return;
    const touched = new Set<string>();
    for (const r of readings) {
      if (!r || typeof r.device_id !== 'string' || !r.values || typeof r.values !== 'object') continue;
      const t = readingTimeMs(r) / 1000;
      for (const [key, value] of Object.entries(r.values)) {
        // A bad value is no measurement: the trend shows a gap there, never a line through it.
        if (r.quality?.[key]?.level === 'bad') continue;
        this.tag(`${r.device_id}/${key}`).push(t, Number(value));
      }
      touched.add(r.device_id);
      this.received++;
    }
    this.lastArrival = now;
    this.emit(touched);
  }

  /** Merge stored history (one ts column for all tags, ascending) into a device's tag windows, beside the live samples. */
  loadHistory(deviceId: string, cols: { ts: ArrayLike<number>; series: Readonly<Record<string, ArrayLike<number | null>>> }): void {
    for (const [key, col] of Object.entries(cols.series)) this.fill(`${deviceId}/${key}`, cols.ts, col);
    this.emit(new Set([deviceId]));
  }

  /** Merge one tag's stored trend (epoch ms, ascending; null = bad, a gap) with the live samples it holds; a downsampled one replaces them within its span. */
  loadTagHistory(tagId: string, ts: ArrayLike<number>, values: ArrayLike<number | null>, downsampled = false): void {
    this.fill(tagId, ts, values, downsampled);
    this.emit(new Set([tagId.slice(0, tagId.lastIndexOf('/'))]));
  }

  private fill(tagId: string, ts: ArrayLike<number>, col: ArrayLike<number | null>, downsampled = false): void {
    const t: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < ts.length; i++) {
      const x = col[i];
      if (x !== null && x !== undefined && Number.isFinite(x)) {
        t.push(ts[i] / 1000);
        v.push(x);
      }
    }
    this.tag(tagId).merge(t, v, downsampled);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(devices: ReadonlySet<string>): void {
    for (const l of this.listeners) l(devices);
  }
}
