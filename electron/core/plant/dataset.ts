// Load a plant CSV for replay: the seed's own file or any other plant's, through a column mapping.
// Bad rows are reported by line number and skipped; the good ones replay.
import fs from 'node:fs';
import { z } from 'zod';
import { SENSORS, type TimedReading } from '../../../shared/domain';

export type ColumnMapping = Record<'timestamp' | 'device_id' | (typeof SENSORS)[number], string>;

export const DEFAULT_COLUMNS: ColumnMapping = {
  timestamp: 'timestamp',
  device_id: 'device_id',
  temperature: 'temperature',
  pressure: 'pressure',
  vibration: 'vibration',
  humidity: 'humidity',
  power: 'power',
};

export interface BadRow {
  line: number;
  reason: string;
}

export interface LoadedDataset {
  readings: TimedReading[];
  bad: BadRow[];
  devices: string[];
}

const RowSchema = z.object({
  device_id: z.string().min(1).max(128),
  ts: z.number().finite(),
  temperature: z.number().finite(),
  pressure: z.number().finite(),
  vibration: z.number().finite(),
  humidity: z.number().finite(),
  power: z.number().finite(),
});

export function parseDatasetCsv(text: string, columns: ColumnMapping = DEFAULT_COLUMNS, separator = ','): LoadedDataset {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(separator).map((h) => h.trim());
  const idx = {} as Record<keyof ColumnMapping, number>;
  for (const [field, col] of Object.entries(columns) as Array<[keyof ColumnMapping, string]>) {
    const i = header.indexOf(col);
    if (i < 0) throw new Error(`dataset has no column "${col}" (for ${field}); columns are: ${header.join(', ')}`);
    idx[field] = i;
  }
  const readings: TimedReading[] = [];
  const bad: BadRow[] = [];
  const devices = new Set<string>();
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    if (line.trim() === '') continue;
    const cells = line.split(separator);
    const tsText = cells[idx.timestamp]?.trim() ?? '';
    const candidate = {
      device_id: cells[idx.device_id]?.trim(),
      ts: Date.parse(tsText),
      temperature: Number(cells[idx.temperature]),
      pressure: Number(cells[idx.pressure]),
      vibration: Number(cells[idx.vibration]),
      humidity: Number(cells[idx.humidity]),
      power: Number(cells[idx.power]),
    };
    const parsed = RowSchema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      bad.push({ line: n + 1, reason: `${issue.path.join('.') || 'row'}: ${issue.message}` });
      continue;
    }
    const r = parsed.data;
    devices.add(r.device_id);
    readings.push({
      device_id: r.device_id,
      timestamp: new Date(r.ts).toISOString(),
      ts: r.ts,
      values: { temperature: r.temperature, pressure: r.pressure, vibration: r.vibration, humidity: r.humidity, power: r.power },
    });
  }
  // Replay in time order even if the export was not sorted (Array.prototype.sort is stable).
  readings.sort((a, b) => a.ts - b.ts);
  return { readings, bad, devices: [...devices] };
}

export function loadDatasetFile(file: string, columns?: ColumnMapping): LoadedDataset {
  return parseDatasetCsv(fs.readFileSync(file, 'utf8'), columns);
}
