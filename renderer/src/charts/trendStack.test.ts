import { describe, expect, it } from 'vitest';
import { decimalsOf, groupByUnit, valueTicks } from './trendStack';

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

  it('ticks the value axis every increment, and a chart too flat for one at its middle value', () => {
    expect(valueTicks(104, 116, 5)).toEqual([105, 110, 115]);
    expect(valueTicks(0.1, 0.35, 0.1)).toEqual([0.1, 0.2, 0.3]);
    expect(valueTicks(104, 109, 10)).toEqual([106.5]);
    expect(valueTicks(NaN, 1, 1)).toEqual([]);
  });
});
