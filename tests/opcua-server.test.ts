// The bench's and the tests' OPC UA plant server: its generator gives every tag one new value per sampling
// period even when its timer fires late (bench:tags --connector opcua must offer 10,000 changes/s for 10,000 tags).
import { describe, expect, it } from 'vitest';
import { generatorTick, type GeneratedTag } from './opcua-server';

describe('the OPC UA plant server generator', () => {
  it('changes every tag once per period however late its 100 ms ticks fire', () => {
    const tags = new Map<string, GeneratedTag>(Array.from({ length: 50 }, (_, i) => [`t${i}`, { normal: [10, 20], period: 1000, i, held: i === 49 }]));
    const sets = new Map<string, number[]>();
    const start = Date.UTC(2026, 0, 1, 0, 0, 0, 40);
    // setInterval(100) under load: each tick a few ms later than the last one planned, now and then much later.
    let prev = start;
    let now = start;
    for (let k = 1; now < start + 60_000; k++) {
      now += 100 + (k % 7) + (k % 97 === 0 ? 60 : 0);
      generatorTick(tags, prev, now, (tag, value, at) => {
        expect(value).toBeGreaterThanOrEqual(10);
        expect(value).toBeLessThanOrEqual(20);
        sets.set(tag, [...(sets.get(tag) ?? []), at.getTime()]);
      });
      prev = now;
    }
    const seconds = Math.floor(now / 1000) - Math.floor(start / 1000);
    expect(seconds).toBeGreaterThanOrEqual(60);
    for (let i = 0; i < 49; i++) {
      const at = sets.get(`t${i}`) ?? [];
      // One value in every second, the first tick of that second.
      expect(at.map((t) => Math.floor(t / 1000))).toEqual(Array.from({ length: seconds }, (_, s) => Math.floor(start / 1000) + 1 + s));
    }
    // A tag the test holds is left alone.
    expect(sets.has('t49')).toBe(false);
  });
  it('staggered tags turn at their phase, once per period, ticks late or not', () => {
    const tags = new Map<string, GeneratedTag>(
      Array.from({ length: 10 }, (_, i) => [`t${i}`, { normal: [0, 1], period: 1000, phase: i * 100, i, held: false }]),
    );
    const sets = new Map<string, number[]>();
    const start = Date.UTC(2026, 0, 1);
    let prev = start;
    for (let now = start + 100; now <= start + 10_000; now += 100) {
      const at = now + (now % 700 === 0 ? 90 : 3);
      generatorTick(tags, prev, at, (tag, _v, t) => sets.set(tag, [...(sets.get(tag) ?? []), t.getTime() - start]));
      prev = at;
    }
    for (let i = 0; i < 10; i++) {
      const at = sets.get(`t${i}`) ?? [];
      // Tag i's k-th value in [k s + i × 100 ms, k s + (i + 1) × 100 ms): its phase, plus the tick's lateness.
      expect(at.map((t) => Math.floor((t - i * 100) / 1000))).toEqual(Array.from({ length: at.length }, (_, k) => (i === 0 ? k + 1 : k)));
      expect(at.every((t) => (t - i * 100) % 1000 < 100)).toBe(true);
      expect(at.length).toBeGreaterThanOrEqual(9);
    }
  });
});
