// Alarm tables: current state per alarm (restored after a restart, so a shelf or an out-of-service
// survives it) and the append-only state history ISA-18.2 asks for.
import type { Db, Migration } from '../store';
import type { Alarm, AlarmHistoryEntry, AlarmState } from './schema';
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
  ...alarmTableMigrations,
];

export interface AlarmRepository {
  save(alarm: Alarm): void;
  addHistory(e: AlarmHistoryEntry): void;
  loadAll(): Alarm[];
  history(opts: { id?: string; limit: number; before?: number }): AlarmHistoryEntry[];
}

export function createAlarmRepository(db: Db): AlarmRepository {
  const upsert = db.prepare(
    `INSERT INTO alarms (id, source, state, updated_at, data) VALUES (@id, @source, @state, @updated_at, @data)
     ON CONFLICT(id) DO UPDATE SET source = excluded.source, state = excluded.state, updated_at = excluded.updated_at, data = excluded.data`,
  );
  const insHist = db.prepare('INSERT INTO alarm_history (alarm_id, at, from_state, to_state, by, reason) VALUES (?, ?, ?, ?, ?, ?)');
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
      insHist.run(e.alarm_id, e.at, e.from_state, e.to_state, e.by, e.reason);
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
  };
}
