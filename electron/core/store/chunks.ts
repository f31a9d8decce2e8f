// One tag's values of one minute, packed into one row (tag_chunks), and that minute's rollup row
// (tag_rollup), written together. A value arriving for a minute already written is merged in: the
// first value per tag and ts stays.
import type { Db } from './database';
import { QUALITY_REASONS, type Quality } from '../../../shared/schemas/plant';

/** Width of a rollup bucket (ms). */
export const ROLLUP_MS = 60_000;

export const minuteOf = (ts: number): number => ts - (((ts % ROLLUP_MS) + ROLLUP_MS) % ROLLUP_MS);

// Quality as one integer per value: 0 good, else 16 × level (1 uncertain, 2 bad) + the reason's index.
// The detail text is not stored (the live view and the event carry it).
const LEVELS: ReadonlyArray<Quality['level']> = ['uncertain', 'bad'];
/** Codes at or above this are bad: left out of averages, min/max, and shown as gaps. */
export const BAD = 32;

export function encodeQuality(q: Quality | undefined): number {
  if (!q) return 0;
  return 16 * (LEVELS.indexOf(q.level) + 1) + Math.max(0, QUALITY_REASONS.indexOf(q.reason));
}

export function decodeQuality(code: number): Quality | undefined {
  if (!code) return undefined;
  const level = LEVELS[(code >> 4) - 1] ?? 'bad';
  const reason: Quality['reason'] = QUALITY_REASONS[code & 15] ?? 'source';
  return { level, reason };
}

/** Values of one tag in one minute, any order until packed. */
export interface Minute {
  ts: number[];
  value: number[];
  quality: number[];
}

export const emptyMinute = (): Minute => ({ ts: [], value: [], quality: [] });

// Packed: n float64 values, then n uint16 ms offsets into the minute, then n uint8 quality codes.
export function encodeMinute(bucket: number, m: Minute): Buffer {
  const n = m.ts.length;
  const buf = Buffer.allocUnsafe(n * 11);
  for (let i = 0; i < n; i++) {
    buf.writeDoubleLE(m.value[i], i * 8);
    buf.writeUInt16LE(m.ts[i] - bucket, n * 8 + i * 2);
    buf.writeUInt8(m.quality[i], n * 10 + i);
  }
  return buf;
}

export function decodeMinute(bucket: number, buf: Buffer, into: Minute = emptyMinute()): Minute {
  const n = buf.length / 11;
  for (let i = 0; i < n; i++) {
    into.value.push(buf.readDoubleLE(i * 8));
    into.ts.push(bucket + buf.readUInt16LE(n * 8 + i * 2));
    into.quality.push(buf.readUInt8(n * 10 + i));
  }
  return into;
}

/** The minute sorted by ts, the first value per ts kept. */
export function sortMinute(m: Minute): Minute {
  let sorted = true;
  for (let i = 1; i < m.ts.length && sorted; i++) sorted = m.ts[i] > m.ts[i - 1];
  if (sorted) return m;
  const order = m.ts.map((_, i) => i).sort((a, b) => m.ts[a] - m.ts[b] || a - b);
  const out = emptyMinute();
  for (const i of order) {
    if (out.ts.length && out.ts[out.ts.length - 1] === m.ts[i]) continue;
    out.ts.push(m.ts[i]);
    out.value.push(m.value[i]);
    out.quality.push(m.quality[i]);
  }
  return out;
}

export interface Rollup {
  /** Values that are not bad: how many, their sum, min and max (null without any). */
  n: number;
  sum: number;
  min: number | null;
  max: number | null;
  bad: number;
}

export function rollupOf(m: Minute): Rollup {
  const r: Rollup = { n: 0, sum: 0, min: null, max: null, bad: 0 };
  for (let i = 0; i < m.ts.length; i++) {
    const v = m.value[i];
    if (m.quality[i] >= BAD) {
      r.bad++;
      continue;
    }
    r.n++;
    r.sum += v;
    r.min = r.min === null || v < r.min ? v : r.min;
    r.max = r.max === null || v > r.max ? v : r.max;
  }
  return r;
}

/** Writes (or merges into) a tag's packed minute and its rollup row. */
export function createMinuteWriter(db: Db): (tag: number, bucket: number, m: Minute) => void {
  const insertChunk = db.prepare('INSERT INTO tag_chunks (tag, bucket, data) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const readChunk = db.prepare('SELECT data FROM tag_chunks WHERE tag = ? AND bucket = ?').pluck();
  const updateChunk = db.prepare('UPDATE tag_chunks SET data = ? WHERE tag = ? AND bucket = ?');
  const putRollup = db.prepare('INSERT OR REPLACE INTO tag_rollup (tag, bucket, n, sum, min, max, bad) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return (tag, bucket, minute) => {
    let m = sortMinute(minute);
    if (insertChunk.run(tag, bucket, encodeMinute(bucket, m)).changes === 0) {
      // Late values, or a minute replayed after a restart: merged, what was stored first wins.
      const stored = decodeMinute(bucket, readChunk.get(tag, bucket) as Buffer);
      m = sortMinute({ ts: [...stored.ts, ...m.ts], value: [...stored.value, ...m.value], quality: [...stored.quality, ...m.quality] });
      updateChunk.run(encodeMinute(bucket, m), tag, bucket);
    }
    const r = rollupOf(m);
    putRollup.run(tag, bucket, r.n, r.sum, r.min, r.max, r.bad);
  };
}
