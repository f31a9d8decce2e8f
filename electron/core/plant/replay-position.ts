// Where the replay's plant clock stands across a restart and a jump back: the time a restart goes on
// from, the replay's position noted while it publishes (kept timestamps), and where the clock stood
// before a jump back. The simulator's (simulator.ts); the clock segments' store is clock-store.ts.
import type { ClockSegments } from './clock-store';

/**
 * Wall ms between notes of the replay's position (kept timestamps): a crash re-publishes at most two of
 * these (200 s of plant time at 100×); one row written per second is nothing beside ingest's batches.
 */
export const POSITION_EVERY_MS = 1000;

/**
 * The plant time the clock had reached when the core last ran, -Infinity with no record. Shift mode puts
 * the replay on the wall clock, but after a restart never before that time (a fast replay runs ahead of
 * the wall clock): what was stamped before the restart must not land after the new "now". A stop's (or
 * pause's) rate-0 segment holds it; after a crash (no stop's segment) the newest stored reading
 * (`resumeAfter`) does in shift mode (conversions of the crashed stretch stop at the restart's segment,
 * time.ts). With kept timestamps that reading says nothing after a seek back (the store holds times later
 * than the replay's position: taking it jumped the clock to the highest time ever replayed), so a crash
 * goes on from the position noted last if it is newer than the last segment, else from that segment's
 * row: a stretch published twice, never a jump on.
 */
export function reachedBefore(segments: ClockSegments, timestamps: 'shift' | 'keep', resumeAfter: number | null | undefined): number {
  const last = segments.last();
  if (last?.rate === 0) return last.plant;
  if (timestamps === 'shift') return Math.max(last?.plant ?? -Infinity, resumeAfter ?? -Infinity);
  const noted = segments.position();
  return noted && last && noted.wall > last.wall ? noted.plant : (last?.plant ?? -Infinity) - 1;
}

/**
 * Kept timestamps: notes where the replay stood one note ago, every POSITION_EVERY_MS of wall time while it
 * publishes. One note back, not the newest: what was published since may still sit in ingest's batch
 * (flushMs, 100 ms) and die with the process, and resuming after it would leave a gap in the store. So a
 * crash re-publishes at most two intervals (the store keeps the value first stored at a tag's time: nothing
 * twice, nothing flagged) instead of jumping to the highest time ever replayed.
 */
export function createPositionNotes(segments: ClockSegments, now: () => number, reached: number) {
  let mark = { wall: now(), plant: reached };
  return {
    /** After publishing; `lastOut` is the last published time, 0 when nothing was published since a jump. */
    published(lastOut: number): void {
      const t = now();
      if (t - mark.wall < POSITION_EVERY_MS) return;
      segments.notePosition({ wall: t, plant: mark.plant });
      // Nothing published since a jump: it still stands before the jump's row.
      mark = { wall: t, plant: lastOut || mark.plant };
    },
    /**
     * A jump (seek, loop) to a row at `rowTs`, from `lastOut` (0: nothing published since the last segment).
     * Where the clock stood until then goes in as a segment a millisecond before the jump: without it the
     * segment before runs on to the jump's own plant time (time.ts ends a segment where the next begins),
     * and an alarm raised at 00:15 before a seek back to 00:05 was placed at 00:05.
     */
    jumped(rowTs: number, lastOut: number): void {
      const prev = segments.last();
      const t = now();
      if (lastOut && prev && prev.rate !== 0 && prev.wall < t - 1) segments.add({ wall: t - 1, plant: lastOut, rate: 0 });
      mark = { wall: t, plant: rowTs - 1 };
    },
  };
}
