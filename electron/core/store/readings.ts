// Readings repository over the tag tables (schema.ts). A reading is split into its tags' values; each
// tag's current minute is held in memory and appended to tag_recent (the durable copy), and packed into
// tag_chunks + tag_rollup when the tag's next minute starts. Reads reassemble a device's readings from
// its tags by ts (a reading may carry only some of its tags).
import type { Reading, TimedReading } from '../../../shared/domain';
import type { Db } from './database';
import { BAD, ROLLUP_MS, createMinuteWriter, decodeMinute, decodeQuality, emptyMinute, encodeQuality, minuteOf, sortMinute, type Minute } from './chunks';
import { createTagRange, type TagSeries } from './tag-range';

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

interface TagRef {
  id: number;
  key: string;
}

/** A tag's minute still open: its values (arrival order) and its first row in tag_recent. */
interface Open extends Minute {
  bucket: number;
  firstRow: number;
}

/**
 * A Map keyed by tag id (small dense integers) over an array: the lookup per value indexes instead of
 * hashing (a Map of 100,000 tags was a visible share of the store's time per value).
 */
class ById<T> {
  private items: Array<T | undefined> = [];
  size = 0;
  get(id: number): T | undefined {
    return this.items[id];
  }
  set(id: number, v: T): void {
    if (this.items[id] === undefined) this.size++;
    this.items[id] = v;
  }
  delete(id: number): void {
    if (this.items[id] === undefined) return;
    this.size--;
    this.items[id] = undefined;
  }
  *entries(): Generator<[number, T]> {
    for (let id = 0; id < this.items.length; id++) {
      const v = this.items[id];
      if (v !== undefined) yield [id, v];
    }
  }
  *values(): Generator<T> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}

/** Beyond any Date: the bounds of "everything". */
const MAX_TS = 8.64e15;

/** Open minutes older than the newest one seen by this much are packed even if their tag went quiet. */
const QUIET_MS = 2 * ROLLUP_MS;

/**
 * Closed minutes packed per batch, at least: a minute's turn closes every tag's minute at once (100,000
 * chunk and rollup rows for 100,000 tags, seconds of work), so they wait in `closing` and go a share per batch.
 */
const PACK_MIN = 256;
/** …or this fraction of those waiting, whichever is more: a large turn drains in ~15 s of 100 ms batches. */
const PACK_SHARE = 1 / 50;

/**
 * tag_recent rows deleted per batch, at most: this many plus twice the rows the batch added (so trimming
 * keeps up). Trimming a minute of a large plant at once (6,000,000 rows at 100,000 tags) took a second.
 */
const TRIM_ROWS = 20_000;

/** tag_recent rows per INSERT statement: one statement per value was most of the store's cost per value at 100,000 values/s. */
const RECENT_ROWS = 100;

export function createReadingsRepository(db: Db): ReadingsRepository {
  const ids = new Map<string, number>();
  const byDevice = new Map<string, TagRef[]>();
  /** device -> key -> tag id: a value finds its tag by the strings it carries (hashed once per string), no "<device>/<key>" built per value. */
  const byKey = new Map<string, Map<string, number>>();
  const remember = (tag: string, device: string, key: string, id: number) => {
    ids.set(tag, id);
    const list = byDevice.get(device);
    if (list) list.push({ id, key });
    else byDevice.set(device, [{ id, key }]);
    const keys = byKey.get(device);
    if (keys) keys.set(key, id);
    else byKey.set(device, new Map([[key, id]]));
  };
  for (const r of db.prepare('SELECT id, tag, device, key FROM tags ORDER BY id').all() as Array<{ id: number; tag: string; device: string; key: string }>)
    remember(r.tag, r.device, r.key, r.id);
  const deviceTags = (device: string): readonly TagRef[] => byDevice.get(device) ?? [];

  const insertTag = db.prepare('INSERT INTO tags (tag, device, key) VALUES (?, ?, ?)');
  // Rowids are given, in arrival order, so a batch's rows go in statements of RECENT_ROWS rows and an open minute knows its first row.
  const recentSql = (n: number) => `INSERT INTO tag_recent (rowid, tag, ts, value, quality) VALUES ${Array<string>(n).fill('(?, ?, ?, ?, ?)').join(', ')}`;
  const insertRecentMany = db.prepare(recentSql(RECENT_ROWS));
  const insertRecent = db.prepare(recentSql(1));
  const trimRecent = db.prepare('DELETE FROM tag_recent WHERE rowid >= ? AND rowid < ?');
  let nextRow = Number(db.prepare('SELECT COALESCE(MAX(rowid), 0) + 1 FROM tag_recent').pluck().get());
  const recentRows: number[] = new Array<number>(RECENT_ROWS * 5);
  let recentLen = 0;
  const appendRecent = (tag: number, ts: number, value: number, quality: number) => {
    recentRows[recentLen++] = nextRow++;
    recentRows[recentLen++] = tag;
    recentRows[recentLen++] = ts;
    recentRows[recentLen++] = value;
    recentRows[recentLen++] = quality;
    if (recentLen === recentRows.length) {
      insertRecentMany.run(recentRows);
      recentLen = 0;
    }
  };
  const flushRecent = () => {
    for (let i = 0; i < recentLen; i += 5) insertRecent.run(recentRows.slice(i, i + 5));
    recentLen = 0;
  };
  const writeMinute = createMinuteWriter(db);
  const open = new ById<Open>();
  /** Minutes over and not packed yet (at most one per tag), in the order they closed; still in tag_recent, and read like open ones. */
  const closing = new Map<number, Open>();
  let newest = -Infinity;

  // Per batch: what the transaction changed in memory, undone if it rolls back. A tag is noted once per
  // batch (its open minute and length before), marked by the batch's number: no allocation per value.
  let batchNo = 0;
  let touchedIn = new Uint32Array(1024);
  // Each touched tag's open and closed minute and their lengths before the batch, in parallel arrays reused from batch to batch.
  const undo = { n: 0, tag: [] as number[], m: [] as Array<Open | undefined>, len: [] as number[], c: [] as Array<Open | undefined>, cLen: [] as number[] };
  let created: string[] = [];
  const touch = (tag: number) => {
    if (tag >= touchedIn.length) {
      const grown = new Uint32Array(Math.max(tag + 1, touchedIn.length * 2));
      grown.set(touchedIn);
      touchedIn = grown;
    }
    if (touchedIn[tag] === batchNo) return;
    touchedIn[tag] = batchNo;
    const m = open.get(tag);
    const c = closing.get(tag);
    const i = undo.n++;
    undo.tag[i] = tag;
    undo.m[i] = m;
    undo.len[i] = m ? m.ts.length : 0;
    undo.c[i] = c;
    undo.cLen[i] = c ? c.ts.length : 0;
  };

  /** A tag's minute is over: it waits in `closing` (an older one still waiting there is packed now). */
  const close = (tag: number, m: Open) => {
    const c = closing.get(tag);
    if (c) {
      writeMinute(tag, c.bucket, c);
      closing.delete(tag);
    }
    closing.set(tag, m);
  };

  /** Packs up to n closed minutes, oldest first. */
  const packClosing = (n: number) => {
    for (const [tag, c] of closing) {
      if (n-- <= 0) break;
      touch(tag);
      writeMinute(tag, c.bucket, c);
      closing.delete(tag);
    }
  };

  /** Closes the open minutes of tags that went quiet. */
  const closeQuiet = () => {
    for (const [tag, m] of open)
      if (m.bucket < newest - QUIET_MS) {
        touch(tag);
        close(tag, m);
        open.delete(tag);
      }
  };
  /** tag_recent is trimmed up to `trimTo` (the oldest row of a minute not packed, when last computed), `trimmed` rows done. */
  let trimmed = Number(db.prepare('SELECT COALESCE(MIN(rowid), 0) FROM tag_recent').pluck().get());
  let trimTo = trimmed;
  const trimTarget = () => {
    let low = nextRow;
    for (const m of open.values()) low = Math.min(low, m.firstRow);
    for (const c of closing.values()) low = Math.min(low, c.firstRow);
    trimTo = Math.max(trimTo, low);
  };
  const trim = (n: number) => {
    if (trimmed >= trimTo) return;
    const upTo = Math.min(trimTo, trimmed + n);
    trimRecent.run(trimmed, upTo);
    trimmed = upTo;
  };

  const tagId = (device: string, key: string): number => {
    const known = byKey.get(device)?.get(key);
    if (known !== undefined) return known;
    const tag = `${device}/${key}`;
    const id = Number(insertTag.run(tag, device, key).lastInsertRowid);
    remember(tag, device, key, id);
    created.push(tag);
    return id;
  };

  /**
   * One value: into its tag's open minute (a newer minute closes the open one first), into its closed
   * minute not packed yet, or merged into a stored minute (late). True when it went into an open or
   * closed minute as row `row` of tag_recent.
   */
  const put = (tag: number, ts: number, value: number, quality: number, row: number): boolean => {
    const bucket = minuteOf(ts);
    let m = open.get(tag);
    touch(tag);
    if (m && bucket < m.bucket) {
      const c = closing.get(tag);
      if (c?.bucket !== bucket) {
        writeMinute(tag, bucket, { ts: [ts], value: [value], quality: [quality] });
        return false;
      }
      m = c;
    } else if (m && bucket > m.bucket) {
      close(tag, m);
      m = undefined;
    }
    if (m && (ts <= m.ts[m.ts.length - 1] ? m.ts.includes(ts) : false)) return false;
    if (!m) open.set(tag, (m = { ...emptyMinute(), bucket, firstRow: row }));
    m.ts.push(ts);
    m.value.push(value);
    m.quality.push(quality);
    if (bucket > newest) newest = bucket;
    return true;
  };

  let packAt = -Infinity;
  let before = { newest, packAt, nextRow, trimmed, trimTo };
  const insertMany = db.transaction((rows: readonly TimedReading[]) => {
    for (const r of rows) {
      const ts = r.ts;
      const quality = r.quality;
      const known = byKey.get(r.device_id);
      for (const key in r.values) {
        const v = r.values[key];
        const q = quality ? encodeQuality(quality[key]) : 0;
        const id = known?.get(key) ?? tagId(r.device_id, key);
        if (put(id, ts, v, q, nextRow)) appendRecent(id, ts, v, q);
      }
    }
    flushRecent();
    // Once per minute of plant time: quiet tags close, and what tag_recent may lose is computed after this batch's packing.
    const turn = newest > packAt;
    if (turn) closeQuiet();
    packClosing(Math.max(PACK_MIN, Math.ceil(closing.size * PACK_SHARE)));
    if (turn) {
      packAt = newest;
      trimTarget();
    }
    trim(TRIM_ROWS + 2 * (nextRow - before.nextRow));
    return rows.length;
  });
  const insertBatch = (rows: readonly TimedReading[]): number => {
    if (!rows.length) return 0;
    batchNo++;
    created = [];
    undo.n = 0;
    recentLen = 0;
    before = { newest, packAt, nextRow, trimmed, trimTo };
    try {
      return insertMany(rows);
    } catch (err) {
      for (let i = 0; i < undo.n; i++) {
        const tag = undo.tag[i];
        const m = undo.m[i];
        const c = undo.c[i];
        if (!m) open.delete(tag);
        else {
          m.ts.length = m.value.length = m.quality.length = undo.len[i];
          open.set(tag, m);
        }
        if (!c) closing.delete(tag);
        else {
          c.ts.length = c.value.length = c.quality.length = undo.cLen[i];
          closing.set(tag, c);
        }
      }
      for (const tag of created) {
        const id = ids.get(tag);
        ids.delete(tag);
        const device = tag.slice(0, tag.lastIndexOf('/'));
        byDevice.set(
          device,
          deviceTags(device).filter((t) => t.id !== id),
        );
        const keys = byKey.get(device);
        if (keys) for (const [k, v] of keys) if (v === id) keys.delete(k);
      }
      ({ newest, packAt, nextRow, trimmed, trimTo } = before);
      throw err;
    }
  };

  // A restart: the open minutes come back from tag_recent (rows of minutes already packed merge as duplicates).
  db.transaction(() => {
    const recent = db.prepare('SELECT rowid, tag, ts, value, quality FROM tag_recent ORDER BY rowid').raw(true);
    for (const [row, tag, ts, value, quality] of recent.all() as number[][]) put(tag, ts, value, quality, row);
    if (open.size) {
      closeQuiet();
      packClosing(Infinity);
      trimTarget();
      trim(Infinity);
    }
  })();
  undo.n = 0;

  const chunksFrom = db.prepare('SELECT bucket, data FROM tag_chunks WHERE tag = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket').raw(true);
  const chunksDesc = db.prepare('SELECT bucket, data FROM tag_chunks WHERE tag = ? ORDER BY bucket DESC').raw(true);

  /** A tag's minutes not packed yet: the closed one waiting, then the open one. */
  const unpacked = (tag: number): Open[] => {
    const c = closing.get(tag);
    const m = open.get(tag);
    return c ? (m ? [c, m] : [c]) : m ? [m] : [];
  };

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
