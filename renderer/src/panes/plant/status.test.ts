import { describe, expect, it } from 'vitest';
import type { Alarm } from '../../../../shared/anomalies';
import { lookupOf, type PlantModelView, type TagView } from '../../store/model';
import { mergeReading, type DeviceRow } from '../../store/plant';
import { displaySpan } from './AnalogBar';
import { alarmsByAsset, assetOfSource, summarise, tagDigits, tagQuality } from './status';

const tag = (device: string, key: string, over: Partial<TagView> = {}): TagView => ({
  id: `${device}/${key}`,
  key,
  device_id: device,
  name: key,
  unit: 'bar',
  type: 'float',
  range: [0, 16],
  normal: [4.5, 5.5],
  limits: [],
  sampling_s: 1,
  detect: true,
  source: { connector: 'c' },
  ...over,
});
const asset = (line: string, id: string, keys: string[]) => ({
  id: `${line}/${id}`,
  asset: id,
  name: id,
  type: 't',
  type_name: 'T',
  model: 'generic' as const,
  area: line === 'l3' ? 'b' : 'a',
  line,
  tags: keys.map((k) => tag(`${line}/${id}`, k)),
  commands: [],
});
const model: PlantModelView = {
  version: 'v1',
  file: 'x.yaml',
  site: { id: 's', name: 'Site' },
  areas: [
    {
      id: 'a',
      name: 'A',
      lines: [
        { id: 'l1', name: 'L1', assets: ['l1/p1', 'l1/p2'] },
        { id: 'l2', name: 'L2', assets: ['l2/p3'] },
      ],
    },
    { id: 'b', name: 'B', lines: [{ id: 'l3', name: 'L3', assets: ['l3/p4'] }] },
  ],
  assets: [asset('l1', 'p1', ['flow', 'pressure']), asset('l1', 'p2', ['flow']), asset('l2', 'p3', ['flow']), asset('l3', 'p4', ['level'])],
  connectors: [{ id: 'c', type: 'mqtt-json' }],
};
const lookup = lookupOf(model);
const alarm = (id: string, source: string, priority: Alarm['priority'], state: Alarm['state']) => ({ id, source, priority, state }) as Alarm;

describe('plant overview status', () => {
  it('finds the asset of an alarm whether its source is the device, a tag or a sub-source', () => {
    expect(assetOfSource('l1/p1', lookup)).toBe('l1/p1');
    expect(assetOfSource('l1/p1/pressure', lookup)).toBe('l1/p1');
    expect(assetOfSource('l1/p1:anomaly', lookup)).toBe('l1/p1');
    expect(assetOfSource('immune', lookup)).toBeNull();
  });

  it('rolls assets up into lines, areas and the site: running, alarms by priority, shelved apart, bad tags', () => {
    const devices: Record<string, DeviceRow> = {
      'l1/p1': {
        device_id: 'l1/p1',
        state: 'running',
        load_pct: 100,
        latest: mergeReading(null, {
          device_id: 'l1/p1',
          timestamp: '2026-01-01T00:00:00Z',
          values: { flow: 700, pressure: 99 },
          quality: { pressure: { level: 'bad', reason: 'out_of_range' } },
        }),
      },
      'l1/p2': { device_id: 'l1/p2', state: 'shutdown', load_pct: 0, latest: null },
      // A real device no source reports the state of (the core says so), and l2/p3 with no row at all.
      'l3/p4': { device_id: 'l3/p4', state: 'unknown', load_pct: null, latest: null },
    };
    const byAsset = alarmsByAsset(
      {
        a1: alarm('a1', 'l1/p1/pressure', 'urgent', 'unacknowledged'),
        a2: alarm('a2', 'l1/p1', 'high', 'acknowledged'),
        a3: alarm('a3', 'l1/p2', 'high', 'shelved'),
        a4: alarm('a4', 'l3/p4', 'low', 'normal'),
      },
      lookup,
    );
    const s = summarise(model, lookup, devices, byAsset);
    expect(s.line.get('l1')).toMatchObject({ assets: 2, running: 1, stopped: 1, unacked: 1, removed: 1, bad: 1, noValue: 1 });
    expect(s.line.get('l1')?.alarms).toMatchObject({ urgent: 1, high: 1 });
    // Neither counts as running: a state nobody reports is unknown, never assumed.
    expect(s.area.get('a')).toMatchObject({ assets: 3, running: 1, unknown: 1 });
    expect(s.area.get('b')).toMatchObject({ running: 0, unknown: 1, stopped: 0 });
    expect(s.area.get('b')?.alarms.low).toBe(0);
    expect(s.site).toMatchObject({ assets: 4, running: 1, unknown: 2 });
    expect(tagQuality(tag('l1/p1', 'flow'), devices['l1/p1'])).toBe('good');
    expect(tagQuality(tag('l1/p1', 'pressure'), devices['l1/p1'])).toBe('bad');
  });

  it('a partial reading keeps the other tags, and a good value clears an earlier quality', () => {
    const a = mergeReading(null, {
      device_id: 'd',
      timestamp: '2026-01-01T00:00:00Z',
      values: { x: 1, y: 2 },
      quality: { y: { level: 'uncertain', reason: 'stale' } },
    });
    const b = mergeReading(a, { device_id: 'd', timestamp: '2026-01-01T00:00:01Z', values: { y: 3 } });
    expect(b.values).toEqual({ x: 1, y: 3 });
    expect(b.quality).toEqual({});
  });

  it('decimals follow the normal band; the bar spans band, limits and value within the range', () => {
    expect(tagDigits({ type: 'float', normal: [76, 84] })).toBe(1);
    expect(tagDigits({ type: 'float', normal: [2.5, 3.2] })).toBe(2);
    expect(tagDigits({ type: 'int', normal: [0, 3] })).toBe(0);
    const t = tag('d', 'p', {
      range: [0, 16],
      normal: [4.5, 5.5],
      limits: [{ key: 'HH', value: 8, priority: 'urgent', deadband: 0, on_delay_s: 0, off_delay_s: 0 }],
    });
    const [lo, hi] = displaySpan(t, 5);
    expect(lo).toBeLessThan(4.5);
    expect(hi).toBeGreaterThan(8);
    expect(displaySpan(t, 30)[1]).toBe(16);
  });
});
