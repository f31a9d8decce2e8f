// Readings repository over the tag tables (schema.ts). A reading is split into its tags' values; each
// tag's current minute is held in memory and appended to tag_recent (the durable copy), and packed into
// tag_chunks + tag_rollup after the tag's next minute starts (tag-writer.ts). Reads reassemble a
// device's readings from its tags by ts (a reading may carry only some of its tags).
import type { Reading, TimedReading } from '../../../shared/domain';
import type { Db } from './database';
import { BAD, ROLLUP_MS, decodeMinute, decodeQuality, emptyMinute, minuteOf, sortMinute, type Minute } from './chunks';
import { createTagRange, type TagSeries } from './tag-range';
import { createTagWriter, type TagRef } from './tag-writer';

export { readingsMigrations } from './schema';
export type { TagSeries } from './tag-range';

export interface ReadingsRepository {
  /** Stores the readings' values (and the rollup of the minutes they close) in one transaction; a value already stored for that tag and ts stays. */
  insertBatch(readings: readonly TimedReading[]): number;
  /** Readings stored (distinct ts per device), of one device or all. Reads every value: for tests and benchmarks. */
  count(deviceId?: string): number;
  latest(deviceId: string, limit: number): Reading[];
  /**
   * The last `limit` readings of a device averaged into at most `points` buckets, oldest first: the
   * same buckets of consecutive readings as the MCP tools' downsample(), each with its last reading's
   * timestamp; and how many readings the window holds. With no more readings than `points`, the
   * readings themselves. Averaged over the tags' value arrays, never as one object per reading
   * (finding 10: 2000 reading objects per call of a batch filled the heap and stalled the core). A
   * tag's average leaves out its bad values; a tag with only bad values in a bucket is left out of its
   * values and is bad in its quality.
   */
  latestBuckets(deviceId: string, limit: number, points: number): { count: number; readings: Reading[] };
  /** A device's readings with from ≤ ts ≤ to, oldest first, at most `limit` of them. */
  range(deviceId: string, fromMs: number, toMs: number, limit?: number): Reading[];
  /**
   * Trends of any tags ("<device>/<key>"), one series per tag asked for, in that order: raw values for
   * short windows (time-bucketed avg/min/max when there are more than maxPoints), the 1-minute rollup
   * when each point would cover a minute or more. Bad values are null.
   */
  tagRange(tagIds: readonly string[], fromMs: number, toMs: number, maxPoints: number): TagSeries[];
  /** The keys of a device's stored tags, in the order they were first seen. */
  tagKeys(deviceId: string): string[];
  /**
   * Retention, in whole minutes: deletes the values of minutes that ended at or before cutoffMs, and
   * the rollup of minutes that ended at or before rollupCutoffMs (default: the same). Returns the values deleted.
   */
  deleteOlderThan(cutoffMs: number, rollupCutoffMs?: number): number;
}

/**
 * Readings stored (distinct ts per device, a redelivered duplicate once), of one device or all, from the
 * tables alone: what another connection to the file sees (the open minutes are in tag_recent). Decodes every value.
 */
export function countReadings(db: Db, deviceId?: string): number {
  const tags = (
    deviceId ? db.prepare('SELECT id, device FROM tags WHERE device = ?').all(deviceId) : db.prepare('SELECT id, device FROM tags').all()
  ) as Array<{
    id: number;
    device: string;
  }>;
  const chunks = db.prepare('SELECT bucket, data FROM tag_chunks WHERE tag = ?').raw(true);
  // tag_recent has no index (it is written in arrival order): read once, not per tag.
  const recent = new Map<number, number[]>();
  for (const [tag, ts] of db.prepare('SELECT tag, ts FROM tag_recent').raw(true).all() as Array<[number, number]>) {
    const list = recent.get(tag);
    if (list) list.push(ts);
    else recent.set(tag, [ts]);
  }
  const byDevice = new Map<string, Set<number>>();
  for (const t of tags) {
    let seen = byDevice.get(t.device);
    if (!seen) byDevice.set(t.device, (seen = new Set()));
    for (const [bucket, data] of chunks.all(t.id) as Array<[number, Buffer]>) for (const ts of decodeMinute(bucket, data).ts) seen.add(ts);
    for (const ts of recent.get(t.id) ?? []) seen.add(ts);
  }
  let n = 0;
  for (const seen of byDevice.values()) n += seen.size;
  return n;
}

/** Beyond any Date: the bounds of "everything". */
const MAX_TS = 8.64e15;

export function createReadingsRepository(db: Db): ReadingsRepository {
  const { ids, deviceTags, unpacked, insertBatch } = createTagWriter(db);

  const chunksFrom = db.prepare('SELECT bucket, data FROM tag_chunks WHERE tag = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket').raw(true);
  const chunksDesc = db.prepare('SELECT bucket, data FROM tag_chunks WHERE tag = ? ORDER BY bucket DESC').raw(true);

  /** A tag's values with from ≤ ts ≤ to, oldest first (stored minutes, then the ones not packed yet). */
  const values = (tag: number, fromMs: number, toMs: number): Minute => {
    const from = Math.max(fromMs, -MAX_TS);
    const to = Math.min(toMs, MAX_TS);
    const all = emptyMinute();
    for (const [bucket, data] of chunksFrom.iterate(tag, minuteOf(from), to) as IterableIterator<[number, Buffer]>) decodeMinute(bucket, data, all);
    for (const m of unpacked(tag))
      if (m.bucket + ROLLUP_MS > from && m.bucket <= to)
        for (let i = 0; i < m.ts.length; i++) {
          all.ts.push(m.ts[i]);
          all.value.push(m.value[i]);
          all.quality.push(m.quality[i]);
        }
    const s = sortMinute(all);
    let a = 0;
    let b = s.ts.length;
    while (a < b && s.ts[a] < from) a++;
    while (b > a && s.ts[b - 1] > to) b--;
    return a === 0 && b === s.ts.length ? s : { ts: s.ts.slice(a, b), value: s.value.slice(a, b), quality: s.quality.slice(a, b) };
  };

  /** The ts of a tag's last `limit` values. */
  const lastTsOf = (tag: number, limit: number): number[] => {
    const out = new Set<number>();
    let oldest = Infinity;
    for (const m of unpacked(tag)) {
      for (const ts of m.ts) out.add(ts);
      oldest = Math.min(oldest, m.bucket);
    }
    // Descending minutes: once `limit` values are in, a minute older than all of them adds nothing.
    for (const [bucket, data] of chunksDesc.iterate(tag) as IterableIterator<[number, Buffer]>) {
      if (out.size >= limit && bucket < oldest) break;
      for (const ts of decodeMinute(bucket, data).ts) out.add(ts);
      oldest = Math.min(oldest, bucket);
    }
    return [...out];
  };
  /** The ts of a device's last `limit` readings, oldest first: within the union of each tag's last `limit`. */
  const lastTs = (tags: readonly TagRef[], limit: number): number[] => {
    const all = new Set<number>();
    for (const t of tags) for (const ts of lastTsOf(t.id, limit)) all.add(ts);
    return [...all].sort((a, b) => a - b).slice(-limit);
  };

  /** A device's readings with from ≤ ts ≤ to, assembled from its tags' values (at most `limit`, oldest first). */
  const assemble = (device: string, from: number, to: number, limit: number): Reading[] => {
    const at = new Map<number, Reading>();
    for (const t of deviceTags(device)) {
      const m = values(t.id, from, to);
      for (let i = 0; i < m.ts.length; i++) {
        let r = at.get(m.ts[i]);
        if (!r) at.set(m.ts[i], (r = { device_id: device, timestamp: '', values: {} }));
        r.values[t.key] = m.value[i];
        const q = decodeQuality(m.quality[i]);
        if (q) (r.quality ??= {})[t.key] = q;
      }
    }
    return [...at.keys()]
      .sort((a, b) => a - b)
      .slice(0, limit)
      .map((ts) => {
        const r = at.get(ts) as Reading;
        r.timestamp = new Date(ts).toISOString();
        return r;
      });
  };

  const latest = (device: string, limit: number): Reading[] => {
    const window = lastTs(deviceTags(device), limit);
    return window.length ? assemble(device, window[0], Infinity, limit) : [];
  };

  const latestBuckets = (device: string, limit: number, points: number) => {
    const window = lastTs(deviceTags(device), limit);
    const count = window.length;
    if (count <= points) return { count, readings: count ? assemble(device, window[0], Infinity, limit) : [] };
    const n = Math.floor(points);
    // Reading i (0 = oldest) of count goes to bucket floor(((i + 1) * n - 1) / count): downsample()'s [floor(b count / n), floor((b + 1) count / n)).
    const bucketOf = new Map(window.map((ts, i) => [ts, Math.floor(((i + 1) * n - 1) / count)]));
    const readings: Reading[] = Array.from({ length: n }, (_, b) => ({
      device_id: device,
      timestamp: new Date(window[Math.floor(((b + 1) * count) / n) - 1]).toISOString(),
      values: {},
    }));
    for (const t of deviceTags(device)) {
      const m = values(t.id, window[0], Infinity);
      const sum = new Float64Array(n);
      const cnt = new Uint32Array(n);
      const goodQ = new Uint8Array(n);
      const anyQ = new Uint8Array(n);
      for (let i = 0; i < m.ts.length; i++) {
        const b = bucketOf.get(m.ts[i]);
        if (b === undefined) continue;
        const q = m.quality[i];
        anyQ[b] = Math.max(anyQ[b], q);
        if (q >= BAD) continue;
        sum[b] += m.value[i];
        cnt[b]++;
        goodQ[b] = Math.max(goodQ[b], q);
      }
      for (let b = 0; b < n; b++) {
        if (!cnt[b] && !anyQ[b]) continue;
        const r = readings[b];
        if (cnt[b]) r.values[t.key] = sum[b] / cnt[b];
        const q = decodeQuality(cnt[b] ? goodQ[b] : anyQ[b]);
        if (q) (r.quality ??= {})[t.key] = q;
      }
    }
    return { count, readings };
  };

  const countChunks = db.prepare('SELECT TOTAL(length(data)) / 11 FROM tag_chunks WHERE tag = ? AND bucket <= ?').pluck();
  const deleteChunks = db.prepare('DELETE FROM tag_chunks WHERE tag = ? AND bucket <= ?');
  const deleteRollup = db.prepare('DELETE FROM tag_rollup WHERE tag = ? AND bucket <= ?');
  // Per tag, through the primary key, 200 tags per transaction: retention of a large plant deletes
  // a lot and must not hold one write transaction for all of it.
  const deleteChunk = db.transaction((tags: readonly number[], last: number, lastRollup: number) => {
    let n = 0;
    for (const t of tags) {
      n += countChunks.get(t, last) as number;
      deleteChunks.run(t, last);
      deleteRollup.run(t, lastRollup);
    }
    return n;
  });
  const deleteOlderThan = (cutoff: number, rollupCutoff = cutoff): number => {
    const tags = [...ids.values()];
    let n = 0;
    // A minute goes when it has ended by the cutoff: bucket + ROLLUP_MS <= cutoff.
    for (let i = 0; i < tags.length; i += 200) n += deleteChunk(tags.slice(i, i + 200), cutoff - ROLLUP_MS, rollupCutoff - ROLLUP_MS);
    return n;
  };

  const tagRange = createTagRange(db, {
    idOf: (tag) => ids.get(tag),
    values,
    unpackedBuckets: (tag) => unpacked(tag).map((m) => m.bucket),
  });

  return {
    insertBatch,
    count: (device) => countReadings(db, device),
    latest,
    latestBuckets,
    range: (device, from, to, limit = 10_000) => assemble(device, from, to, limit),
    tagRange,
    tagKeys: (device) => deviceTags(device).map((t) => t.key),
    deleteOlderThan,
  };
}
