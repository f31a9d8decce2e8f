// The tag store's write path: which tag a device's key is, each tag's open minute in memory (appended
// to tag_recent, the durable copy, in the batch's transaction), closed minutes packed into tag_chunks +
// tag_rollup a share per batch, tag_recent trimmed in bounded steps, and a batch that rolls back undone
// in memory. Sized for 100,000 values/s: no statement, string or object per value (docs/SCALE.md).
import type { TimedReading } from '../../../shared/domain';
import type { Db } from './database';
import { ROLLUP_MS, createMinuteWriter, emptyMinute, encodeQuality, minuteOf, type Minute } from './chunks';

export interface TagRef {
  id: number;
  key: string;
}

/** A tag's minute not packed yet: its values (arrival order) and its first row in tag_recent. */
export interface Open extends Minute {
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

export interface TagWriter {
  /** "<device>/<key>" -> tag id. */
  readonly ids: ReadonlyMap<string, number>;
  /** A device's tags in the order they were first seen. */
  deviceTags(device: string): readonly TagRef[];
  /** A tag's minutes not packed yet: the closed one waiting, then the open one. */
  unpacked(tag: number): Open[];
  insertBatch(readings: readonly TimedReading[]): number;
}

export function createTagWriter(db: Db): TagWriter {
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

  /** A tag's minutes not packed yet: the closed one waiting, then the open one. */
  const unpacked = (tag: number): Open[] => {
    const c = closing.get(tag);
    const m = open.get(tag);
    return c ? (m ? [c, m] : [c]) : m ? [m] : [];
  };

  return { ids, deviceTags, unpacked, insertBatch };
}
