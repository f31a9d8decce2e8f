// Deterministic plant day: 9 devices × 5 sensors every 5 s for 24 h = 155,520 rows. Same seed →
// byte-identical CSV. Labels (is_anomaly, anomaly_type) go to a separate file that only evaluation
// reads; the sensor CSV, and so everything the app publishes, carries none.
import fs from 'node:fs';
import path from 'node:path';
import { DEVICE_IDS, SENSORS, deviceTypeOf, type ScenarioType, type TimedReading } from '../../../shared/domain';
import { seededRng } from '../clock';
import { PROFILES } from './profiles';
import { SCENARIOS, applyScenario, type Values } from './scenarios';

export const INTERVAL_MS = 5000;
export const DAY_ROWS_PER_DEVICE = (24 * 3600 * 1000) / INTERVAL_MS; // 17,280
export const DEFAULT_START = Date.UTC(2026, 0, 1, 0, 0, 0);

export interface Label {
  is_anomaly: 0 | 1;
  anomaly_type: ScenarioType | '';
}

export interface GenerateOptions {
  seed: number;
  /** Epoch ms of the first reading (default 2026-01-01T00:00:00Z). */
  start?: number;
  /** Hours to generate (default 24). */
  hours?: number;
  devices?: readonly string[];
}

export interface PlantDay {
  readings: TimedReading[];
  labels: Label[];
}

function gaussian(rng: () => number): number {
  // Box–Muller; 1 - rng() keeps log() away from 0.
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const DIGITS: Record<(typeof SENSORS)[number], number> = {
  temperature: 2,
  pressure: 2,
  vibration: 3,
  humidity: 2,
  power: 2,
};

export function generateDay(opts: GenerateOptions): PlantDay {
  const rng = seededRng(opts.seed);
  const start = opts.start ?? DEFAULT_START;
  const devices = opts.devices ?? DEVICE_IDS;
  const steps = Math.round(((opts.hours ?? 24) * 3600 * 1000) / INTERVAL_MS);
  const phi = 0.995; // AR(1) memory: wander decorrelates over ~17 minutes
  const innov = Math.sqrt(1 - phi * phi);
  const wander = devices.map(() => SENSORS.map(() => 0));
  // A small fixed offset per device so the three compressors are not identical machines.
  const offset = devices.map(() => SENSORS.map(() => gaussian(rng) * 0.5));

  const readings: TimedReading[] = new Array(steps * devices.length);
  const labels: Label[] = new Array(steps * devices.length);
  let i = 0;
  for (let step = 0; step < steps; step++) {
    const ts = start + step * INTERVAL_MS;
    const hour = (step * INTERVAL_MS) / 3_600_000;
    const dayPhase = Math.sin((2 * Math.PI * (hour - 9)) / 24); // peaks mid-afternoon
    const timestamp = new Date(ts).toISOString();
    for (let d = 0; d < devices.length; d++) {
      const id = devices[d];
      const prof = PROFILES[deviceTypeOf(id) ?? 'motor'];
      const v = {} as Values;
      for (let s = 0; s < SENSORS.length; s++) {
        const sensor = SENSORS[s];
        const p = prof[sensor];
        const w = (wander[d][s] = phi * wander[d][s] + innov * p.wander * gaussian(rng));
        v[sensor] = p.base * (1 + offset[d][s] * 0.01) + p.daily * dayPhase + w + p.noise * gaussian(rng);
      }
      const u = rng();
      let label: Label = { is_anomaly: 0, anomaly_type: '' };
      let out = v;
      const sc = SCENARIOS.find((x) => x.device_id === id && hour >= x.startHour && hour < x.endHour);
      if (sc) {
        out = applyScenario(sc.type, v, (hour - sc.startHour) * 3600, (sc.endHour - sc.startHour) * 3600, u);
        label = { is_anomaly: 1, anomaly_type: sc.type };
      }
      const r: TimedReading = { device_id: id, timestamp, ts, values: {} };
      for (const sensor of SENSORS) r.values[sensor] = round(Math.max(prof[sensor].min, out[sensor]), DIGITS[sensor]);
      readings[i] = r;
      labels[i] = label;
      i++;
    }
  }
  return { readings, labels };
}

export const CSV_HEADER = 'timestamp,device_id,temperature,pressure,vibration,humidity,power';
export const LABELS_HEADER = 'timestamp,device_id,is_anomaly,anomaly_type';

export function readingsToCsv(readings: readonly TimedReading[]): string {
  const lines = [CSV_HEADER];
  for (const { timestamp, device_id, values: v } of readings) {
    lines.push(
      `${timestamp},${device_id},${v.temperature.toFixed(2)},${v.pressure.toFixed(2)},${v.vibration.toFixed(3)},${v.humidity.toFixed(2)},${v.power.toFixed(2)}`,
    );
  }
  return lines.join('\n') + '\n';
}

export function labelsToCsv(readings: readonly TimedReading[], labels: readonly Label[]): string {
  const lines = [LABELS_HEADER];
  for (let i = 0; i < readings.length; i++) {
    lines.push(`${readings[i].timestamp},${readings[i].device_id},${labels[i].is_anomaly},${labels[i].anomaly_type}`);
  }
  return lines.join('\n') + '\n';
}

export interface WrittenDataset {
  csv: string;
  labels: string;
  rows: number;
}

/** Write sensor_data.csv and labels.csv into `dir`. */
export function writeDataset(dir: string, opts: GenerateOptions): WrittenDataset {
  fs.mkdirSync(dir, { recursive: true });
  const day = generateDay(opts);
  const csv = path.join(dir, 'sensor_data.csv');
  const labels = path.join(dir, 'labels.csv');
  // Write to a temp name and rename, so a crash never leaves a half dataset that looks complete.
  fs.writeFileSync(csv + '.tmp', readingsToCsv(day.readings));
  fs.renameSync(csv + '.tmp', csv);
  fs.writeFileSync(labels + '.tmp', labelsToCsv(day.readings, day.labels));
  fs.renameSync(labels + '.tmp', labels);
  return { csv, labels, rows: day.readings.length };
}

/** Read labels.csv back (evaluation only). */
export function readLabels(file: string): Array<{ timestamp: string; device_id: string } & Label> {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: Array<{ timestamp: string; device_id: string } & Label> = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const [timestamp, device_id, a, t] = line.split(',');
    out.push({ timestamp: timestamp, device_id: device_id, is_anomaly: a === '1' ? 1 : 0, anomaly_type: (t ?? '') as Label['anomaly_type'] });
  }
  return out;
}
