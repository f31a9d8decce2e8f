// ISA-18.2 alarm life cycle for every alarm in the plant. The alarm state (A–D) follows from two
// facts, "is the condition active" and "has the operator acknowledged"; shelving, suppression by
// design and out-of-service overlay it (E–G) and hide it from the operator without losing it.
import { CoreError } from '../api';
import type { Clock } from '../clock';
import type { AlarmRepository } from './repository';
import type { Alarm, AlarmChange, AlarmConfig, AlarmHistoryEntry, AlarmKind, AlarmPriority, AlarmState, AlarmStats, FloodStatus } from './schema';
import { ALARM_PRIORITIES } from './schema';

type Overlay = 'shelved' | 'suppressed' | 'out_of_service';

interface Internal extends Alarm {
  overlay: Overlay | null;
  /** Raw condition before delays, and since when it has held that value. */
  cond: boolean;
  condSince: number;
  /** Analog input: latched high/low for the deadband. */
  recent: number[];
}

export interface ConditionInput {
  active: boolean;
  source: string;
  kind?: AlarmKind;
  priority?: AlarmPriority;
  message?: string;
  episodeId?: string | null;
}

export interface AnalogInput {
  value: number;
  /** Alarm when value ≥ limit; clears only below limit − deadband (against chattering near the limit). */
  limit: number;
  deadband: number;
  source: string;
  priority?: AlarmPriority;
  message?: string;
}

export interface AlarmSystemDeps {
  config: AlarmConfig;
  clock: Clock;
  repository?: AlarmRepository;
  /** A state change could not be stored; it is annunciated all the same. */
  onStoreError?: (err: unknown, alarmId: string) => void;
}

const DAY = 24 * 3_600_000;

export class AlarmSystem {
  private readonly cfg: AlarmConfig;
  private readonly clock: Clock;
  private readonly repo?: AlarmRepository;
  private readonly onStoreError?: (err: unknown, alarmId: string) => void;
  private readonly alarms = new Map<string, Internal>();
  private readonly listeners = new Set<(c: AlarmChange) => void>();
  private readonly floodListeners = new Set<(f: FloodStatus) => void>();
  /** Annunciations (time, alarm id) over the last 24 h, oldest first: bounded by pruning. */
  private readonly log: Array<{ at: number; id: string; priority: AlarmPriority }> = [];
  private flood: FloodStatus = { active: false, started_at: null, first_out: null, count_in_window: 0 };
  private readonly floods: AlarmStats['floods'] = [];
  /** Activations per alarm over the last 24 h, for bad actors. */
  private readonly activationCount = new Map<string, number>();

  constructor(deps: AlarmSystemDeps) {
    this.cfg = deps.config;
    this.clock = deps.clock;
    this.repo = deps.repository;
    this.onStoreError = deps.onStoreError;
    for (const a of this.repo?.loadAll() ?? []) {
      const overlay: Overlay | null = a.state === 'shelved' || a.state === 'suppressed' || a.state === 'out_of_service' ? a.state : null;
      this.alarms.set(a.id, { ...a, overlay, cond: a.active, condSince: a.updated_at, recent: [] });
    }
  }

  onChange(fn: (c: AlarmChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onFlood(fn: (f: FloodStatus) => void): () => void {
    this.floodListeners.add(fn);
    return () => this.floodListeners.delete(fn);
  }

  private stateOf(a: Internal): AlarmState {
    if (a.overlay) return a.overlay;
    if (a.active) return a.acknowledged ? 'acknowledged' : 'unacknowledged';
    return a.acknowledged ? 'normal' : 'rtn_unacknowledged';
  }

  private snapshot(a: Internal): Alarm {
    const { overlay: _o, cond: _c, condSince: _s, recent: _r, ...pub } = a;
    return { ...pub };
  }

  private ensure(id: string, source: string, kind: AlarmKind, priority: AlarmPriority, message: string): Internal {
    let a = this.alarms.get(id);
    if (!a) {
      const now = this.clock.now();
      a = {
        id,
        source,
        kind,
        priority,
        message,
        state: 'normal',
        active: false,
        acknowledged: true,
        activated_at: null,
        cleared_at: null,
        acked_by: null,
        acked_at: null,
        shelved_by: null,
        shelve_reason: null,
        shelved_until: null,
        oos_by: null,
        oos_reason: null,
        suppress_reason: null,
        activations: 0,
        chattering: false,
        first_out: false,
        stale: false,
        episode_id: null,
        updated_at: now,
        overlay: null,
        cond: false,
        condSince: now,
        recent: [],
      };
      this.alarms.set(id, a);
    }
    return a;
  }

  /** Apply a mutation and record the state change, if any. */
  private commit(a: Internal, from: AlarmState, by: string | null, reason: string | null, force = false): void {
    const to = this.stateOf(a);
    const at = this.clock.now();
    a.state = to;
    a.updated_at = at;
    if (from === to && !force) {
      this.repo?.save(this.snapshot(a));
      return;
    }
    try {
      this.repo?.save(this.snapshot(a));
      if (from !== to) this.repo?.addHistory({ alarm_id: a.id, at, from_state: from, to_state: to, by, reason });
    } catch (err) {
      // A disk that refuses the record must not silence the alarm (the disk-full alarm most of all).
      this.onStoreError?.(err, a.id);
    }
    const change: AlarmChange = { alarm: this.snapshot(a), from, to, at, by, reason };
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch {
        // a failing listener must not stop the alarm system
      }
    }
  }

  /** Feed a boolean process condition (e.g. "an anomaly episode is open on this device"). */
  setCondition(id: string, input: ConditionInput): Alarm {
    const a = this.ensure(id, input.source, input.kind ?? 'anomaly', input.priority ?? 'medium', input.message ?? '');
    const from = this.stateOf(a);
    if (input.priority) a.priority = input.priority;
    if (input.message !== undefined) a.message = input.message;
    if (input.episodeId !== undefined && input.active) a.episode_id = input.episodeId;
    const now = this.clock.now();
    if (input.active !== a.cond) {
      a.cond = input.active;
      a.condSince = now;
    }
    this.applyDelays(a, now);
    this.commit(a, from, null, null, input.priority !== undefined && a.active);
    return this.snapshot(a);
  }

  /** Feed an analog value against a high limit with a deadband. */
  setValue(id: string, input: AnalogInput): Alarm {
    const a = this.alarms.get(id);
    const latched = a ? a.cond : false;
    const active = latched ? input.value >= input.limit - input.deadband : input.value >= input.limit;
    return this.setCondition(id, { active, source: input.source, kind: 'analog', priority: input.priority, message: input.message });
  }

  private applyDelays(a: Internal, now: number): void {
    if (a.cond && !a.active && now - a.condSince >= this.cfg.onDelayMs) this.activate(a, now);
    else if (!a.cond && a.active && now - a.condSince >= this.cfg.offDelayMs) this.clear(a, now);
  }

  private activate(a: Internal, now: number): void {
    a.active = true;
    a.acknowledged = false;
    a.activated_at = now;
    a.cleared_at = null;
    a.acked_by = null;
    a.acked_at = null;
    a.activations++;
    a.first_out = false;
    a.recent.push(now);
    while (a.recent.length && now - a.recent[0] > this.cfg.chatterWindowMs) a.recent.shift();
    if (a.recent.length >= this.cfg.chatterCount) a.chattering = true;
    // shelved / suppressed / out-of-service alarms are not annunciated and do not count towards floods
    if (!a.overlay) this.annunciate(a, now);
  }

  private clear(a: Internal, now: number): void {
    a.active = false;
    a.cleared_at = now;
    a.stale = false;
  }

  private annunciate(a: Internal, now: number): void {
    this.log.push({ at: now, id: a.id, priority: a.priority });
    this.activationCount.set(a.id, (this.activationCount.get(a.id) ?? 0) + 1);
    this.updateFlood(now);
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
      const firstId = this.log[first].id;
      this.flood = { active: true, started_at: this.log[first].at, first_out: firstId, count_in_window: n };
      this.floods.push({ started_at: this.flood.started_at!, ended_at: null, first_out: firstId, count: n });
      const fo = this.alarms.get(firstId);
      if (fo) {
        fo.first_out = true;
        this.commit(fo, this.stateOf(fo), null, 'first-out of alarm flood', true);
      }
      this.emitFlood();
    } else if (this.flood.active) {
      const cur = this.floods[this.floods.length - 1];
      cur.count = Math.max(cur.count, n);
      if (n < this.cfg.floodEndCount) {
        cur.ended_at = now;
        this.flood = { active: false, started_at: null, first_out: null, count_in_window: n };
        this.emitFlood();
      }
    }
  }

  private emitFlood(): void {
    for (const fn of this.floodListeners) {
      try {
        fn({ ...this.flood });
      } catch {
        // ignore listener failure
      }
    }
  }

  /** Time-driven work: on/off delays, shelf expiry, chatter decay, flood end, stale marking, log pruning. */
  tick(): void {
    const now = this.clock.now();
    for (const a of this.alarms.values()) {
      const from = this.stateOf(a);
      let changed = false;
      let by: string | null = null;
      let reason: string | null = null;
      if (a.cond !== a.active) {
        const wasActive = a.active;
        this.applyDelays(a, now);
        changed = wasActive !== a.active;
      }
      if (a.overlay === 'shelved' && a.shelved_until !== null && now >= a.shelved_until) {
        this.removeOverlay(a);
        by = 'system';
        reason = 'shelve expired';
        changed = true;
      }
      if (a.chattering && (a.recent.length === 0 || now - a.recent[a.recent.length - 1] > this.cfg.chatterWindowMs)) {
        a.chattering = false;
        a.recent.length = 0;
        changed = true;
      }
      const stale = a.active && a.activated_at !== null && now - a.activated_at > this.cfg.staleMs;
      if (stale !== a.stale) {
        a.stale = stale;
        changed = true;
      }
      if (changed) this.commit(a, from, by, reason, true);
    }
    while (this.log.length && now - this.log[0].at > DAY) {
      const e = this.log.shift()!;
      const c = (this.activationCount.get(e.id) ?? 1) - 1;
      if (c <= 0) this.activationCount.delete(e.id);
      else this.activationCount.set(e.id, c);
    }
    if (this.flood.active) this.updateFlood(now);
  }

  private get(id: string): Internal {
    const a = this.alarms.get(id);
    if (!a) throw new CoreError('not_found', `no alarm ${id}`);
    return a;
  }

  private removeOverlay(a: Internal): void {
    a.overlay = null;
    a.shelved_by = null;
    a.shelve_reason = null;
    a.shelved_until = null;
    a.oos_by = null;
    a.oos_reason = null;
    a.suppress_reason = null;
    // back in service: an alarm whose condition still holds is annunciated anew
    if (a.active) {
      a.acknowledged = false;
      this.annunciate(a, this.clock.now());
    } else a.acknowledged = true;
  }

  acknowledge(id: string, who: string, note?: string): Alarm {
    const a = this.get(id);
    const from = this.stateOf(a);
    if (from !== 'unacknowledged' && from !== 'rtn_unacknowledged') {
      throw new CoreError('invalid_state', `alarm ${id} is ${from}; only unacknowledged alarms can be acknowledged`);
    }
    a.acknowledged = true;
    a.acked_by = who;
    a.acked_at = this.clock.now();
    this.commit(a, from, who, note ?? null);
    return this.snapshot(a);
  }

  shelve(id: string, who: string, reason: string, durationMs?: number): Alarm {
    const a = this.get(id);
    if (!reason.trim()) throw new CoreError('invalid_params', 'a reason is required to shelve an alarm');
    if (a.overlay === 'out_of_service') throw new CoreError('invalid_state', `alarm ${id} is out of service`);
    const from = this.stateOf(a);
    const ms = Math.min(durationMs ?? this.cfg.shelveDefaultMs, this.cfg.shelveMaxMs);
    a.overlay = 'shelved';
    a.shelved_by = who;
    a.shelve_reason = reason;
    a.shelved_until = this.clock.now() + ms;
    this.commit(a, from, who, reason, true);
    return this.snapshot(a);
  }

  unshelve(id: string, who: string, reason?: string): Alarm {
    const a = this.get(id);
    if (a.overlay !== 'shelved') throw new CoreError('invalid_state', `alarm ${id} is not shelved`);
    const from = this.stateOf(a);
    this.removeOverlay(a);
    this.commit(a, from, who, reason ?? 'unshelved');
    return this.snapshot(a);
  }

  setOutOfService(id: string, who: string, reason: string, outOfService: boolean): Alarm {
    const a = this.get(id);
    if (!reason.trim()) throw new CoreError('invalid_params', 'a reason is required');
    const from = this.stateOf(a);
    if (outOfService) {
      a.overlay = 'out_of_service';
      a.shelved_until = null;
      a.oos_by = who;
      a.oos_reason = reason;
    } else {
      if (a.overlay !== 'out_of_service') throw new CoreError('invalid_state', `alarm ${id} is not out of service`);
      this.removeOverlay(a);
    }
    this.commit(a, from, who, reason);
    return this.snapshot(a);
  }

  /** Suppression by design: logic, not a person (e.g. the data feed is paused, the device is stopped). */
  setSuppressed(id: string, suppressed: boolean, reason: string): void {
    const a = this.alarms.get(id);
    if (!a) return;
    if (suppressed && a.overlay) return; // operator overlays win
    if (!suppressed && a.overlay !== 'suppressed') return;
    const from = this.stateOf(a);
    if (suppressed) {
      a.overlay = 'suppressed';
      a.suppress_reason = reason;
    } else this.removeOverlay(a);
    this.commit(a, from, 'system', reason);
  }

  find(id: string): Alarm | null {
    const a = this.alarms.get(id);
    return a ? this.snapshot(a) : null;
  }

  list(filter: { states?: AlarmState[]; source?: string; attention?: boolean } = {}): Alarm[] {
    const rank = (p: AlarmPriority) => ALARM_PRIORITIES.indexOf(p);
    return [...this.alarms.values()]
      .filter((a) => (!filter.states || filter.states.includes(this.stateOf(a))) && (!filter.source || a.source === filter.source))
      .filter((a) => !filter.attention || (!a.overlay && (a.active || !a.acknowledged)))
      .sort((x, y) => rank(x.priority) - rank(y.priority) || (y.activated_at ?? 0) - (x.activated_at ?? 0))
      .map((a) => this.snapshot(a));
  }

  history(opts: { id?: string; limit: number; before?: number }): AlarmHistoryEntry[] {
    return this.repo?.history(opts) ?? [];
  }

  floodStatus(): FloodStatus {
    return { ...this.flood };
  }

  stats(): AlarmStats {
    const now = this.clock.now();
    const bucket = 10 * 60_000;
    const buckets = new Map<number, number>();
    let last10 = 0;
    let last24 = 0;
    const byPriority = Object.fromEntries(ALARM_PRIORITIES.map((p) => [p, 0])) as Record<AlarmPriority, number>;
    for (const e of this.log) {
      if (now - e.at > DAY) continue;
      last24++;
      if (now - e.at <= bucket) last10++;
      byPriority[e.priority]++;
      const b = Math.floor((now - e.at) / bucket);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    const nBuckets = DAY / bucket;
    let peak = 0;
    let floodBuckets = 0;
    for (const v of buckets.values()) {
      if (v > peak) peak = v;
      if (v > this.cfg.floodCount) floodBuckets++;
    }
    const all = [...this.alarms.values()];
    const top = [...this.activationCount.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([id, n]) => ({ id, activations: n, chattering: this.alarms.get(id)?.chattering ?? false }));
    return {
      at: now,
      last_10min: last10,
      last_24h: last24,
      avg_per_10min: last24 / nBuckets,
      peak_10min: peak,
      flood_pct: (100 * floodBuckets) / nBuckets,
      floods: this.floods.filter((f) => f.ended_at === null || now - f.ended_at <= DAY).map((f) => ({ ...f })),
      top_bad_actors: top,
      standing: all.filter((a) => a.active).length,
      stale: all.filter((a) => a.stale).length,
      shelved: all.filter((a) => a.overlay === 'shelved').length,
      out_of_service: all.filter((a) => a.overlay === 'out_of_service').length,
      suppressed: all.filter((a) => a.overlay === 'suppressed').length,
      chattering: all.filter((a) => a.chattering).length,
      by_priority: byPriority,
    };
  }
}
