// Latest reading and a fixed-size ring buffer per device, for the UI and the MCP tools, plus each tag's
// latest value (readings may be partial: one tag's value can be older than the newest reading). O(tags
// in the reading) per reading; memory bounded by ringSize × devices.
import type { Reading, TimedReading } from '../../../shared/domain';
import type { Quality } from '../../../shared/schemas/plant';

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

export function createLiveCache(ringSize: number): LiveCache {
  const rings = new Map<string, { buf: TimedReading[]; next: number; size: number }>();
  const currents = new Map<string, CurrentValues>();
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
      if (!ring) rings.set(r.device_id, (ring = { buf: new Array(ringSize), next: 0, size: 0 }));
      ring.buf[ring.next] = r;
      ring.next = (ring.next + 1) % ringSize;
      if (ring.size < ringSize) ring.size++;
    },
    current: (deviceId) => currents.get(deviceId) ?? null,
    latest(deviceId) {
      const ring = rings.get(deviceId);
      if (!ring || ring.size === 0) return null;
      return ring.buf[(ring.next - 1 + ringSize) % ringSize];
    },
    recent(deviceId, n = ringSize) {
      const ring = rings.get(deviceId);
      if (!ring) return [];
      const k = Math.min(n, ring.size);
      const out: TimedReading[] = new Array(k);
      for (let i = 0; i < k; i++) out[i] = ring.buf[(ring.next - k + i + ringSize) % ringSize]!;
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
