import { describe, expect, it } from 'vitest';
import { createReadingsThrottle, type ReadingsDropped, type Schedule } from './readings-throttle';

/** A schedule the test fires by hand: no wall clock. */
function manualSchedule() {
  const due: Array<{ fn: () => void; cancelled: boolean }> = [];
  const schedule: Schedule = (fn) => {
    const t = { fn, cancelled: false };
    due.push(t);
    return () => void (t.cancelled = true);
  };
  const fire = () => {
    for (const t of due.splice(0)) if (!t.cancelled) t.fn();
  };
  return { schedule, fire, pending: () => due.filter((t) => !t.cancelled).length };
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('readings throttle', () => {
  it('sends one batch per window and drops nothing under the limit', () => {
    const clock = manualSchedule();
    const sent: number[][] = [];
    const drops: ReadingsDropped[] = [];
    const th = createReadingsThrottle<number>({ send: (b) => sent.push(b), onDrop: (r) => drops.push(r), max: 10, schedule: clock.schedule });
    th.push(range(0, 4));
    th.push(range(4, 6));
    expect(clock.pending()).toBe(1);
    expect(sent).toEqual([]);
    clock.fire();
    expect(sent).toEqual([range(0, 10)]);
    expect(drops).toEqual([]);
    expect(th.dropped).toBe(0);
  });

  it('keeps the newest readings past the limit and reports the count dropped per window and in total', () => {
    const clock = manualSchedule();
    const sent: number[][] = [];
    const drops: ReadingsDropped[] = [];
    const th = createReadingsThrottle<number>({ send: (b) => sent.push(b), onDrop: (r) => drops.push(r), max: 10, windowMs: 250, schedule: clock.schedule });
    th.push(range(0, 25));
    clock.fire();
    expect(sent).toEqual([range(15, 10)]);
    expect(drops).toEqual([{ dropped: 15, total: 15, windowMs: 250, max: 10 }]);
    // A window far beyond the limit is trimmed while it fills, and every reading left out is counted.
    for (let i = 0; i < 10; i++) th.push(range(1000 + i * 10, 10));
    th.push(range(5000, 3));
    clock.fire();
    expect(sent[1]).toEqual([...range(1093, 7), ...range(5000, 3)]);
    expect(drops[1]).toEqual({ dropped: 93, total: 108, windowMs: 250, max: 10 });
    expect(th.dropped).toBe(108);
  });

  it('sends nothing after dispose', () => {
    const clock = manualSchedule();
    const sent: number[][] = [];
    const th = createReadingsThrottle<number>({ send: (b) => sent.push(b), onDrop: () => {}, schedule: clock.schedule });
    th.push([1, 2, 3]);
    th.dispose();
    clock.fire();
    expect(sent).toEqual([]);
    expect(clock.pending()).toBe(0);
  });
});
