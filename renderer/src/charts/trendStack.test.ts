import { describe, expect, it } from 'vitest';
import { decimalsOf, groupByUnit } from './trendStack';

describe('trend stack helpers', () => {
  it('groups tags by unit in the order their units first appear', () => {
    expect(groupByUnit([{ unit: 'bar' }, { unit: '°C' }, { unit: 'bar' }, { unit: '' }])).toEqual([
      { unit: 'bar', members: [0, 2] },
      { unit: '°C', members: [1] },
      { unit: '', members: [3] },
    ]);
  });

  it('gives axis labels enough decimals to tell the ticks apart', () => {
    expect([5, 1, 0.5, 0.25, 0.1, 0.05, 0.02, 0.0025].map(decimalsOf)).toEqual([0, 0, 1, 2, 1, 2, 2, 4]);
    expect(decimalsOf(NaN)).toBe(0);
  });
});
