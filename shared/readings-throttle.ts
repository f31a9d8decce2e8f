// The one readings throttle of the UI transports (WebSocket bridge and Electron IPC). Readings arrive
// at up to thousands per second; a screen redraws a few times a second. Each window's readings go out
// as one batch of at most READINGS_PER_WINDOW, the newest kept. What it drops it reports: a count per
// window and a running total, which the transports send as 'readings.dropped' and the UI shows.
// Only the live feed to screens thins out this way; ingest stores every reading.

export const READINGS_WINDOW_MS = 250;
export const READINGS_PER_WINDOW = 2000;

import type { z } from 'zod';
import type { ReadingsDroppedSchema } from './schemas/plant';

export type ReadingsDropped = z.output<typeof ReadingsDroppedSchema>;

/** Runs fn once after ms; returns a function that cancels it. Injected by tests that drive time by hand. */
export type Schedule = (fn: () => void, ms: number) => () => void;

const timerSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export interface ReadingsThrottle<T> {
  push(readings: readonly T[]): void;
  /** Readings dropped since the start. */
  readonly dropped: number;
  /** Cancels a pending batch (nothing is sent after it). */
  dispose(): void;
}

export function createReadingsThrottle<T>(opts: {
  send(batch: T[]): void;
  onDrop(report: ReadingsDropped): void;
  windowMs?: number;
  max?: number;
  schedule?: Schedule;
}): ReadingsThrottle<T> {
  const windowMs = opts.windowMs ?? READINGS_WINDOW_MS;
  const max = opts.max ?? READINGS_PER_WINDOW;
  const schedule = opts.schedule ?? timerSchedule;
  let pending: T[] = [];
  let droppedNow = 0;
  let total = 0;
  let cancel: (() => void) | null = null;

  const flush = () => {
    cancel = null;
    const batch = pending;
    pending = [];
    if (batch.length > max) droppedNow += batch.splice(0, batch.length - max).length;
    opts.send(batch);
    if (droppedNow > 0) {
      total += droppedNow;
      const report = { dropped: droppedNow, total, windowMs, max };
      droppedNow = 0;
      opts.onDrop(report);
    }
  };

  return {
    push(readings) {
      for (const r of readings) pending.push(r);
      // Keep memory bounded within a window too: only the newest `max` can go out.
      if (pending.length > 4 * max) droppedNow += pending.splice(0, pending.length - max).length;
      cancel ??= schedule(flush, windowMs);
    },
    get dropped() {
      return total + droppedNow;
    },
    dispose() {
      cancel?.();
      cancel = null;
      pending = [];
    },
  };
}
