// The remembered timestamp texts must be exactly the ISO text of each instant, also once the memory is full.
import { describe, expect, it } from 'vitest';
import { createIsoStamps } from './stamps';

describe('iso stamps', () => {
  it('gives the ISO text of every instant, repeated or new, past the instants it remembers', () => {
    const iso = createIsoStamps(4);
    const base = Date.UTC(2026, 11, 7, 20, 0, 0);
    const instants = [0, 1, 1, 999, 0, 1000, 59_999, 60_000, 1, 86_400_000, 0, 3_600_001].map((d) => base + d);
    for (const ts of instants) expect(iso(ts)).toBe(new Date(ts).toISOString());
  });
});
