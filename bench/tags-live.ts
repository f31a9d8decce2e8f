// What the live cache holds per value once its rings are full: DEVICES devices × 100 tags, RING readings
// each (the core's ingest.ringSize, 720), every reading a full one, measured as the heap the cache keeps
// after a full GC. At bench:tags --connector sparkplug --tags 100000 (1,000 devices × 100) a 20–30 s run
// fills 20–30 of the 720 slots; this shows the steady state it does not reach. Last line: one JSON object.
//   node --expose-gc --import tsx bench/tags-live.ts [--devices 100] [--ring 720]
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
gc();
const before = process.memoryUsage().heapUsed;
const live = createLiveCache(RING);
const keys = Array.from({ length: KEYS }, (_, k) => `metric_${k}`);
for (let s = 0; s < RING; s++)
  for (let d = 0; d < DEVICES; d++) {
    const values: Record<string, number> = {};
    for (const k of keys) values[k] = Math.random() * 100;
    const ts = 1.7e12 + s * 1000;
    live.push({ device_id: `node-${d % 100}/dev-${d}`, timestamp: new Date(ts).toISOString(), ts, values });
  }
gc();
const held = process.memoryUsage().heapUsed - before;
const values = DEVICES * RING * KEYS;
console.log(
  JSON.stringify({
    devices: live.deviceCount(),
    ring: RING,
    values,
    heap_mb: Math.round(held / 1e6),
    bytes_per_value: Number((held / values).toFixed(1)),
    // The same per value at 1,000 devices × 100 tags with full rings.
    projected_mb_100k_tags: Math.round(((held / values) * 1000 * RING * KEYS) / 1e6),
  }),
);
