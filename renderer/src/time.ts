// One clock for the control room: every time shown is plant time, the clock of the readings (a replay
// runs it at its own speed, ahead of or behind the wall clock), 24-hour, with the date when it is not
// the plant's today; the wall time is on hover. Readings, episodes and trend axes carry plant time
// already; what the core stamps with the wall clock (alarms, approvals, audit, incidents) is placed on
// the plant clock through the replay's clock segments (SimulatorStatus.clock, gathered in store/clock.ts).
// With no replay the plant clock is the wall clock.
import { create } from 'zustand';
import type { SimulatorStatus } from '../../shared/contract';

/** The clock segments (all of them the UI holds, not only a status's newest), the plant time now and when. */
export type PlantClock = Pick<NonNullable<SimulatorStatus['clock']>, 'segments' | 'plantTime' | 'at'>;
type Segment = PlantClock['segments'][number];

/** The segment a time falls in (by `key`), or null before the first. */
function segmentAt(segments: readonly Segment[], t: number, key: 'wall' | 'plant'): number {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid][key] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The rate of a segment: its own, or (at maximum speed) what it covered up to the next one or up to now. */
function rateOf(clock: PlantClock, i: number): number {
  const s = clock.segments[i];
  if (s.rate !== null) return s.rate;
  const next = clock.segments[i + 1];
  const [wall, plant] = next ? [next.wall, next.plant] : [clock.at, clock.plantTime ?? s.plant];
  return wall > s.wall ? Math.max(0, (plant - s.plant) / (wall - s.wall)) : 0;
}

/** Plant time of a wall-clock instant (identity with no replay, or before it started). */
export function wallToPlant(clock: PlantClock | null | undefined, wallMs: number): number {
  if (!clock || clock.segments.length === 0) return wallMs;
  const i = segmentAt(clock.segments, wallMs, 'wall');
  if (i < 0) return wallMs;
  const s = clock.segments[i];
  let t = s.plant + (wallMs - s.wall) * rateOf(clock, i);
  // A segment ends where the next begins: never past it (a seek may move the clock on, never back in shift mode).
  const next = clock.segments[i + 1];
  if (next && t > next.plant && next.plant >= s.plant) t = next.plant;
  return Math.round(t);
}

/** Wall-clock instant of a plant time (the newest segment that covers it), null if the replay never ran there. */
export function plantToWall(clock: PlantClock | null | undefined, plantMs: number): number | null {
  if (!clock || clock.segments.length === 0) return plantMs;
  for (let i = clock.segments.length - 1; i >= 0; i--) {
    const s = clock.segments[i];
    const next = clock.segments[i + 1];
    const rate = rateOf(clock, i);
    const endPlant = next ? next.plant : (clock.plantTime ?? s.plant);
    if (plantMs < s.plant || (rate > 0 && plantMs > Math.max(endPlant, s.plant))) continue;
    if (rate <= 0) return plantMs === s.plant ? s.wall : null;
    return Math.round(s.wall + (plantMs - s.plant) / rate);
  }
  return null;
}

/**
 * The plant clock's present as the top bar shows it: the newest reading's time (`now`), else the replay's
 * newest published time, else (nothing replayed since the core started: a paused start after a restart)
 * where its clock segments put the core's last status. Null with no replay and no reading.
 */
export function plantPresent(now: number | null, clock: PlantClock | null | undefined): number | null {
  return now ?? clock?.plantTime ?? (clock?.segments.length ? wallToPlant(clock, clock.at) : null);
}

const p2 = (n: number) => String(n).padStart(2, '0');
const dayOf = (d: Date) => `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;

/** "14:03:27" on the plant's today (`todayMs`), "2026-01-02 14:03:27" on another day; 24-hour, local zone. */
export function fmtClock(ms: number | null | undefined, todayMs?: number | null, opts: { seconds?: boolean } = {}): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const time = `${p2(d.getHours())}:${p2(d.getMinutes())}${opts.seconds === false ? '' : `:${p2(d.getSeconds())}`}`;
  const today = todayMs !== null && todayMs !== undefined && Number.isFinite(todayMs) ? dayOf(new Date(todayMs)) : null;
  return today === dayOf(d) ? time : `${dayOf(d)} ${time}`;
}

/**
 * A wall-clock instant, "2026-01-02 14:03:27" (24-hour, local zone), for hover text only and labelled there
 * "wall clock": what an operator reads is plant time (PlantTime, fmtClock). tests/one-clock.test.ts holds
 * every use to that, and every other formatting of a Date to this file.
 */
export function fmtWall(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return `${dayOf(d)} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

/**
 * Time-axis labels (seconds since the epoch, as uPlot hands them), 24-hour: seconds when the ticks are
 * closer than a minute, the date on the first tick and wherever the day changes.
 */
export function axisLabels(splits: readonly number[], incrSec: number): string[] {
  let prevDay = '';
  return splits.map((s) => {
    const d = new Date(s * 1000);
    const day = dayOf(d);
    const hm = `${p2(d.getHours())}:${p2(d.getMinutes())}${incrSec < 60 ? `:${p2(d.getSeconds())}` : ''}`;
    const label = incrSec >= 86_400 ? day.slice(5) : day !== prevDay ? `${day.slice(5)} ${hm}` : hm;
    prevDay = day;
    return label;
  });
}

/** The plant clock's present: the newest reading's time, moved on by the UI as readings arrive. */
export interface PlantNowState {
  /** Epoch ms on the plant clock, null before the first reading. */
  now: number | null;
  /** Wall time of that reading's arrival. */
  at: number;
  saw(plantMs: number, wallMs?: number): void;
}

export const usePlantNow = create<PlantNowState>()((set, get) => ({
  now: null,
  at: 0,
  // Whole seconds: a re-render of every clock per reading batch would be waste.
  saw: (plantMs, wallMs = Date.now()) => {
    if (!Number.isFinite(plantMs)) return;
    const cur = get().now;
    if (cur !== null && Math.floor(cur / 1000) === Math.floor(plantMs / 1000)) return;
    set({ now: plantMs, at: wallMs });
  },
}));

/**
 * The latest time on screen when it is later than the plant clock (kept timestamps after a seek back or
 * a loop), else null: what the top bar's "↺ back" says, exactly while such a time is shown (an alarm
 * placed through the clock segments, a trend zoomed into a stretch replayed before the jump), whatever
 * this page saw before (a page opened after the jump marks it too). The clock here is the later of the top bar's (`now`, the newest reading) and where
 * the core's clock segments put the core's wall instant `wallNow`: an alarm raised a moment ago is placed
 * a few seconds after the newest reading that reached the page (readings come in batches, 250 ms = 25 s
 * of plant time at 100×), and that is no jump back. Whole seconds, as the clock shows them.
 */
export function clockBehind(latestShown: number | null, now: number | null, clock: PlantClock | null | undefined, wallNow: number): number | null {
  if (latestShown === null || !clock || clock.segments.length === 0) return null;
  const present = Math.max(now ?? -Infinity, wallToPlant(clock, wallNow));
  return Math.floor(latestShown / 1000) > Math.floor(present / 1000) ? latestShown : null;
}

/**
 * What the operator is told when the replay jumps (`simulator.discontinuity`: the kind and the next
 * published plant time) from the plant time on screen: only a jump back, which with kept timestamps puts
 * every time shown until then (alarms, trends) after the clock. Null for a jump on (a shifted replay's
 * every jump, a speed change, a resume).
 */
export function clockBackNotice(jump: { kind: 'seek' | 'speed' | 'resume' | 'loop'; ts: number }, shownMs: number | null): string | null {
  if (shownMs === null || !Number.isFinite(shownMs) || !(jump.ts < shownMs)) return null;
  // Under a second back is a row of the same second, not a jump the operator could see.
  if (Math.floor(jump.ts / 1000) === Math.floor(shownMs / 1000)) return null;
  const what = jump.kind === 'loop' ? 'Replay looped' : jump.kind === 'seek' ? 'Replay seek' : `Replay ${jump.kind}`;
  return `${what}: plant clock back from ${fmtClock(shownMs, jump.ts)} to ${fmtClock(jump.ts, jump.ts)}. Times shown before it are later than the clock now.`;
}
