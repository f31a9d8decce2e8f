// The live cache keeps each device's last readings packed; what it gives back must be what came in.
import { describe, expect, it } from 'vitest';
import type { TimedReading } from '../../../shared/domain';
import { createLiveCache } from './live';

const at = (ts: number, values: Record<string, number>, extra: Partial<TimedReading> = {}): TimedReading => ({
  device_id: 'line-1/pump-1',
  timestamp: new Date(ts).toISOString(),
  ts,
  values,
  ...extra,
});

describe('live cache', () => {
  it('gives back the readings as they came, oldest first, partial ones partial, with their quality and own timestamp text', () => {
    const live = createLiveCache(4);
    const rs = [
      at(1000, { flow: 1.5, head: 20 }),
      at(2000, { flow: 1.25 }),
      // a key first seen later, and a tag marked bad without a value
      at(
        3000,
        { flow: 1.75, head: 21, temp: 40.125 },
        { quality: { head: { level: 'uncertain', reason: 'out_of_range' }, power: { level: 'bad', reason: 'bad_payload' } } },
      ),
      at(4000, { head: 22 }, { timestamp: '2026-01-05 00:00:04' }),
    ];
    for (const r of rs) live.push(r);
    expect(live.recent('line-1/pump-1')).toEqual(rs);
    expect(live.recent('line-1/pump-1', 2)).toEqual(rs.slice(2));
    expect(live.latest('line-1/pump-1')).toEqual(rs[3]);
    // the ring wraps: the oldest goes, a slot's quality does not stay with the next reading in it
    const r5 = at(5000, { flow: 2, head: 23, temp: 41 });
    const r6 = at(6000, { flow: 2.5 });
    const r7 = at(7000, { flow: 3, extra: 1 });
    live.push(r5);
    live.push(r6);
    live.push(r7);
    expect(live.recent('line-1/pump-1')).toEqual([rs[3], r5, r6, r7]);
    expect(live.recent('nobody')).toEqual([]);
    expect(live.latest('nobody')).toBeNull();
  });
});
