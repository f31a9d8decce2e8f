// One alarm's record and the pure steps of its life cycle. The state (A–D) follows from two facts,
// "is the condition active" and "has the operator acknowledged"; an overlay (E–G) hides it from the
// operator without losing it.
import type { Alarm, AlarmConfig, AlarmKind, AlarmPriority, AlarmState } from './schema';

export type Overlay = 'shelved' | 'suppressed' | 'out_of_service';

/** The master alarm table's text for an alarm: taken at each raise, so an edit applies from the next one. */
export interface Rationale {
  /** Absent: the raiser's priority stands (anomaly alarms: their episode's). */
  priority?: AlarmPriority;
  consequence: string | null;
  action: string | null;
  /**
   * The action lists one SOP per failure mode ("Thermal runaway (SOP 2.1): … | Sensor drift (…"): a
   * condition that names one ("thermal runaway on temperature …") gets that one, an unknown pattern all.
   */
  byMode?: boolean;
}

function actionFor(r: Rationale, condition: string): string | null {
  if (!r.byMode || !r.action) return r.action;
  const said = condition.toLowerCase();
  const one = r.action.split(' | ').find((part) => {
    const mode = part.slice(0, part.indexOf(' (')).toLowerCase();
    return mode.length > 0 && said.startsWith(mode);
  });
  return one ?? r.action;
}

export interface AlarmRecord extends Alarm {
  overlay: Overlay | null;
  /** Raw condition before delays, and since when it has held that value. */
  cond: boolean;
  condSince: number;
  /** Activation times within the chatter window, oldest first. */
  recent: number[];
  /** The condition's own text (value, limit); the message adds the rationale to it while raised. */
  base: string;
  /** The rationale taken at the last raise, and the raiser's own (the plant model's text) as fallback. */
  rat: Rationale | null;
  dflt: Rationale | null;
}

/** "<condition>. Consequence: …. Action: …" */
export function composeMessage(base: string, r: Rationale | null): string {
  let out = base;
  const add = (label: string, text: string | null | undefined) => {
    if (text) out += `${/[.!?]$/.test(out) ? '' : '.'} ${label}: ${text}`;
  };
  add('Consequence', r?.consequence);
  add('Action', r ? actionFor(r, base) : null);
  return out;
}

export function newRecord(id: string, source: string, kind: AlarmKind, priority: AlarmPriority, message: string, now: number): AlarmRecord {
  return {
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
    base: message,
    rat: null,
    dflt: null,
  };
}

/** A stored alarm back as a record (its condition taken as it was last saved). */
export function storedRecord(a: Alarm): AlarmRecord {
  const overlay: Overlay | null = a.state === 'shelved' || a.state === 'suppressed' || a.state === 'out_of_service' ? a.state : null;
  return { ...a, overlay, cond: a.active, condSince: a.updated_at, recent: [], base: a.message, rat: null, dflt: null };
}

export function stateOf(a: AlarmRecord): AlarmState {
  if (a.overlay) return a.overlay;
  if (a.active) return a.acknowledged ? 'acknowledged' : 'unacknowledged';
  return a.acknowledged ? 'normal' : 'rtn_unacknowledged';
}

/** The public view of a record (a copy: later changes do not show through). */
export function publicView(a: AlarmRecord): Alarm {
  const { overlay: _o, cond: _c, condSince: _s, recent: _r, base: _b, rat: _t, dflt: _d, ...pub } = a;
  return { ...pub };
}

/** The condition turned active (past the on-delay): a new activation, counted towards chatter. */
export function activate(a: AlarmRecord, now: number, cfg: AlarmConfig): void {
  a.active = true;
  a.acknowledged = false;
  a.activated_at = now;
  a.cleared_at = null;
  a.acked_by = null;
  a.acked_at = null;
  a.activations++;
  a.first_out = false;
  a.recent.push(now);
  while (a.recent.length && now - a.recent[0] > cfg.chatterWindowMs) a.recent.shift();
  if (a.recent.length >= cfg.chatterCount) a.chattering = true;
}

export function clear(a: AlarmRecord, now: number): void {
  a.active = false;
  a.cleared_at = now;
  a.stale = false;
}

/** Back in service: the overlay and its who/why are gone; an alarm whose condition still holds is unacknowledged anew. */
export function removeOverlay(a: AlarmRecord): void {
  a.overlay = null;
  a.shelved_by = null;
  a.shelve_reason = null;
  a.shelved_until = null;
  a.oos_by = null;
  a.oos_reason = null;
  a.suppress_reason = null;
  a.acknowledged = !a.active;
}
