// Offline runs through the same streaming monitors the live service uses: the CLI (`aegisflow
// detect FILE.csv`) and the evaluation harness. Rows are fed one by one in file order, exactly as
// ingest would; only the per-row flag is settled afterwards from the episodes' [start, end].
import { DeviceMonitor, EV_CLOSED, EV_OPENED } from './episodes';
import type { DetectorParams, Episode } from './schema';

export interface OfflineRow {
  /** Series key (device id; a single-device CSV uses one key). */
  key: string;
  ts: number;
  values: ArrayLike<number>;
}

export interface OfflineResult {
  /** Per input row: the detector score (0 while learning or if the row was dropped). */
  scores: Float64Array;
  /** Per input row: the calibrated score, −log10 P(normal data scores this high), from the series' learning data. */
  pscores: Float64Array;
  /** Per input row: index into `episodes` of the episode covering it, or -1. */
  episodeOf: Int32Array;
  episodes: Episode[];
  monitors: Map<string, DeviceMonitor>;
  /** Rows dropped as duplicate or out-of-order timestamps, by row index. */
  dropped: number;
}

export interface OfflineOptions {
  /** Rows of each series used for learning (overrides params.learnSamples). */
  fitRows?: number;
  /** Called for each opened/closed episode as it happens (the CLI prints them). */
  onEpisode?: (kind: 'opened' | 'closed', ep: Episode) => void;
}

export function runOffline(
  rows: Iterable<OfflineRow> | OfflineRow[],
  sensors: readonly string[],
  params: DetectorParams,
  opts: OfflineOptions = {},
): OfflineResult {
  const p = opts.fitRows ? { ...params, learnSamples: opts.fitRows } : params;
  // A file's length is known: no series learns on more than learnMaxShare of its rows (a short file is scored, not only learned on).
  const perKey = new Map<string, number>();
  if (Array.isArray(rows) && p.learnSamples === undefined) for (const r of rows) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
  const paramsFor = (key: string): DetectorParams => {
    const n = perKey.get(key);
    return n === undefined ? p : { ...p, learnMaxSamples: Math.max(10, Math.floor(p.learnMaxShare * n)) };
  };
  const monitors = new Map<string, DeviceMonitor>();
  const scoreList: number[] = [];
  const pList: number[] = [];
  const keyList: string[] = [];
  const tsList: number[] = [];
  const episodes: Episode[] = [];
  let dropped = 0;
  for (const row of rows) {
    let m = monitors.get(row.key);
    if (!m) monitors.set(row.key, (m = new DeviceMonitor(row.key, sensors, paramsFor(row.key))));
    const before = m.counters.rows;
    const ev = m.push(row.ts, row.values);
    if (m.counters.rows === before) dropped++;
    scoreList.push(m.counters.rows === before ? 0 : m.detector.score);
    pList.push(m.counters.rows === before ? 0 : m.detector.pscore);
    keyList.push(row.key);
    tsList.push(row.ts);
    if (ev === EV_OPENED) {
      episodes.push(m.episode!);
      opts.onEpisode?.('opened', m.episode!);
    } else if (ev === EV_CLOSED) opts.onEpisode?.('closed', m.closed!);
  }
  // close what is still open at the end of the data, at its last active sample
  for (const m of monitors.values()) {
    const ep = m.forceClose();
    if (ep) opts.onEpisode?.('closed', ep);
  }
  const n = scoreList.length;
  const byKey = new Map<string, number[]>();
  episodes.forEach((ep, i) => {
    let l = byKey.get(ep.device_id);
    if (!l) byKey.set(ep.device_id, (l = []));
    l.push(i);
  });
  const episodeOf = new Int32Array(n).fill(-1);
  for (let r = 0; r < n; r++) {
    const list = byKey.get(keyList[r]);
    if (!list) continue;
    const ts = tsList[r];
    // binary search: last episode starting at or before ts
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (episodes[list[mid]].start_ts <= ts) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found >= 0) {
      const ep = episodes[list[found]];
      if (ts <= (ep.end_ts ?? ep.last_ts)) episodeOf[r] = list[found]!;
    }
  }
  return { scores: Float64Array.from(scoreList), pscores: Float64Array.from(pList), episodeOf, episodes, monitors, dropped };
}
