// Latest reading and a fixed-size ring buffer per device, for the UI and the MCP tools, plus each tag's
// latest value (readings may be partial: one tag's value can be older than the newest reading). O(tags
// in the reading) per reading; memory bounded by ringSize × tags (8 bytes a value, packed).
import type { Reading, TimedReading } from '../../../shared/domain';
import type { Quality } from '../../../shared/schemas/plant';
import { createIsoStamps } from './stamps';

/** A device's latest value of each tag, its quality as received and when it came (plant time, ms). */
export interface CurrentValues {
  values: Record<string, number>;
  quality: Record<string, Quality>;
  at: Record<string, number>;
  /** When each tag's value reached the live view (core clock, ms). */
  arrived: Record<string, number>;
  /** The newest reading's time. */
  ts: number;
}

export interface LiveCache {
  /** `arrivedAt`: the core's clock now (staleness allows for values still in flight). */
  push(r: TimedReading, arrivedAt?: number): void;
  /** Each tag's latest value; null before the device's first reading. */
  current(deviceId: string): CurrentValues | null;
  latest(deviceId: string): TimedReading | null;
  /** The last `n` readings of a device, oldest first. */
  recent(deviceId: string, n?: number): TimedReading[];
  devices(): string[];
  /** How many devices have readings (cheap: no array built). */
  deviceCount(): number;
}

/**
 * A device's last readings, packed: one column of numbers per tag key (NaN where a reading lacked the key)
 * instead of the reading objects as they came. At 100,000 tags the objects cost ~80 bytes a value and
 * 5.8 GB with full rings (bench/tags-live.ts); packed, a value is 8 bytes. Readings are rebuilt when read.
 */
class PackedRing {
  /** Tag keys in the order first seen (a reading's keys come back in this order). */
  readonly keys: string[] = [];
  private readonly index = new Map<string, number>();
  private ts = new Float64Array(0);
  /** The reading's own timestamp text where it is not the ISO form of ts (null: rebuilt from ts). */
  private readonly stamps: Array<string | null> = [];
  /** Quality of the slot's reading, where it carried one. */
  private readonly quality = new Map<number, Record<string, Quality>>();
  /** rowCap slots × colCap columns; both grow by doubling (rows up to the ring's size), so a device's
   *  first readings and its births cost no more than the values they hold. */
  private vals = new Float64Array(0);
  private rowCap = 0;
  private colCap = 0;
  next = 0;
  size = 0;

  constructor(
    readonly deviceId: string,
    private readonly cap: number,
    private readonly iso: (ts: number) => string,
  ) {}

  private grow(rows: number, cols: number): void {
    if (rows <= this.rowCap && cols <= this.colCap) return;
    const rc = rows > this.rowCap ? Math.min(this.cap, Math.max(rows, 2 * this.rowCap, 8)) : this.rowCap;
    const cc = cols > this.colCap ? Math.max(cols, 2 * this.colCap, 4) : this.colCap;
    const vals = new Float64Array(rc * cc).fill(NaN);
    for (let r = 0; r < this.rowCap; r++) vals.set(this.vals.subarray(r * this.colCap, r * this.colCap + this.keys.length), r * cc);
    this.vals = vals;
    if (rc > this.rowCap) {
      const ts = new Float64Array(rc);
      ts.set(this.ts);
      this.ts = ts;
    }
    this.rowCap = rc;
    this.colCap = cc;
  }

  push(r: TimedReading): void {
    const slot = this.next;
    this.grow(slot + 1, this.keys.length);
    let o = slot * this.colCap;
    this.vals.fill(NaN, o, o + this.keys.length);
    for (const k in r.values) {
      let c = this.index.get(k);
      if (c === undefined) {
        // a new key: a column for it (NaN in every slot so far), the slot's values written before it kept
        c = this.keys.length;
        this.grow(this.rowCap, c + 1);
        this.index.set(k, c);
        this.keys.push(k);
        o = slot * this.colCap;
      }
      this.vals[o + c] = r.values[k];
    }
    this.ts[slot] = r.ts;
    this.stamps[slot] = Number.isFinite(r.ts) && r.timestamp === this.iso(r.ts) ? null : r.timestamp;
    if (r.quality) this.quality.set(slot, r.quality);
    else this.quality.delete(slot);
    this.next = (slot + 1) % this.cap;
    if (this.size < this.cap) this.size++;
  }

  /** The reading in a slot, rebuilt. */
  at(slot: number): TimedReading {
    const o = slot * this.colCap;
    const values: Record<string, number> = {};
    for (let c = 0; c < this.keys.length; c++) {
      const v = this.vals[o + c];
      if (v === v) values[this.keys[c]] = v;
    }
    const ts = this.ts[slot];
    const q = this.quality.get(slot);
    const r: TimedReading = { device_id: this.deviceId, timestamp: this.stamps[slot] ?? this.iso(ts), values, ts };
    if (q) r.quality = q;
    return r;
  }
}

export function createLiveCache(ringSize: number): LiveCache {
  const rings = new Map<string, PackedRing>();
  const currents = new Map<string, CurrentValues>();
  const iso = createIsoStamps();
  return {
    push(r, arrivedAt = Date.now()) {
      let cur = currents.get(r.device_id);
      if (!cur) currents.set(r.device_id, (cur = { values: {}, quality: {}, at: {}, arrived: {}, ts: r.ts }));
      if (r.ts > cur.ts) cur.ts = r.ts;
      // A late reading never hides a newer value of the same tag.
      // for…in, not Object.entries: no pair array per value (100,000 values/s through here).
      for (const k in r.values) {
        const v = r.values[k];
        if ((cur.at[k] ?? -Infinity) > r.ts) continue;
        cur.values[k] = v;
        cur.at[k] = r.ts;
        cur.arrived[k] = arrivedAt;
        const q = r.quality?.[k];
        if (q) cur.quality[k] = q;
        else delete cur.quality[k];
      }
      // A bad-payload tag has a quality but no value: it marks the last value, it does not replace it.
      if (r.quality) for (const k in r.quality) if (!(k in r.values)) cur.quality[k] = r.quality[k];
      let ring = rings.get(r.device_id);
      if (!ring) rings.set(r.device_id, (ring = new PackedRing(r.device_id, ringSize, iso)));
      ring.push(r);
    },
    current: (deviceId) => currents.get(deviceId) ?? null,
    latest(deviceId) {
      const ring = rings.get(deviceId);
      if (!ring || ring.size === 0) return null;
      return ring.at((ring.next - 1 + ringSize) % ringSize);
    },
    recent(deviceId, n = ringSize) {
      const ring = rings.get(deviceId);
      if (!ring) return [];
      const k = Math.min(n, ring.size);
      const out: TimedReading[] = new Array(k);
      for (let i = 0; i < k; i++) out[i] = ring.at((ring.next - k + i + ringSize) % ringSize);
      return out;
    },
    devices: () => [...rings.keys()].sort(),
    deviceCount: () => rings.size,
  };
}

export function stripTs(r: TimedReading): Reading {
  const { ts: _ts, ...rest } = r;
  return rest;
}
