import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_IDS } from '../../../shared/domain';
import { tempDir } from '../../../tests/helpers';
import { DEFAULT_START, generateDay, readingsToCsv, writeDataset } from './generator';
import { SCENARIOS } from './scenarios';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const day = generateDay({ seed: 42 });
const at = (device: string, fromH: number, toH: number) =>
  day.readings.filter((r) => r.device_id === device && r.ts >= DEFAULT_START + fromH * 3.6e6 && r.ts < DEFAULT_START + toH * 3.6e6);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('plant dataset generator', () => {
  const dirs: Array<() => void> = [];
  afterEach(() => dirs.splice(0).forEach((c) => c()));

  it('makes 155,520 rows: 9 devices every 5 s for 24 h', () => {
    expect(day.readings).toHaveLength(155_520);
    expect(new Set(day.readings.map((r) => r.device_id))).toEqual(new Set(DEVICE_IDS));
    const c1 = day.readings.filter((r) => r.device_id === 'line-1/compressor-01');
    expect(c1).toHaveLength(17_280);
    expect(c1[1].ts - c1[0].ts).toBe(5000);
  });

  it('writes byte-identical files for the same seed and different ones for another seed', () => {
    const a = tempDir();
    const b = tempDir();
    const c = tempDir();
    dirs.push(a.cleanup, b.cleanup, c.cleanup);
    writeDataset(a.dir, { seed: 7 });
    writeDataset(b.dir, { seed: 7 });
    writeDataset(c.dir, { seed: 8 });
    const read = (d: string, f: string) => fs.readFileSync(path.join(d, f));
    expect(sha(read(a.dir, 'sensor_data.csv'))).toBe(sha(read(b.dir, 'sensor_data.csv')));
    expect(sha(read(a.dir, 'labels.csv'))).toBe(sha(read(b.dir, 'labels.csv')));
    expect(sha(read(a.dir, 'sensor_data.csv'))).not.toBe(sha(read(c.dir, 'sensor_data.csv')));
  });

  it('keeps labels out of the sensor CSV', () => {
    const csv = readingsToCsv(day.readings.slice(0, 10));
    expect(csv.split('\n')[0]).toBe('timestamp,device_id,temperature,pressure,vibration,humidity,power');
    expect(csv).not.toMatch(/anomaly|thermal_runaway/);
  });

  it('labels exactly the five scenario windows', () => {
    const labelled = day.readings.filter((_, i) => day.labels[i].is_anomaly === 1);
    for (const s of SCENARIOS) {
      const rows = labelled.filter((r) => r.device_id === s.device_id);
      const expected = ((s.endHour - s.startHour) * 3600) / 5;
      expect(rows.length, s.type).toBe(expected);
    }
    expect(labelled).toHaveLength(SCENARIOS.reduce((n, s) => n + ((s.endHour - s.startHour) * 3600) / 5, 0));
  });

  it('thermal runaway: line-1/compressor-01 temperature ~80 → ~120 °C from hour 3, vibration rising with it', () => {
    const before = at('line-1/compressor-01', 2.5, 3);
    const peak = at('line-1/compressor-01', 3.5, 4);
    expect(mean(before.map((r) => r.values.temperature))).toBeGreaterThan(74);
    expect(mean(before.map((r) => r.values.temperature))).toBeLessThan(84);
    expect(mean(peak.map((r) => r.values.temperature))).toBeGreaterThan(112);
    expect(mean(peak.map((r) => r.values.vibration)) - mean(before.map((r) => r.values.vibration))).toBeGreaterThan(1);
    const after = at('line-1/compressor-01', 4.1, 4.5);
    expect(mean(after.map((r) => r.values.temperature))).toBeLessThan(84);
  });

  it('pressure leak: line-2/pump-03 pressure 32 → 15 PSI at hour 8 with a power spike', () => {
    const before = at('line-2/pump-03', 7.5, 8);
    const during = at('line-2/pump-03', 8.05, 8.5);
    expect(mean(before.map((r) => r.values.pressure))).toBeCloseTo(32, 0);
    expect(mean(during.map((r) => r.values.pressure))).toBeCloseTo(15, 0);
    expect(mean(during.map((r) => r.values.power)) / mean(before.map((r) => r.values.power))).toBeGreaterThan(1.3);
  });

  it('bearing failure: line-3/motor-02 vibration 2.0 → 8.5 mm/s at hour 12', () => {
    expect(mean(at('line-3/motor-02', 11.5, 12).map((r) => r.values.vibration))).toBeCloseTo(2.0, 0);
    expect(mean(at('line-3/motor-02', 12.1, 13).map((r) => r.values.vibration))).toBeCloseTo(8.5, 0);
  });

  it('sensor drift: line-1/motor-02 reads ~15 % high by hour 20, gradually', () => {
    const base = at('line-1/motor-02', 17.5, 18);
    const mid = at('line-1/motor-02', 18.9, 19.1);
    const end = at('line-1/motor-02', 19.9, 20);
    const ratio = (xs: typeof base) => mean(xs.map((r) => r.values.pressure)) / mean(base.map((r) => r.values.pressure));
    expect(ratio(mid)).toBeGreaterThan(1.05);
    expect(ratio(mid)).toBeLessThan(1.1);
    expect(ratio(end)).toBeGreaterThan(1.12);
    expect(ratio(end)).toBeLessThan(1.18);
  });

  it('electrical fault: line-2/compressor-01 power swings between ~5 and ~45 kW at hour 22', () => {
    const p = at('line-2/compressor-01', 22, 22.5).map((r) => r.values.power);
    expect(Math.min(...p)).toBeLessThan(7);
    expect(Math.max(...p)).toBeGreaterThan(43);
    const normal = at('line-2/compressor-01', 21, 22).map((r) => r.values.power);
    expect(Math.max(...normal) - Math.min(...normal)).toBeLessThan(8);
  });
});
