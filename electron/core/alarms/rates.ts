// Alarm rates: the annunciation log of the last 24 h, flood detection with first-out, bad actors,
// and the rate statistics an alarm-management review reads (per 10 min, peak, time in flood).
import type { AlarmConfig, AlarmPriority, AlarmStats, FloodStatus } from './schema';
import { ALARM_PRIORITIES } from './schema';

const DAY = 24 * 3_600_000;
const BUCKET = 10 * 60_000;

/** The alarms' side of the statistics: how many stand, are stale, chatter or sit under an overlay. */
export type AlarmCounts = Pick<AlarmStats, 'standing' | 'stale' | 'shelved' | 'out_of_service' | 'suppressed' | 'chattering'>;

export interface AlarmRatesHooks {
  /** A flood began; firstOutId came first in the window that tipped into it. */
  floodStarted(firstOutId: string): void;
  /** The flood status changed (started or ended). */
  floodChanged(status: FloodStatus): void;
}

export class AlarmRates {
  /** Annunciations (time, alarm id) over the last 24 h, oldest first: bounded by pruning. */
  private readonly log: Array<{ at: number; id: string; priority: AlarmPriority }> = [];
  private flood: FloodStatus = { active: false, started_at: null, first_out: null, count_in_window: 0 };
  private readonly floods: AlarmStats['floods'] = [];
  /** Activations per alarm over the last 24 h, for bad actors. */
  private readonly activationCount = new Map<string, number>();

  constructor(
    private readonly cfg: AlarmConfig,
    private readonly hooks: AlarmRatesHooks,
  ) {}

  /** An alarm was shown to the operator: it counts towards rates and floods. */
  annunciate(id: string, priority: AlarmPriority, now: number): void {
    this.log.push({ at: now, id, priority });
    this.activationCount.set(id, (this.activationCount.get(id) ?? 0) + 1);
    this.updateFlood(now);
  }

  /** Time-driven work: drop what is older than 24 h, end a flood that has passed. */
  tick(now: number): void {
    while (this.log.length && now - this.log[0].at > DAY) {
      const id = this.log[0].id;
      this.log.shift();
      const c = (this.activationCount.get(id) ?? 1) - 1;
      if (c <= 0) this.activationCount.delete(id);
      else this.activationCount.set(id, c);
    }
    if (this.flood.active) this.updateFlood(now);
  }

  status(): FloodStatus {
    return { ...this.flood };
  }

  stats(now: number, counts: AlarmCounts, chattering: (id: string) => boolean): AlarmStats {
    const buckets = new Map<number, number>();
    let last10 = 0;
    let last24 = 0;
    const byPriority = Object.fromEntries(ALARM_PRIORITIES.map((p) => [p, 0])) as Record<AlarmPriority, number>;
    for (const e of this.log) {
      if (now - e.at > DAY) continue;
      last24++;
      if (now - e.at <= BUCKET) last10++;
      byPriority[e.priority]++;
      const b = Math.floor((now - e.at) / BUCKET);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    const nBuckets = DAY / BUCKET;
    let peak = 0;
    let floodBuckets = 0;
    for (const v of buckets.values()) {
      if (v > peak) peak = v;
      if (v > this.cfg.floodCount) floodBuckets++;
    }
    const top = [...this.activationCount.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([id, n]) => ({ id, activations: n, chattering: chattering(id) }));
    return {
      at: now,
      last_10min: last10,
      last_24h: last24,
      avg_per_10min: last24 / nBuckets,
      peak_10min: peak,
      flood_pct: (100 * floodBuckets) / nBuckets,
      floods: this.floods.filter((f) => f.ended_at === null || now - f.ended_at <= DAY).map((f) => ({ ...f })),
      top_bad_actors: top,
      ...counts,
      by_priority: byPriority,
    };
  }

  private countInWindow(now: number): { n: number; first: number } {
    let n = 0;
    let first = -1;
    for (let i = this.log.length - 1; i >= 0; i--) {
      if (now - this.log[i].at > this.cfg.floodWindowMs) break;
      n++;
      first = i;
    }
    return { n, first };
  }

  private updateFlood(now: number): void {
    const { n, first } = this.countInWindow(now);
    this.flood.count_in_window = n;
    if (!this.flood.active && n > this.cfg.floodCount) {
      // first-out: the alarm that came first in the window that tipped into the flood
      const { id: firstId, at: startedAt } = this.log[first];
      this.flood = { active: true, started_at: startedAt, first_out: firstId, count_in_window: n };
      this.floods.push({ started_at: startedAt, ended_at: null, first_out: firstId, count: n });
      this.hooks.floodStarted(firstId);
      this.hooks.floodChanged({ ...this.flood });
    } else if (this.flood.active) {
      const cur = this.floods[this.floods.length - 1];
      cur.count = Math.max(cur.count, n);
      if (n < this.cfg.floodEndCount) {
        cur.ended_at = now;
        this.flood = { active: false, started_at: null, first_out: null, count_in_window: n };
        this.hooks.floodChanged({ ...this.flood });
      }
    }
  }
}
