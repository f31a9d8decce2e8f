import { describe, expect, it } from 'vitest';
import { DeviceSeries, LiveReadings, NormalBand } from './series';

const vals = (x: number) => [x, x + 1, x + 2, x + 3, x + 4];

describe('DeviceSeries (ring buffer behind the trends)', () => {
  it('keeps the newest `capacity` samples in order across many wrap-arounds', () => {
    const s = new DeviceSeries(5);
    for (let i = 1; i <= 23; i++) s.push(i, vals(i * 10));
    const v = s.view();
    expect(Array.from(v.t)).toEqual([19, 20, 21, 22, 23]);
    expect(Array.from(v.values.temperature)).toEqual([190, 200, 210, 220, 230]);
    expect(Array.from(v.values.power)).toEqual([194, 204, 214, 224, 234]);
    expect(s.latest('pressure')).toBe(231);
  });

  it('restarts when time goes backwards, so the chart never gets unsorted x', () => {
    const s = new DeviceSeries(10);
    s.push(100, vals(1));
    s.push(105, vals(2));
    s.push(50, vals(3));
    expect(Array.from(s.view().t)).toEqual([50]);
  });

  it('ignores a non-finite timestamp', () => {
    const s = new DeviceSeries(3);
    s.push(NaN, vals(1));
    expect(s.length).toBe(0);
  });
});

describe('LiveReadings', () => {
  const r = (device_id: string, ts: number, temperature: number) => ({
    device_id,
    ts,
    timestamp: new Date(ts).toISOString(),
    values: { temperature, pressure: 1, vibration: 2, humidity: 3, power: 4 },
  });

  it('notifies once per batch with the devices touched', () => {
    const live = new LiveReadings(100);
    const seen: string[][] = [];
    live.subscribe((d) => seen.push([...d].sort()));
    live.ingest([r('a', 1000, 1), r('b', 1000, 2), r('a', 6000, 3)]);
    expect(seen).toEqual([['a', 'b']]);
    expect(Array.from(live.device('a').view().values.temperature)).toEqual([1, 3]);
    expect(live.received).toBe(3);
  });

  it('puts stored history before the live samples that are newer than it', () => {
    const live = new LiveReadings(100);
    live.ingest([r('a', 50_000, 9)]);
    live.loadHistory('a', { ts: [10_000, 20_000], series: { temperature: [1, 2], pressure: [0, 0], vibration: [0, 0], humidity: [0, 0], power: [0, 0] } });
    const v = live.device('a').view();
    expect(Array.from(v.t)).toEqual([10, 20, 50]);
    expect(Array.from(v.values.temperature)).toEqual([1, 2, 9]);
  });

  it('skips malformed entries instead of throwing', () => {
    const live = new LiveReadings(10);
    live.ingest([null as never, { foo: 1 } as never, r('a', 1000, 5)]);
    expect(live.device('a').length).toBe(1);
  });
});

describe('NormalBand (analog indicators of the plant overview)', () => {
  it('settles on the mean and spread of a steady signal, and says nothing while warming up', () => {
    const b = new NormalBand(1 / 360);
    // A deterministic steady signal: 80 ± 1 alternating (sd 1).
    for (let i = 0; i < 29; i++) b.update([80 + (i % 2 ? 1 : -1), 0, 0, 0, 0]);
    expect(b.get('temperature')).toBeNull();
    for (let i = 29; i < 3000; i++) b.update([80 + (i % 2 ? 1 : -1), 0, 0, 0, 0]);
    const t = b.get('temperature')!;
    expect(t.mean).toBeCloseTo(80, 1);
    expect(t.sd).toBeGreaterThan(0.9);
    expect(t.sd).toBeLessThan(1.1);
  });

  it('a step away from normal stands out before the band catches up', () => {
    const b = new NormalBand(1 / 360);
    for (let i = 0; i < 2000; i++) b.update([80 + (i % 2 ? 0.5 : -0.5), 0, 0, 0, 0]);
    for (let i = 0; i < 20; i++) b.update([90, 0, 0, 0, 0]);
    const t = b.get('temperature')!;
    expect((90 - t.mean) / t.sd).toBeGreaterThan(3);
  });
});
