// A time as the control room shows it: on the plant clock, 24-hour, the date when not the plant's
// today, the wall-clock time on hover. Give `plant` for times on the readings' clock (readings,
// episodes) or `wall` for what the core stamps with the wall clock (alarms, approvals, audit rows).
import { useStore } from 'zustand';
import { isWanted, usePlantClock } from '../store/clock';
import { fmtClock, fmtWall, plantPresent, plantToWall, usePlantNow, wallToPlant } from '../time';

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

/** The plant clock's present for the top bar, with its date: the newest reading's time (it stands still while the replay is paused). */
export function PlantNow() {
  const now = useStore(usePlantNow, (s) => s.now);
  const fromClock = usePlantClock((s) => plantPresent(null, s.clock));
  const p = now ?? fromClock;
  const at = useStore(usePlantNow, (s) => s.at);
  const peak = useStore(usePlantNow, (s) => s.peak);
  // Kept timestamps after a seek back or a loop: times already on screen are later than this clock.
  const back = p !== null && peak !== null && Math.floor(p / 1000) < Math.floor(peak / 1000);
  return (
    <>
      <time
        dateTime={p === null ? undefined : new Date(p).toISOString()}
        data-plant-ts={p ?? ''}
        title={at ? `newest reading arrived ${fmtWall(at)} wall clock` : undefined}
      >
        {fmtClock(p, null)}
      </time>
      {back ? (
        <span
          className="clock-back"
          data-clock-back=""
          title={`The replay moved the plant clock back: times shown before it run up to ${fmtClock(peak, peak)}, later than the clock now.`}
        >
          {' '}
          ↺ back
        </span>
      ) : null}
    </>
  );
}
