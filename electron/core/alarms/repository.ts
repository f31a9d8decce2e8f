// Alarm tables: current state per alarm (restored after a restart, so a shelf or an out-of-service
// survives it) and the append-only state history ISA-18.2 asks for.
import type { Db, Migration } from '../store';
import type { Alarm, AlarmHistoryEntry, AlarmPriority, AlarmState } from './schema';
import { alarmTableMigrations } from './table';

export const alarmsMigrations: Migration[] = [
  {
    id: 'alarms-001-alarms',
    up: (db) => {
      db.exec(`
        CREATE TABLE alarms (
          id TEXT PRIMARY KEY,
          source TEXT NOT NULL,
          state TEXT NOT NULL,
          updated_at INTEGER NOT NULL,
          data TEXT NOT NULL
        );
        CREATE TABLE alarm_history (
          id INTEGER PRIMARY KEY,
          alarm_id TEXT NOT NULL,
          at INTEGER NOT NULL,
          from_state TEXT NOT NULL,
          to_state TEXT NOT NULL,
          by TEXT,
          reason TEXT
        );
        CREATE INDEX alarm_history_alarm ON alarm_history (alarm_id, at);
        CREATE INDEX alarm_history_at ON alarm_history (at);
      `);
    },
  },
  {
    // The report (report.ts) counts on the plant clock and by the priority an alarm had when raised.
    id: 'alarms-002-report',
    up: (db) => {
      db.exec(`
        ALTER TABLE alarm_history ADD COLUMN plant_at INTEGER;
        ALTER TABLE alarm_history ADD COLUMN priority TEXT;
        CREATE INDEX alarm_history_plant ON alarm_history (COALESCE(plant_at, at));
      `);
    },
  },
  ...alarmTableMigrations,
];

/** A history row as the report reads it: both clocks, the priority then, the alarm's source. */
export interface ReportHistoryRow {
  alarm_id: string;
  source: string | null;
  at: number;
  /** Plant time of the change (the wall time when the row predates the plant clock). */
  plant_at: number;
  from_state: AlarmState;
  to_state: AlarmState;
  by: string | null;
  priority: AlarmPriority | null;
}

export interface AlarmRepository {
  save(alarm: Alarm): void;
  addHistory(e: AlarmHistoryEntry & { plant_at?: number | null; priority?: AlarmPriority }): void;
  loadAll(): Alarm[];
  history(opts: { id?: string; limit: number; before?: number }): AlarmHistoryEntry[];
  /** The changes within a window of plant time, in the order they happened (a replay seeking back moves the plant clock back). */
  reportRows(fromPlant: number, toPlant: number): ReportHistoryRow[];
  /**
   * For each alarm not back to normal by a plant time, its changes since it last was, oldest first (what
   * says since when it stands): read backwards per alarm, so a long history costs only its open streak.
   */
  openStreaks(toPlant: number): ReportHistoryRow[];
}

export function createAlarmRepository(db: Db): AlarmRepository {
  const upsert = db.prepare(
    `INSERT INTO alarms (id, source, state, updated_at, data) VALUES (@id, @source, @state, @updated_at, @data)
     ON CONFLICT(id) DO UPDATE SET source = excluded.source, state = excluded.state, updated_at = excluded.updated_at, data = excluded.data`,
  );
  const insHist = db.prepare('INSERT INTO alarm_history (alarm_id, at, from_state, to_state, by, reason, plant_at, priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const cols = `h.alarm_id, a.source, h.at, COALESCE(h.plant_at, h.at) AS plant_at, h.from_state, h.to_state, h.by,
       COALESCE(h.priority, json_extract(a.data, '$.priority')) AS priority
     FROM alarm_history h LEFT JOIN alarms a ON a.id = h.alarm_id`;
  const windowRows = db.prepare(`SELECT ${cols} WHERE COALESCE(h.plant_at, h.at) BETWEEN ? AND ? ORDER BY h.id`);
  const alarmIds = db.prepare('SELECT id FROM alarms').pluck();
  const backwards = db.prepare(`SELECT ${cols} WHERE h.alarm_id = ? AND COALESCE(h.plant_at, h.at) <= ? ORDER BY h.at DESC, h.id DESC`);
  const all = db.prepare('SELECT data FROM alarms');
  const histAll = db.prepare('SELECT alarm_id, at, from_state, to_state, by, reason FROM alarm_history WHERE at < ? ORDER BY at DESC, id DESC LIMIT ?');
  const histOne = db.prepare(
    'SELECT alarm_id, at, from_state, to_state, by, reason FROM alarm_history WHERE alarm_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?',
  );
  return {
    save(a) {
      upsert.run({ id: a.id, source: a.source, state: a.state, updated_at: a.updated_at, data: JSON.stringify(a) });
    },
    addHistory(e) {
      insHist.run(e.alarm_id, e.at, e.from_state, e.to_state, e.by, e.reason, e.plant_at ?? null, e.priority ?? null);
    },
    loadAll() {
      const out: Alarm[] = [];
      for (const r of all.all() as Array<{ data: string }>) {
        try {
          out.push(JSON.parse(r.data) as Alarm);
        } catch {
          // a damaged row is skipped, never fatal: the alarm re-forms from the live condition
        }
      }
      return out;
    },
    history({ id, limit, before }) {
      const b = before ?? Number.MAX_SAFE_INTEGER;
      const rows = (id ? histOne.all(id, b, limit) : histAll.all(b, limit)) as Array<AlarmHistoryEntry & { from_state: AlarmState; to_state: AlarmState }>;
      return rows;
    },
    reportRows(fromPlant, toPlant) {
      return windowRows.all(fromPlant, toPlant) as ReportHistoryRow[];
    },
    openStreaks(toPlant) {
      const out: ReportHistoryRow[] = [];
      for (const id of alarmIds.all() as string[]) {
        const streak: ReportHistoryRow[] = [];
        for (const r of backwards.iterate(id, toPlant) as IterableIterator<ReportHistoryRow>) {
          if (r.to_state === 'normal' || r.to_state === 'rtn_unacknowledged') break;
          streak.push(r);
        }
        out.push(...streak.reverse());
      }
      return out;
    },
  };
}
