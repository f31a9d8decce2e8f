// Anomaly episodes in SQLite: written when an episode opens, changes type/severity, and closes.
import type { Db, Migration } from '../store';
import type { Episode, EpisodePage, EpisodeQuery } from './schema';

export const detectMigrations: Migration[] = [
  {
    id: 'detect-001-anomalies',
    up: (db) => {
      db.exec(`
        CREATE TABLE anomalies (
          id TEXT PRIMARY KEY,
          device_id TEXT NOT NULL,
          start_ts INTEGER NOT NULL,
          end_ts INTEGER,
          last_ts INTEGER NOT NULL,
          status TEXT NOT NULL,
          type_hint TEXT NOT NULL,
          severity TEXT NOT NULL,
          score REAL NOT NULL,
          confidence REAL NOT NULL,
          sensors TEXT NOT NULL,
          detectors TEXT NOT NULL,
          samples INTEGER NOT NULL,
          acknowledged_by TEXT,
          acknowledged_at INTEGER,
          ack_note TEXT
        );
        CREATE INDEX anomalies_status ON anomalies (status, start_ts);
        CREATE INDEX anomalies_device ON anomalies (device_id, start_ts);
        CREATE INDEX anomalies_start ON anomalies (start_ts);
      `);
    },
  },
  {
    id: 'detect-002-involvement',
    up: (db) => {
      // which sensors take part, which way and how much (JSON array); older episodes: none recorded
      db.exec(`ALTER TABLE anomalies ADD COLUMN involvement TEXT NOT NULL DEFAULT '[]'`);
    },
  },
];

interface Row extends Omit<Episode, 'sensors' | 'detectors' | 'involvement'> {
  sensors: string;
  detectors: string;
  involvement: string;
}

const toEpisode = (r: Row): Episode => ({
  ...r,
  sensors: JSON.parse(r.sensors) as string[],
  detectors: JSON.parse(r.detectors) as Episode['detectors'],
  involvement: JSON.parse(r.involvement) as Episode['involvement'],
});

export interface AnomalyRepository {
  upsert(ep: Episode): void;
  get(id: string): Episode | null;
  active(): Episode[];
  query(q: Required<Pick<EpisodeQuery, 'status' | 'limit' | 'offset'>> & EpisodeQuery): EpisodePage;
  acknowledge(id: string, who: string, note: string | null, at: number): Episode | null;
  /** Episodes left open by a previous run (crash, stop) are closed at their last reading. */
  closeDangling(): number;
}

export function createAnomalyRepository(db: Db): AnomalyRepository {
  const upsert = db.prepare(`
    INSERT INTO anomalies (id, device_id, start_ts, end_ts, last_ts, status, type_hint, severity, score, confidence, sensors, detectors, involvement, samples, acknowledged_by, acknowledged_at, ack_note)
    VALUES (@id, @device_id, @start_ts, @end_ts, @last_ts, @status, @type_hint, @severity, @score, @confidence, @sensors, @detectors, @involvement, @samples, @acknowledged_by, @acknowledged_at, @ack_note)
    ON CONFLICT(id) DO UPDATE SET end_ts = excluded.end_ts, last_ts = excluded.last_ts, status = excluded.status, type_hint = excluded.type_hint,
      severity = excluded.severity, score = excluded.score, confidence = excluded.confidence, sensors = excluded.sensors,
      detectors = excluded.detectors, involvement = excluded.involvement, samples = excluded.samples`);
  const getOne = db.prepare('SELECT * FROM anomalies WHERE id = ?');
  const active = db.prepare("SELECT * FROM anomalies WHERE status = 'open' ORDER BY start_ts DESC");
  // One statement for every filter combination: a NULL parameter switches its filter off.
  const where = `WHERE (@status = 'all' OR status = @status) AND (@device_id IS NULL OR device_id = @device_id)
    AND (@scope IS NULL OR EXISTS (SELECT 1 FROM json_each(@scope) WHERE anomalies.device_id GLOB json_each.value))
    AND (@type_hint IS NULL OR type_hint = @type_hint) AND (@severity IS NULL OR severity = @severity)
    AND (@from IS NULL OR start_ts >= @from) AND (@to IS NULL OR start_ts <= @to)`;
  const page = db.prepare(`SELECT * FROM anomalies ${where} ORDER BY start_ts DESC, id LIMIT @limit OFFSET @offset`);
  const count = db.prepare(`SELECT COUNT(*) AS n FROM anomalies ${where}`);
  const ack = db.prepare('UPDATE anomalies SET acknowledged_by = ?, acknowledged_at = ?, ack_note = ? WHERE id = ?');
  const dangling = db.prepare("UPDATE anomalies SET status = 'closed', end_ts = last_ts WHERE status = 'open'");
  return {
    upsert(ep) {
      upsert.run({ ...ep, sensors: JSON.stringify(ep.sensors), detectors: JSON.stringify(ep.detectors), involvement: JSON.stringify(ep.involvement ?? []) });
    },
    get(id) {
      const r = getOne.get(id) as Row | undefined;
      return r ? toEpisode(r) : null;
    },
    active() {
      return (active.all() as Row[]).map(toEpisode);
    },
    query(q) {
      const params = {
        status: q.status,
        device_id: q.device_id ?? null,
        scope: q.scope ? JSON.stringify(q.scope) : null,
        type_hint: q.type_hint ?? null,
        severity: q.severity ?? null,
        from: q.from ?? null,
        to: q.to ?? null,
      };
      const items = (page.all({ ...params, limit: q.limit, offset: q.offset }) as Row[]).map(toEpisode);
      const total = (count.get(params) as { n: number }).n;
      return { items, total };
    },
    acknowledge(id, who, note, at) {
      const res = ack.run(who, at, note, id);
      if (res.changes === 0) return null;
      return this.get(id);
    },
    closeDangling() {
      return dangling.run().changes;
    },
  };
}
