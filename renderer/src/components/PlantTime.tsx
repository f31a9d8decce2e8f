// A time as the control room shows it: on the plant clock, 24-hour, the date when not the plant's
// today, the wall-clock time on hover. Give `plant` for times on the readings' clock (readings,
// episodes) or `wall` for what the core stamps with the wall clock (alarms, approvals, audit rows).
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { coreWallNow, isWanted, usePlantClock } from '../store/clock';
import { clockBehind, fmtClock, fmtWall, plantPresent, plantToWall, usePlantNow, wallToPlant } from '../time';

export function PlantTime({ plant, wall, seconds }: { plant?: number | null; wall?: number | null; seconds?: boolean }) {
  const clock = usePlantClock((s) => s.clock);
  // Its clock segments are still on their way (the first load): a guess would be a wrong time on screen.
  const loading = useStore(usePlantClock, (s) => plant == null && wall != null && isWanted(s.wanted, wall));
  // The plant's day only (its midnight): a re-render of every time on screen per second of a fast replay would be waste.
  const today = useStore(usePlantNow, (s) => (s.now === null ? null : new Date(s.now).setHours(0, 0, 0, 0)));
  if (loading) return <span title="placing on the plant clock">…</span>;
  const p = plant ?? (wall !== null && wall !== undefined ? wallToPlant(clock, wall) : null);
  if (p === null || !Number.isFinite(p)) return <span>—</span>;
  const w = wall ?? plantToWall(clock, p);
  return (
    <time dateTime={new Date(p).toISOString()} data-plant-ts={p} title={w === null ? 'plant time' : `plant time · wall clock ${fmtWall(w)}`}>
      {fmtClock(p, today ?? wallToPlant(clock, Date.now()), { seconds })}
    </time>
  );
}

/**
 * The latest plant time on screen: every PlantTime (`time[data-plant-ts]`) and a trend window the operator
 * zoomed or panned (`data-shown-ts`), outside the top bar's own clock and leaving out what is not displayed.
 * Read from the page itself, so a time counts exactly while it is on screen. Every PlantTime is a time that
 * happened (none is a deadline still to come): one later than the clock is one the clock went back from.
 */
export function latestShown(root: ParentNode, skip: Element | null): number | null {
  let latest: number | null = null;
  for (const el of root.querySelectorAll<HTMLElement>('time[data-plant-ts], [data-shown-ts]')) {
    if (skip?.contains(el) || el.getClientRects().length === 0) continue;
    const t = Number(el.dataset.shownTs ?? el.dataset.plantTs);
    if (el.dataset.plantTs === '' || !Number.isFinite(t)) continue;
    if (latest === null || t > latest) latest = t;
  }
  return latest;
}

/** How often the top bar looks at what the page shows (a row leaving the alarm list clears the mark within it). */
const SHOWN_SCAN_MS = 1000;

/** The plant clock's present for the top bar, with its date: the newest reading's time (it stands still while the replay is paused). */
export function PlantNow() {
  const now = useStore(usePlantNow, (s) => s.now);
  const clock = usePlantClock((s) => s.clock);
  const p = now ?? plantPresent(null, clock);
  const at = useStore(usePlantNow, (s) => s.at);
  const [latest, setLatest] = useState<number | null>(null);
  const [self, setSelf] = useState<HTMLElement | null>(null);
  useEffect(() => {
    if (!self) return;
    const bar = self.closest('[data-field="plant-time"]') ?? self;
    const scan = () => setLatest(latestShown(document, bar));
    scan();
    const timer = setInterval(scan, SHOWN_SCAN_MS);
    return () => clearInterval(timer);
  }, [self]);
  // Kept timestamps after a seek back or a loop: a time on screen is later than this clock (only while one is).
  const ahead = clockBehind(latest, p, clock, coreWallNow(usePlantClock.getState()));
  return (
    <>
      <time
        ref={setSelf}
        dateTime={p === null ? undefined : new Date(p).toISOString()}
        data-plant-ts={p ?? ''}
        title={at ? `newest reading arrived ${fmtWall(at)} wall clock` : undefined}
      >
        {fmtClock(p, null)}
      </time>
      {ahead !== null ? (
        <span
          className="clock-back"
          data-clock-back=""
          title={`The replay moved the plant clock back: times on screen run up to ${fmtClock(ahead, ahead)}, later than the clock now.`}
        >
          {' '}
          ↺ back
        </span>
      ) : null}
    </>
  );
}
