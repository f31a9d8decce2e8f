// The replay's clock segments (plant time against the wall clock, SimulatorStatus.clock), kept in the
// database so that what the core stamped with the wall clock before a restart (alarms, approvals, audit)
// still converts to the plant time it happened at. Bounded: the last MAX_SEGMENTS and MAX_AGE_MS, the
// newest segment older than that kept, as it covers the start of the window. Beside them, the replay's
// position noted at bounded wall intervals (one row): with kept timestamps after a crash it is the only
// record of where the replay stood (a seek back leaves readings later than that in the store).
import type { Db, Migration } from '../store';

export interface ClockSegment {
  wall: number;
  plant: number;
  /** Plant ms per wall ms; 0 paused; null at maximum speed (the UI derives it from the next segment). */
  rate: number | null;
}

/** Where the replay stood (plant time, the last published) and the wall instant that was noted at. */
export interface ReplayPosition {
  wall: number;
  plant: number;
}

export const MAX_SEGMENTS = 10_000;
export const MAX_AGE_MS = 30 * 86_400_000;

export const plantMigrations: Migration[] = [
  {
    id: 'sim-001-clock-segments',
    up: (db) => db.exec('CREATE TABLE sim_clock_segments (id INTEGER PRIMARY KEY, wall INTEGER NOT NULL, plant INTEGER NOT NULL, rate REAL)'),
  },
  {
    id: 'sim-002-replay-position',
    up: (db) => db.exec('CREATE TABLE sim_replay_position (id INTEGER PRIMARY KEY CHECK (id = 1), wall INTEGER NOT NULL, plant INTEGER NOT NULL)'),
  },
];

/** Some of the segments, oldest first, and how many stored segments are older than the first of them. */
export interface ClockSegmentsPage {
  segments: ClockSegment[];
  older: number;
}

export interface ClockSegments {
  add(segment: ClockSegment): void;
  list(): ClockSegment[];
  last(): ClockSegment | undefined;
  /** The newest `n` (what a status carries: the clock now and a bounded recent window). */
  recent(n: number): ClockSegmentsPage;
  /** The segments that start in [from, to) wall ms, with the one before `from` (it covers `from`). */
  range(from?: number, to?: number): ClockSegmentsPage;
  /** Note where the replay stands (one row, overwritten). */
  notePosition(position: ReplayPosition): void;
  /** The position noted last, if any. */
  position(): ReplayPosition | undefined;
}

export interface ClockSegmentsOptions {
  /** Without a database the segments live in memory only (a core of its own for one CLI command, unit tests). */
  db?: Db;
  now: () => number;
  maxSegments?: number;
  maxAgeMs?: number;
}

export function createClockSegments(opts: ClockSegmentsOptions): ClockSegments {
  const max = opts.maxSegments ?? MAX_SEGMENTS;
  const maxAge = opts.maxAgeMs ?? MAX_AGE_MS;
  const q = opts.db
    ? {
        all: opts.db.prepare<[], ClockSegment & { id: number }>('SELECT id, wall, plant, rate FROM sim_clock_segments ORDER BY id'),
        insert: opts.db.prepare<[number, number, number | null]>('INSERT INTO sim_clock_segments (wall, plant, rate) VALUES (?, ?, ?)'),
        replaceLast: opts.db.prepare<[number, number | null]>(
          'UPDATE sim_clock_segments SET plant = ?, rate = ? WHERE id = (SELECT MAX(id) FROM sim_clock_segments)',
        ),
        pruneBelow: opts.db.prepare<[number]>('DELETE FROM sim_clock_segments WHERE id < ?'),
        position: opts.db.prepare<[], ReplayPosition>('SELECT wall, plant FROM sim_replay_position WHERE id = 1'),
        notePosition: opts.db.prepare<[number, number]>('INSERT OR REPLACE INTO sim_replay_position (id, wall, plant) VALUES (1, ?, ?)'),
      }
    : null;
  let noted: ReplayPosition | undefined = q?.position.get();
  const rows: Array<ClockSegment & { id: number }> = q ? q.all.all() : [];
  let nextId = rows.length ? rows[rows.length - 1].id + 1 : 1;

  /** Drop what is over the bounds; the newest segment before the age cutoff stays (it covers the cutoff). */
  const prune = () => {
    const cutoff = opts.now() - maxAge;
    let drop = Math.max(0, rows.length - max);
    while (drop + 1 < rows.length && rows[drop + 1].wall <= cutoff) drop++;
    if (drop === 0) return;
    rows.splice(0, drop);
    q?.pruneBelow.run(rows[0].id);
  };
  prune();
  /** How many segments start before wall instant t, or at it too (they are in wall order). */
  const startingBefore = (t: number, orAt = false) => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid].wall < t || (orAt && rows[mid].wall === t)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const seg = ({ wall, plant, rate }: ClockSegment): ClockSegment => ({ wall, plant, rate });

  return {
    add(s) {
      const last = rows[rows.length - 1];
      // A segment that starts at the same wall instant as the one before replaces it: the earlier one never ran.
      if (last && last.wall === s.wall) {
        last.plant = s.plant;
        last.rate = s.rate;
        q?.replaceLast.run(s.plant, s.rate);
        return;
      }
      // Nothing changed (a pause while paused, the same speed again on the same line): nothing to record.
      if (last && last.rate === s.rate && s.rate !== null && Math.abs(last.plant + (s.wall - last.wall) * s.rate - s.plant) < 1) return;
      const id = q ? Number(q.insert.run(s.wall, s.plant, s.rate).lastInsertRowid) : nextId;
      nextId = id + 1;
      rows.push({ id, wall: s.wall, plant: s.plant, rate: s.rate });
      prune();
    },
    list: () => rows.map(seg),
    last: () => (rows.length ? seg(rows[rows.length - 1]) : undefined),
    recent(n) {
      const first = Math.max(0, rows.length - Math.max(0, Math.floor(n)));
      return { segments: rows.slice(first).map(seg), older: first };
    },
    range(from = -Infinity, to = Infinity) {
      const first = Math.max(0, startingBefore(from, true) - 1);
      const end = startingBefore(to);
      return { segments: rows.slice(first, Math.max(first, end)).map(seg), older: first };
    },
    notePosition({ wall, plant }) {
      noted = { wall, plant };
      q?.notePosition.run(wall, plant);
    },
    position: () => (noted ? { ...noted } : undefined),
  };
}
