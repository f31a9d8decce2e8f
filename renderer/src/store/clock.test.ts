// The UI's plant clock: the statuses' newest segments merged with what was fetched, and what is still
// missing named, so an old wall instant is placed with the segments that were in force then.
import { describe, expect, it } from 'vitest';
import { HELD_SEGMENTS, isWanted, mergeSegments, missingRange } from './clock';

const seg = (wall: number, plant = wall * 10, rate: number | null = 10) => ({ wall, plant, rate });

describe('the UI plant clock', () => {
  it('takes a status page as the newest: a segment replaced in the core at the same instant is replaced here', () => {
    const held = [seg(1), seg(2), seg(3)];
    expect(mergeSegments(held, [seg(3, 99, 0), seg(4)], true)).toEqual([seg(1), seg(2), seg(3, 99, 0), seg(4)]);
    // Nothing held after the newest page stands (a core that lost its last segment).
    expect(mergeSegments(held, [seg(2, 5, 0)], true)).toEqual([seg(1), seg(2, 5, 0)]);
  });

  it('puts a fetched older stretch in place, keeping what is newer', () => {
    expect(mergeSegments([seg(5), seg(6)], [seg(1), seg(2), seg(3)], false)).toEqual([seg(1), seg(2), seg(3), seg(5), seg(6)]);
    expect(mergeSegments([seg(1), seg(4), seg(6)], [seg(4), seg(5)], false)).toEqual([seg(1), seg(4), seg(5), seg(6)]);
  });

  it('holds no more segments than the core keeps, the newest', () => {
    const many = Array.from({ length: HELD_SEGMENTS + 3 }, (_, i) => seg(i));
    const merged = mergeSegments([], many, false);
    expect(merged).toHaveLength(HELD_SEGMENTS);
    expect(merged[0]).toEqual(seg(3));
  });

  it('names what a status leaves out: everything before it at first, then only a stretch it skipped', () => {
    expect(missingRange([], { segments: [seg(10), seg(11)], older: 0 })).toBeNull();
    expect(missingRange([], { segments: [seg(10), seg(11)], older: 9 })).toEqual({ to: 10 });
    // Overlapping what is held: nothing missing.
    expect(missingRange([seg(9), seg(10)], { segments: [seg(10), seg(11)], older: 9 })).toBeNull();
    // Newer than everything held: the stretch in between may hold segments.
    expect(missingRange([seg(5), seg(6)], { segments: [seg(10), seg(11)], older: 9 })).toEqual({ from: 6, to: 10 });
    expect(isWanted([{ to: 10 }], 3)).toBe(true);
    expect(isWanted([{ from: 6, to: 10 }], 3)).toBe(false);
    expect(isWanted([{ from: 6, to: 10 }], 10)).toBe(false);
  });
});
