// Latest reading and a fixed-size ring buffer per device, for the UI and the MCP tools. O(1) per
// reading; memory bounded by ringSize × devices.
import type { Reading, TimedReading } from '../../../shared/domain';

export interface LiveCache {
  push(r: TimedReading): void;
  latest(deviceId: string): TimedReading | null;
  /** The last `n` readings of a device, oldest first. */
  recent(deviceId: string, n?: number): TimedReading[];
  devices(): string[];
  /** How many devices have readings (cheap: no array built). */
  deviceCount(): number;
}

export function createLiveCache(ringSize: number): LiveCache {
  const rings = new Map<string, { buf: TimedReading[]; next: number; size: number }>();
  return {
    push(r) {
      let ring = rings.get(r.device_id);
      if (!ring) rings.set(r.device_id, (ring = { buf: new Array(ringSize), next: 0, size: 0 }));
      ring.buf[ring.next] = r;
      ring.next = (ring.next + 1) % ringSize;
      if (ring.size < ringSize) ring.size++;
    },
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
