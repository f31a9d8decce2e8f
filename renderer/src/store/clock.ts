// The plant clock the screen converts wall-clock stamps with (time.ts): the replay's clock segments,
// gathered from the simulator statuses (each carries only the newest few, so the 5-s snapshot stays small)
// and from `simulator.clockSegments`, asked once for the older ones and again only for a stretch the
// statuses skipped (more segments added between two statuses than one carries: a fast loop).
import { create } from 'zustand';
import type { RequestMap, SimulatorStatus } from '../../../shared/contract';
import type { PlantClock } from '../time';

type StatusClock = NonNullable<SimulatorStatus['clock']>;
type Segment = PlantClock['segments'][number];
export type ClockPage = RequestMap['simulator.clockSegments']['result'];
export type ClockRange = RequestMap['simulator.clockSegments']['params'];

/** Segments held at most, the newest kept: as many as the core keeps (plant/clock-store.ts). */
export const HELD_SEGMENTS = 10_000;

/**
 * Put a page of segments in place among those held (both in wall order): the page's replace what it
 * covers (a segment at the same instant may have been replaced in the core). A status's page is the
 * newest (`tail`): nothing held after it stands.
 */
export function mergeSegments(held: readonly Segment[], page: readonly Segment[], tail: boolean): Segment[] {
  if (page.length === 0) return [...held];
  const first = page[0].wall;
  const last = page[page.length - 1].wall;
  const all = [...held.filter((s) => s.wall < first), ...page, ...(tail ? [] : held.filter((s) => s.wall > last))];
  return all.length > HELD_SEGMENTS ? all.slice(-HELD_SEGMENTS) : all;
}

/** What a status's page leaves out that the core holds: everything before it, or the stretch since the newest held. */
export function missingRange(held: readonly Segment[], status: Pick<StatusClock, 'segments' | 'older'>): ClockRange | null {
  const first = status.segments[0];
  if (!first || status.older === 0) return null;
  const newest = held[held.length - 1];
  if (!newest) return { to: first.wall };
  return newest.wall < first.wall ? { from: newest.wall, to: first.wall } : null;
}

export interface PlantClockState {
  /** Null with no replay (the plant clock is then the wall clock). */
  clock: PlantClock | null;
  /** Stretches of segments the core holds that are not here yet, fetched in turn. */
  wanted: ClockRange[];
  /** This page's Date.now() when the last status came (its `at` is the core's clock then). */
  seenAt: number;
  /** Take a status's clock. */
  absorb(status: StatusClock | null | undefined): void;
  /** Take the segments fetched for a wanted stretch. */
  merge(range: ClockRange, page: ClockPage): void;
}

export const usePlantClock = create<PlantClockState>()((set, get) => ({
  clock: null,
  wanted: [],
  seenAt: 0,
  absorb: (status) => {
    if (!status) {
      set({ clock: null, wanted: [] });
      return;
    }
    const { clock, wanted } = get();
    const held = clock?.segments ?? [];
    const gap = missingRange(held, status);
    set({
      clock: { segments: mergeSegments(held, status.segments, true), plantTime: status.plantTime, at: status.at },
      wanted: gap ? [...wanted, gap] : wanted,
      seenAt: Date.now(),
    });
  },
  merge: (range, page) =>
    set((st) => ({
      clock: { ...(st.clock ?? { plantTime: null, at: 0 }), segments: mergeSegments(st.clock?.segments ?? [], page.segments, false) },
      wanted: st.wanted.filter((r) => r !== range),
    })),
}));

/**
 * The core's wall clock now, as well as the page knows it: the last status's `at` moved on by the time
 * this page saw pass since (the page may run on another machine, its clock set differently).
 */
export function coreWallNow(s: Pick<PlantClockState, 'clock' | 'seenAt'>): number {
  return s.clock ? s.clock.at + Math.max(0, Date.now() - s.seenAt) : Date.now();
}

/** A wall instant the held segments may place wrong: its stretch is still being fetched. */
export function isWanted(wanted: readonly ClockRange[], wallMs: number): boolean {
  return wanted.some((r) => (r.from ?? -Infinity) <= wallMs && wallMs < (r.to ?? Infinity));
}

/**
 * The plant clock once it holds the segments that place `wallMs`: a stretch of them still on its way
 * (the older segments after a page load, fetched after the first status) would place it with the wrong
 * ones (before the first held segment: on the wall clock, 100 minutes off after ten at 10×). A failed
 * fetch is asked again at the next status, so this waits for it rather than guess.
 */
export function clockPlacing(wallMs: number): Promise<PlantClock | null> {
  const ready = (s: PlantClockState) => !isWanted(s.wanted, wallMs);
  return new Promise((resolve) => {
    if (ready(usePlantClock.getState())) return resolve(usePlantClock.getState().clock);
    const off = usePlantClock.subscribe((s) => {
      if (!ready(s)) return;
      off();
      resolve(s.clock);
    });
  });
}

type StatusSource = { getState(): { simulator: SimulatorStatus | null }; subscribe(fn: (s: { simulator: SimulatorStatus | null }) => void): () => void };

/**
 * Keep the plant clock in step with the simulator status in `source` (the plant slice), fetching
 * through `fetch` what the statuses leave out, one stretch at a time. Returns a stop function.
 */
export function followPlantClock(source: StatusSource, fetch: (range: ClockRange) => Promise<ClockPage>): () => void {
  let last: StatusClock | null | undefined;
  let inFlight = false;
  let stopped = false;
  const pump = () => {
    const range = usePlantClock.getState().wanted[0];
    if (!range || inFlight || stopped) return;
    inFlight = true;
    fetch(range).then(
      (page) => {
        inFlight = false;
        if (stopped) return;
        usePlantClock.getState().merge(range, page);
        pump();
      },
      // Asked again at the next status (the snapshot poll brings one every 5 s).
      () => {
        inFlight = false;
      },
    );
  };
  const take = (status: StatusClock | null | undefined) => {
    if (status === last) return;
    last = status;
    usePlantClock.getState().absorb(status);
    pump();
  };
  take(source.getState().simulator?.clock);
  const off = source.subscribe((s) => take(s.simulator?.clock));
  return () => {
    stopped = true;
    off();
  };
}
