import { describe, expect, it } from 'vitest';
import { axisLabels, clockBackNotice, clockBehind, fmtClock, plantToWall, wallToPlant, type PlantClock } from './time';

// Local-zone formatting: build the expected instants from local parts so the test holds in any zone.
const local = (y: number, mo: number, d: number, h: number, mi: number, s = 0) => new Date(y, mo - 1, d, h, mi, s).getTime();

describe('one clock: plant time formatting', () => {
  it('24-hour, seconds, no date on the plant’s today; the date on another day', () => {
    const today = local(2026, 1, 1, 12, 0);
    expect(fmtClock(local(2026, 1, 1, 15, 4, 5), today)).toBe('15:04:05');
    expect(fmtClock(local(2026, 1, 2, 0, 30, 0), today)).toBe('2026-01-02 00:30:00');
    expect(fmtClock(local(2026, 1, 1, 15, 4, 5), null)).toBe('2026-01-01 15:04:05');
    expect(fmtClock(local(2026, 1, 1, 9, 4, 5), today, { seconds: false })).toBe('09:04');
    expect(fmtClock(null, today)).toBe('—');
  });

  it('axis labels are 24-hour, with the date on the first tick and where the day changes', () => {
    const s = (ms: number) => ms / 1000;
    const ticks = [local(2026, 1, 1, 22, 0), local(2026, 1, 1, 23, 0), local(2026, 1, 2, 0, 0), local(2026, 1, 2, 13, 0)].map(s);
    expect(axisLabels(ticks, 3600)).toEqual(['01-01 22:00', '23:00', '01-02 00:00', '13:00']);
    expect(axisLabels([s(local(2026, 1, 1, 13, 0, 10)), s(local(2026, 1, 1, 13, 0, 20))], 10)).toEqual(['01-01 13:00:10', '13:00:20']);
    expect(axisLabels(ticks, 3600).join(' ')).not.toMatch(/am|pm/i);
  });
});

describe('one clock: wall time placed on the plant clock', () => {
  // A replay started at wall 1,000,000 at plant 5,000,000 running 100×, paused at wall 1,010,000, then resumed
  // at wall 1,020,000 at 10× from plant 6,005,000 (the next row after the pause).
  const clock: PlantClock = {
    segments: [
      { wall: 1_000_000, plant: 5_000_000, rate: 100 },
      { wall: 1_010_000, plant: 6_000_000, rate: 0 },
      { wall: 1_020_000, plant: 6_005_000, rate: 10 },
    ],
    plantTime: 6_105_000,
    at: 1_030_000,
  };

  it('maps a wall instant into its segment, identity before the replay or with none', () => {
    expect(wallToPlant(clock, 1_005_000)).toBe(5_500_000);
    expect(wallToPlant(clock, 1_015_000)).toBe(6_000_000);
    expect(wallToPlant(clock, 1_025_000)).toBe(6_055_000);
    expect(wallToPlant(clock, 999_000)).toBe(999_000);
    expect(wallToPlant(undefined, 42)).toBe(42);
  });

  it('a segment at maximum speed runs at the rate it covered; back from plant to wall where the replay ran', () => {
    const max: PlantClock = { segments: [{ wall: 0, plant: 1000, rate: null }], plantTime: 11_000, at: 10 };
    expect(wallToPlant(max, 5)).toBe(6000);
    expect(plantToWall(clock, 5_500_000)).toBe(1_005_000);
    expect(plantToWall(clock, 6_055_000)).toBe(1_025_000);
    expect(plantToWall(clock, 4_000_000)).toBeNull();
  });
});

describe('one clock: a jump back of the plant clock (kept timestamps)', () => {
  it('names a loop or a seek back with the time shown and the time it goes back to', () => {
    expect(clockBackNotice({ kind: 'loop', ts: local(2026, 1, 1, 0, 0) }, local(2026, 1, 1, 18, 0))).toBe(
      'Replay looped: plant clock back from 18:00:00 to 00:00:00. Times shown before it are later than the clock now.',
    );
    expect(clockBackNotice({ kind: 'seek', ts: local(2026, 1, 1, 6, 30) }, local(2026, 1, 2, 1, 0))).toMatch(
      /^Replay seek: plant clock back from 2026-01-02 01:00:00 to 06:30:00\./,
    );
  });

  it('says nothing for a jump on, within the second on screen, or before any time was shown', () => {
    const shown = local(2026, 1, 1, 12, 0, 10);
    expect(clockBackNotice({ kind: 'seek', ts: shown + 60_000 }, shown)).toBeNull();
    expect(clockBackNotice({ kind: 'resume', ts: shown + 5_000 }, shown)).toBeNull();
    expect(clockBackNotice({ kind: 'speed', ts: shown }, shown + 400)).toBeNull();
    expect(clockBackNotice({ kind: 'loop', ts: shown - 3_600_000 }, null)).toBeNull();
  });

  it('marks the clock only while a time on screen is later than it, a time placed a moment ahead of the newest reading not', () => {
    // Kept timestamps: 10× from plant 18:00 at wall 1,000,000; looped to 00:00 at wall 1,060,000.
    const loop: PlantClock = {
      segments: [
        { wall: 1_000_000, plant: local(2026, 1, 1, 18, 0), rate: 10 },
        { wall: 1_060_000, plant: local(2026, 1, 1, 0, 0), rate: 10 },
      ],
      plantTime: local(2026, 1, 1, 0, 1),
      at: 1_066_000,
    };
    const alarmBefore = wallToPlant(loop, 1_030_000);
    expect(alarmBefore).toBe(local(2026, 1, 1, 18, 5));
    const now = local(2026, 1, 1, 0, 1);
    expect(clockBehind(alarmBefore, now, loop, 1_066_000)).toBe(alarmBefore);
    expect(clockBehind(null, now, loop, 1_066_000)).toBeNull();
    // An alarm raised at the core's wall now sits up to a reading batch after the newest reading shown: no jump.
    const justRaised = wallToPlant(loop, 1_066_000);
    expect(justRaised).toBeGreaterThan(now - 20_000);
    expect(clockBehind(justRaised, now - 20_000, loop, 1_066_000)).toBeNull();
    // The pass reaches the alarm's time: nothing shown is later any more.
    expect(clockBehind(alarmBefore, alarmBefore, loop, 1_066_000)).toBeNull();
    // No replay: the plant clock is the wall clock, nothing goes back.
    expect(clockBehind(alarmBefore, now, null, 1_066_000)).toBeNull();
  });
});
