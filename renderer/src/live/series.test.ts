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

  it('keeps what it holds when an older sample arrives: it goes to its place (x stays ascending), a repeated time replaces', () => {
    const s = new TagSeries(10);
    s.push(100, 1);
    s.push(105, 2);
    s.push(50, 3);
    s.push(102, 4);
    s.push(105, 5);
    expect(Array.from(s.view().t)).toEqual([50, 100, 102, 105]);
    expect(Array.from(s.view().v)).toEqual([3, 1, 4, 5]);
    // The newest arrival is "now" (a replay that seeked back), not the largest time held.
    s.push(101, 6);
    expect(s.latest()).toBe(6);
    expect(s.arrivalTime()).toBe(101);
    expect(s.lastTime()).toBe(105);
  });

  it('a full buffer drops a sample older than all it keeps, and inserting past capacity drops the oldest', () => {
    const s = new TagSeries(3);
    for (const t of [10, 20, 30]) s.push(t, t);
    s.push(5, 5);
    expect(Array.from(s.view().t)).toEqual([10, 20, 30]);
    s.push(15, 15);
    expect(Array.from(s.view().t)).toEqual([15, 20, 30]);
  });

  it('inserts in order across a wrap of its doubled buffer', () => {
    const s = new TagSeries(4);
    for (let i = 1; i <= 300; i++) s.push(i * 10, i);
    s.push(2985, -1);
    expect(Array.from(s.view().t)).toEqual([2980, 2985, 2990, 3000]);
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

  it('merges stored history that reaches past the live samples (a store ahead of the replay clock) without losing either', () => {
    const live = new LiveReadings(100);
    live.ingest([r('a', 20_000, { x: 2 })]);
    live.loadTagHistory('a/x', [10_000, 30_000, 40_000], [1, 3, 4]);
    live.ingest([r('a', 25_000, { x: 9 })]);
    const v = live.tag('a/x').view();
    expect(Array.from(v.t)).toEqual([10, 20, 25, 30, 40]);
    expect(Array.from(v.v)).toEqual([1, 2, 9, 3, 4]);
    expect(live.tag('a/x').latest()).toBe(9);
  });

  it('history that arrives after the live tail keeps the tail; a repeated time keeps the live value; at most capacity stay', () => {
    const live = new LiveReadings(4);
    live.ingest([r('a', 50_000, { x: 50 }), r('a', 60_000, { x: 60 })]);
    live.loadTagHistory('a/x', [10_000, 20_000, 30_000, 50_000], [1, 2, 3, 5]);
    const v = live.tag('a/x').view();
    expect(Array.from(v.t)).toEqual([20, 30, 50, 60]);
    expect(Array.from(v.v)).toEqual([2, 3, 50, 60]);
  });

  it('a downsampled day (time buckets) replaces the raw samples within its span, keeps the live tail after it', () => {
    const live = new LiveReadings(6);
    live.ingest([10, 15, 20, 25, 30, 35].map((t) => r('a', t * 1000, { x: t })));
    live.ingest([r('a', 41_000, { x: 41 })]);
    live.loadTagHistory('a/x', [10_000, 20_000, 30_000, 40_000], [12, 22, 32, 40], true);
    // Union would have kept the 6 newest of 11 and lost the start of the day; the buckets stand for it.
    expect(Array.from(live.tag('a/x').view().t)).toEqual([10, 20, 30, 40, 41]);
    expect(Array.from(live.tag('a/x').view().v)).toEqual([12, 22, 32, 40, 41]);
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
