import { describe, expect, it } from 'vitest';
import { LiveReadings, TagSeries } from './series';

describe('TagSeries (ring buffer behind the trends)', () => {
  it('keeps the newest `capacity` samples in order across many wrap-arounds', () => {
    const s = new TagSeries(5);
    for (let i = 1; i <= 23; i++) s.push(i, i * 10);
    const v = s.view();
    expect(Array.from(v.t)).toEqual([19, 20, 21, 22, 23]);
    expect(Array.from(v.v)).toEqual([190, 200, 210, 220, 230]);
    expect(s.latest()).toBe(230);
  });

  it('grows past its first allocation without losing samples', () => {
    const s = new TagSeries(2000);
    for (let i = 0; i < 1500; i++) s.push(i, i);
    expect(s.length).toBe(1500);
    expect(s.view().v[0]).toBe(0);
    expect(s.view().v[1499]).toBe(1499);
  });

  it('restarts when time goes backwards, so the chart never gets unsorted x', () => {
    const s = new TagSeries(10);
    s.push(100, 1);
    s.push(105, 2);
    s.push(50, 3);
    expect(Array.from(s.view().t)).toEqual([50]);
  });

  it('ignores a non-finite timestamp', () => {
    const s = new TagSeries(3);
    s.push(NaN, 1);
    expect(s.length).toBe(0);
  });
});

describe('LiveReadings', () => {
  const r = (device_id: string, ts: number, values: Record<string, number>, quality?: Record<string, { level: 'bad' | 'uncertain' }>) => ({
    device_id,
    ts,
    timestamp: new Date(ts).toISOString(),
    values,
    quality,
  });

  it('notifies once per batch with the devices touched; each tag keeps its own samples', () => {
    const live = new LiveReadings(100);
    const seen: string[][] = [];
    live.subscribe((d) => seen.push([...d].sort()));
    live.ingest([r('a', 1000, { temperature: 1, level: 7 }), r('b', 1000, { flow: 2 }), r('a', 6000, { temperature: 3 })]);
    expect(seen).toEqual([['a', 'b']]);
    expect(Array.from(live.tag('a/temperature').view().v)).toEqual([1, 3]);
    // A partial reading adds nothing to the tags it does not carry.
    expect(Array.from(live.tag('a/level').view().t)).toEqual([1]);
    expect(live.received).toBe(3);
  });

  it('leaves a gap for a bad-quality value, keeps an uncertain one', () => {
    const live = new LiveReadings(100);
    live.ingest([r('a', 1000, { x: 1, y: 1 }), r('a', 2000, { x: 999, y: 2 }, { x: { level: 'bad' }, y: { level: 'uncertain' } })]);
    expect(Array.from(live.tag('a/x').view().v)).toEqual([1]);
    expect(Array.from(live.tag('a/y').view().v)).toEqual([1, 2]);
  });

  it('puts stored history before the live samples that are newer than it; nulls stay out', () => {
    const live = new LiveReadings(100);
    live.ingest([r('a', 50_000, { temperature: 9 })]);
    live.loadHistory('a', { ts: [10_000, 20_000, 30_000], series: { temperature: [1, null, 2], power: [0, 0, 0] } });
    const v = live.tag('a/temperature').view();
    expect(Array.from(v.t)).toEqual([10, 30, 50]);
    expect(Array.from(v.v)).toEqual([1, 2, 9]);
    expect(live.tag('a/power').length).toBe(3);
  });

  it("loads one tag's stored trend (plant.tagRange) with bad values as gaps, the live tail after it", () => {
    const live = new LiveReadings(100);
    const seen: string[][] = [];
    live.subscribe((d) => seen.push([...d]));
    live.ingest([r('l/p', 90_000, { flow: 9 })]);
    live.loadTagHistory('l/p/flow', [10_000, 20_000, 30_000], [1, null, 3]);
    expect(Array.from(live.tag('l/p/flow').view().v)).toEqual([1, 3, 9]);
    expect(seen.at(-1)).toEqual(['l/p']);
  });

  it('skips malformed entries instead of throwing', () => {
    const live = new LiveReadings(10);
    live.ingest([null as never, { foo: 1 } as never, r('a', 1000, { t: 5 })]);
    expect(live.tag('a/t').length).toBe(1);
  });
});
