// What the live cache holds per value once its rings are full: DEVICES devices × 100 tags, RING readings
// each (the core's ingest.ringSize, 720), every reading a full one, measured as the heap the cache keeps
// after a full GC. At bench:tags --connector sparkplug --tags 100000 (1,000 devices × 100) a 20–30 s run
// fills 20–30 of the 720 slots; this shows the steady state it does not reach. Reference, in the same run:
// the same readings kept as the objects they came as (what the cache held before it packed them); ratio =
// the cache's bytes per value over the reference's. Last line: one JSON object.
//   node --expose-gc --import tsx bench/tags-live.ts [--devices 100] [--ring 720]
import type { TimedReading } from '../shared/domain';
import { createLiveCache } from '../electron/core/ingest/live';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const DEVICES = arg('devices', 100);
const RING = arg('ring', 720);
const KEYS = 100;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const keys = Array.from({ length: KEYS }, (_, k) => `metric_${k}`);
const reading = (s: number, d: number): TimedReading => {
  const values: Record<string, number> = {};
  for (const k of keys) values[k] = Math.random() * 100;
  const ts = 1.7e12 + s * 1000;
  return { device_id: `node-${d % 100}/dev-${d}`, timestamp: new Date(ts).toISOString(), ts, values };
};
/** Memory kept by what fill() returns after a full GC: the JS heap and typed arrays' buffers (outside it). */
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
function heldBy(fill: () => unknown): { bytes: number; kept: unknown } {
  gc?.();
  const before = used();
  const kept = fill();
  gc?.();
  return { bytes: used() - before, kept };
}
const values = DEVICES * RING * KEYS;
const ref = heldBy(() => {
  const rings = Array.from({ length: DEVICES }, () => new Array<TimedReading>(RING));
  for (let s = 0; s < RING; s++) for (let d = 0; d < DEVICES; d++) rings[d][s] = reading(s, d);
  return rings;
});
const refPerValue = ref.bytes / values;
ref.kept = null;
const cache = heldBy(() => {
  const live = createLiveCache(RING);
  for (let s = 0; s < RING; s++) for (let d = 0; d < DEVICES; d++) live.push(reading(s, d));
  return live;
});
const held = cache.bytes;
console.log(`live cache: ${(held / values).toFixed(1)} bytes per value (${Math.round(held / 1e6)} MB for ${values.toLocaleString('en-US')} values)`);
console.log(`reference:  ${refPerValue.toFixed(1)} bytes per value, the same readings kept as the objects they came as`);
console.log(
  JSON.stringify({
    devices: DEVICES,
    ring: RING,
    values,
    heap_mb: Math.round(held / 1e6),
    bytes_per_value: Number((held / values).toFixed(1)),
    reference_bytes_per_value: Number(refPerValue.toFixed(1)),
    ratio: Number((held / values / refPerValue).toFixed(3)),
    // The same per value at 1,000 devices × 100 tags with full rings.
    projected_mb_100k_tags: Math.round(((held / values) * 1000 * RING * KEYS) / 1e6),
  }),
);
