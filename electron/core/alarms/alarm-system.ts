// ISA-18.2 alarm life cycle for every alarm in the plant: conditions in (with on/off delays and a
// deadband), operator actions (acknowledge, shelve, out of service), suppression by design, the
// time-driven work, and every state change recorded and published. The states themselves are in
// record.ts; rates and floods in rates.ts.
import { CoreError } from '../api';
import type { Clock } from '../clock';
import { AlarmRates } from './rates';
import { activate, clear, composeMessage, newRecord, publicView, removeOverlay, stateOf, storedRecord, type AlarmRecord, type Rationale } from './record';
import type { AlarmRepository } from './repository';
import type { Alarm, AlarmChange, AlarmConfig, AlarmHistoryEntry, AlarmKind, AlarmPriority, AlarmState, AlarmStats, FloodStatus } from './schema';
import { ALARM_PRIORITIES } from './schema';

export interface ConditionInput {
  active: boolean;
  source: string;
  kind?: AlarmKind;
  priority?: AlarmPriority;
  message?: string;
  episodeId?: string | null;
  /** The raiser's own consequence and action (the plant model's): used when the master alarm table has no row. */
  consequence?: string | null;
  action?: string | null;
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
  /** The plant clock (a replay's), stored with each state change for the alarm report; null: none yet. */
  plantNow?: () => number | null;
  /** The master alarm table's row for an alarm id (table.ts), read at each raise; null: none. */
  rationale?: (id: string) => Rationale | null;
}

export class AlarmSystem {
  private readonly cfg: AlarmConfig;
  private readonly clock: Clock;
  private readonly repo?: AlarmRepository;
  private readonly onStoreError?: (err: unknown, alarmId: string) => void;
  private plantNow?: () => number | null;
  private readonly rationale?: (id: string) => Rationale | null;
  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly listeners = new Set<(c: AlarmChange) => void>();
  private readonly floodListeners = new Set<(f: FloodStatus) => void>();
  private readonly rates: AlarmRates;

  constructor(deps: AlarmSystemDeps) {
    this.cfg = deps.config;
    this.clock = deps.clock;
    this.repo = deps.repository;
    this.onStoreError = deps.onStoreError;
    this.plantNow = deps.plantNow;
    this.rationale = deps.rationale;
    this.rates = new AlarmRates(this.cfg, {
      floodStarted: (firstOutId) => {
        const fo = this.alarms.get(firstOutId);
        if (!fo) return;
        fo.first_out = true;
        this.commit(fo, stateOf(fo), null, 'first-out of alarm flood', true);
      },
      floodChanged: (status) => {
        for (const fn of this.floodListeners) {
          try {
            fn({ ...status });
          } catch {
            // ignore listener failure
          }
        }
      },
    });
    for (const a of this.repo?.loadAll() ?? []) this.alarms.set(a.id, storedRecord(a));
  }

  onChange(fn: (c: AlarmChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The plant clock to store with each state change (the composition root knows the replay). */
  setPlantClock(plantNow: () => number | null): void {
    this.plantNow = plantNow;
  }

  onFlood(fn: (f: FloodStatus) => void): () => void {
    this.floodListeners.add(fn);
    return () => this.floodListeners.delete(fn);
  }

  private ensure(id: string, source: string, kind: AlarmKind, priority: AlarmPriority, message: string): AlarmRecord {
    let a = this.alarms.get(id);
    if (!a) {
      a = newRecord(id, source, kind, priority, message, this.clock.now());
      this.alarms.set(id, a);
    }
    return a;
  }

  /** Apply a mutation and record the state change, if any. */
  private commit(a: AlarmRecord, from: AlarmState, by: string | null, reason: string | null, force = false): void {
    const to = stateOf(a);
    const at = this.clock.now();
    a.state = to;
    a.updated_at = at;
    try {
      this.repo?.save(publicView(a));
      if (from !== to)
        this.repo?.addHistory({ alarm_id: a.id, at, from_state: from, to_state: to, by, reason, plant_at: this.plantNow?.() ?? null, priority: a.priority });
    } catch (err) {
      // A disk that refuses the record must not silence the alarm (the disk-full alarm most of all).
      this.onStoreError?.(err, a.id);
    }
    if (from === to && !force) return;
    const change: AlarmChange = { alarm: publicView(a), from, to, at, by, reason };
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
    const from = stateOf(a);
    // the priority taken at the raise holds until the next one (the table's, when it has one)
    if (input.priority) a.priority = a.rat?.priority ?? input.priority;
    if (input.message !== undefined) a.base = input.message;
    if (input.consequence !== undefined || input.action !== undefined) a.dflt = { consequence: input.consequence ?? null, action: input.action ?? null };
    if (input.episodeId !== undefined && input.active) a.episode_id = input.episodeId;
    const now = this.clock.now();
    if (input.active !== a.cond) {
      a.cond = input.active;
      a.condSince = now;
    }
    const raises = a.activations;
    this.applyDelays(a, now);
    // a cleared alarm's new text (e.g. "reachable again") stands alone; a raised one carries its rationale
    if (input.message !== undefined && a.activations === raises) a.message = a.active ? composeMessage(a.base, a.rat) : a.base;
    this.commit(a, from, null, null, input.priority !== undefined && a.active);
    return publicView(a);
  }

  /** Feed an analog value against a high limit with a deadband. */
  setValue(id: string, input: AnalogInput): Alarm {
    const a = this.alarms.get(id);
    const latched = a ? a.cond : false;
    const active = latched ? input.value >= input.limit - input.deadband : input.value >= input.limit;
    return this.setCondition(id, { active, source: input.source, kind: 'analog', priority: input.priority, message: input.message });
  }

  private applyDelays(a: AlarmRecord, now: number): void {
    if (a.cond && !a.active && now - a.condSince >= this.cfg.onDelayMs) this.activate(a, now);
    else if (!a.cond && a.active && now - a.condSince >= this.cfg.offDelayMs) clear(a, now);
  }

  private activate(a: AlarmRecord, now: number): void {
    activate(a, now, this.cfg);
    let r: Rationale | null = a.dflt;
    try {
      r = this.rationale?.(a.id) ?? a.dflt;
    } catch {
      // an unreadable table must not silence the alarm: the raiser's own text stands
    }
    a.rat = r;
    if (r?.priority) a.priority = r.priority;
    a.message = composeMessage(a.base, r);
    // shelved / suppressed / out-of-service alarms are not annunciated and do not count towards floods
    if (!a.overlay) this.rates.annunciate(a.id, a.priority, now);
  }

  /** Time-driven work: on/off delays, shelf expiry, chatter decay, flood end, stale marking, log pruning. */
  tick(): void {
    const now = this.clock.now();
    for (const a of this.alarms.values()) {
      const from = stateOf(a);
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
    this.rates.tick(now);
  }

  private get(id: string): AlarmRecord {
    const a = this.alarms.get(id);
    if (!a) throw new CoreError('not_found', `no alarm ${id}`);
    return a;
  }

  private removeOverlay(a: AlarmRecord): void {
    removeOverlay(a);
    // back in service: an alarm whose condition still holds is annunciated anew
    if (a.active) this.rates.annunciate(a.id, a.priority, this.clock.now());
  }

  acknowledge(id: string, who: string, note?: string): Alarm {
    const a = this.get(id);
    const from = stateOf(a);
    if (from !== 'unacknowledged' && from !== 'rtn_unacknowledged') {
      throw new CoreError('invalid_state', `alarm ${id} is ${from}; only unacknowledged alarms can be acknowledged`);
    }
    a.acknowledged = true;
    a.acked_by = who;
    a.acked_at = this.clock.now();
    this.commit(a, from, who, note ?? null);
    return publicView(a);
  }

  shelve(id: string, who: string, reason: string, durationMs?: number): Alarm {
    const a = this.get(id);
    if (!reason.trim()) throw new CoreError('invalid_params', 'a reason is required to shelve an alarm');
    if (a.overlay === 'out_of_service') throw new CoreError('invalid_state', `alarm ${id} is out of service`);
    const from = stateOf(a);
    const ms = Math.min(durationMs ?? this.cfg.shelveDefaultMs, this.cfg.shelveMaxMs);
    a.overlay = 'shelved';
    a.shelved_by = who;
    a.shelve_reason = reason;
    a.shelved_until = this.clock.now() + ms;
    this.commit(a, from, who, reason, true);
    return publicView(a);
  }

  unshelve(id: string, who: string, reason?: string): Alarm {
    const a = this.get(id);
    if (a.overlay !== 'shelved') throw new CoreError('invalid_state', `alarm ${id} is not shelved`);
    const from = stateOf(a);
    this.removeOverlay(a);
    this.commit(a, from, who, reason ?? 'unshelved');
    return publicView(a);
  }

  setOutOfService(id: string, who: string, reason: string, outOfService: boolean): Alarm {
    const a = this.get(id);
    if (!reason.trim()) throw new CoreError('invalid_params', 'a reason is required');
    const from = stateOf(a);
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
    return publicView(a);
  }

  /** Suppression by design: logic, not a person (e.g. the data feed is paused, the device is stopped). */
  setSuppressed(id: string, suppressed: boolean, reason: string): void {
    const a = this.alarms.get(id);
    if (!a) return;
    if (suppressed && a.overlay) return; // operator overlays win
    if (!suppressed && a.overlay !== 'suppressed') return;
    const from = stateOf(a);
    if (suppressed) {
      a.overlay = 'suppressed';
      a.suppress_reason = reason;
    } else this.removeOverlay(a);
    this.commit(a, from, 'system', reason);
  }

  find(id: string): Alarm | null {
    const a = this.alarms.get(id);
    return a ? publicView(a) : null;
  }

  list(filter: { states?: AlarmState[]; source?: string; attention?: boolean } = {}): Alarm[] {
    const rank = (p: AlarmPriority) => ALARM_PRIORITIES.indexOf(p);
    return [...this.alarms.values()]
      .filter((a) => (!filter.states || filter.states.includes(stateOf(a))) && (!filter.source || a.source === filter.source))
      .filter((a) => !filter.attention || (!a.overlay && (a.active || !a.acknowledged)))
      .sort((x, y) => rank(x.priority) - rank(y.priority) || (y.activated_at ?? 0) - (x.activated_at ?? 0))
      .map((a) => publicView(a));
  }

  history(opts: { id?: string; limit: number; before?: number }): AlarmHistoryEntry[] {
    return this.repo?.history(opts) ?? [];
  }

  floodStatus(): FloodStatus {
    return this.rates.status();
  }

  stats(): AlarmStats {
    const all = [...this.alarms.values()];
    const counts = {
      standing: all.filter((a) => a.active).length,
      stale: all.filter((a) => a.stale).length,
      shelved: all.filter((a) => a.overlay === 'shelved').length,
      out_of_service: all.filter((a) => a.overlay === 'out_of_service').length,
      suppressed: all.filter((a) => a.overlay === 'suppressed').length,
      chattering: all.filter((a) => a.chattering).length,
    };
    return this.rates.stats(this.clock.now(), counts, (id) => this.alarms.get(id)?.chattering ?? false);
  }
}
