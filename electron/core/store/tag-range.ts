// Trends of any tags: raw values when the window is short, the 1-minute rollup when it is long.
// A point per value up to maxPoints; beyond that, time buckets of equal width with avg/min/max,
// from the raw values (short windows) or summed from the rollup rows (long ones).
import type { TagSeries } from '../../../shared/schemas/plant';
import type { Db } from './database';
import { BAD, ROLLUP_MS, minuteOf, rollupOf, type Minute, type Rollup } from './chunks';

export type { TagSeries };

/** Each point of a window this long would cover at least a rollup minute: the rollup answers. */
export const usesRollup = (fromMs: number, toMs: number, maxPoints: number): boolean => toMs - fromMs >= maxPoints * ROLLUP_MS;

export interface TagRangeDeps {
  idOf(tag: string): number | undefined;
  /** A tag's values with from ≤ ts ≤ to, sorted, stored and open alike. */
  values(tag: number, from: number, to: number): Minute;
  /** The tag's minutes not packed yet (not in the rollup table yet), ascending. */
  unpackedBuckets(tag: number): number[];
}

/** Adds one rollup row (or a bucket's values) into a point's running aggregate. */
function add(into: Rollup, r: Rollup): void {
  into.n += r.n;
  into.sum += r.sum;
  into.bad += r.bad;
  if (r.min !== null) into.min = into.min === null ? r.min : Math.min(into.min, r.min);
  if (r.max !== null) into.max = into.max === null ? r.max : Math.max(into.max, r.max);
}

export function createTagRange(db: Db, deps: TagRangeDeps) {
  const rollupRows = db.prepare('SELECT bucket, n, sum, min, max, bad FROM tag_rollup WHERE tag = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket').raw(true);

  /** Points of width w from `start`, each the sum of the aggregates that fall in it. */
  const bucketed = (tag: string, source: TagSeries['source'], start: number, w: number, parts: Iterable<[number, Rollup]>): TagSeries => {
    const s: TagSeries = { tag, ts: [], value: [], min: [], max: [], source };
    let cur: Rollup | null = null;
    let curB = 0;
    const emit = () => {
      if (!cur) return;
      s.ts.push(curB);
      s.value.push(cur.n ? cur.sum / cur.n : null);
      s.min?.push(cur.min);
      s.max?.push(cur.max);
    };
    for (const [ts, r] of parts) {
      const b = start + Math.floor((ts - start) / w) * w;
      if (!cur || b !== curB) {
        emit();
        cur = { n: 0, sum: 0, min: null, max: null, bad: 0 };
        curB = b;
      }
      add(cur, r);
    }
    emit();
    return s;
  };

  function* rollupParts(id: number, start: number, to: number): Generator<[number, Rollup]> {
    const unpacked = deps.unpackedBuckets(id).filter((b) => b >= start && b <= to);
    // A minute not packed yet (merged with a stored one of the same minute, if any) from its values.
    const fromValues = (b: number): [number, Rollup] => [b, rollupOf(deps.values(id, b, b + ROLLUP_MS - 1))];
    let next = 0;
    for (const [bucket, n, sum, min, max, bad] of rollupRows.iterate(id, start, to) as IterableIterator<
      [number, number, number, number | null, number | null, number]
    >) {
      let same = false;
      while (next < unpacked.length && unpacked[next] <= bucket) {
        same ||= unpacked[next] === bucket;
        yield fromValues(unpacked[next++]);
      }
      if (!same) yield [bucket, { n, sum, min, max, bad }];
    }
    while (next < unpacked.length) yield fromValues(unpacked[next++]);
  }

  function* valueParts(m: Minute): Generator<[number, Rollup]> {
    for (let i = 0; i < m.ts.length; i++) {
      const v = m.value[i];
      yield [m.ts[i], m.quality[i] >= BAD ? { n: 0, sum: 0, min: null, max: null, bad: 1 } : { n: 1, sum: v, min: v, max: v, bad: 0 }];
    }
  }

  const one = (tag: string, from: number, to: number, maxPoints: number): TagSeries => {
    const id = deps.idOf(tag);
    if (id === undefined) return { tag, ts: [], value: [], source: 'raw' };
    if (usesRollup(from, to, maxPoints)) {
      // Whole minutes: the first point starts at the minute `from` falls in.
      const start = minuteOf(from);
      const w = Math.ceil((to - start + 1) / maxPoints / ROLLUP_MS) * ROLLUP_MS;
      return bucketed(tag, 'rollup', start, w, rollupParts(id, start, to));
    }
    const m = deps.values(id, from, to);
    if (m.ts.length <= maxPoints) return { tag, ts: m.ts, value: m.value.map((v, i) => (m.quality[i] >= BAD ? null : v)), source: 'raw' };
    return bucketed(tag, 'buckets', from, Math.max(1, Math.ceil((to - from + 1) / maxPoints)), valueParts(m));
  };

  return (tagIds: readonly string[], from: number, to: number, maxPoints: number): TagSeries[] => {
    const points = Math.max(1, Math.floor(maxPoints));
    return tagIds.map((t) => one(t, from, to, points));
  };
}
