// High-rate readings live here, never in React state: one ring buffer per tag (time in seconds, as
// uPlot wants, and the value), in typed arrays. A reading may carry only some of an asset's tags, so
// each tag keeps its own time column: a 60-s tag beside a 1-s tag never becomes a line full of gaps.
// Each buffer is twice its capacity so the visible window is always one contiguous subarray (uPlot
// draws it as is); when the end is reached the window is copied back to the front, O(1) amortised.
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

  latest(): number | null {
    return this.end > this.start ? this.v[this.end - 1] : null;
  }

  clear(): void {
    this.start = this.end = 0;
  }

  /** Append one sample. A sample older than the last one (a seek back, a dataset loop) restarts the series: uPlot needs ascending x. */
  push(tSec: number, value: number): void {
    if (!Number.isFinite(tSec)) return;
    const last = this.lastTime();
    if (last !== null && tSec < last) this.clear();
    if (this.end === this.t.length) this.makeRoom();
    this.t[this.end] = tSec;
    this.v[this.end] = value;
    this.end++;
    if (this.end - this.start > this.capacity) this.start++;
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

  /** Replace a device's tag windows with stored history (ascending), then live samples continue after it. */
  loadHistory(deviceId: string, cols: { ts: ArrayLike<number>; series: Readonly<Record<string, ArrayLike<number | null>>> }): void {
    for (const [key, col] of Object.entries(cols.series)) this.fill(`${deviceId}/${key}`, cols.ts, col);
    this.emit(new Set([deviceId]));
  }

  /** Replace one tag's window with stored history (epoch ms, ascending; null = bad, a gap), the live tail kept after it. */
  loadTagHistory(tagId: string, ts: ArrayLike<number>, values: ArrayLike<number | null>): void {
    this.fill(tagId, ts, values);
    this.emit(new Set([tagId.slice(0, tagId.lastIndexOf('/'))]));
  }

  private fill(tagId: string, ts: ArrayLike<number>, col: ArrayLike<number | null>): void {
    const lastHist = ts.length ? ts[ts.length - 1] / 1000 : -Infinity;
    const s = this.tag(tagId);
    const v = s.view();
    const liveTail: Array<[number, number]> = [];
    for (let i = 0; i < v.length; i++) if (v.t[i] > lastHist) liveTail.push([v.t[i], v.v[i]]);
    s.clear();
    for (let i = 0; i < ts.length; i++) {
      const x = col[i];
      if (x !== null && x !== undefined && Number.isFinite(x)) s.push(ts[i] / 1000, x);
    }
    for (const [t, x] of liveTail) s.push(t, x);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(devices: ReadonlySet<string>): void {
    for (const l of this.listeners) l(devices);
  }
}
