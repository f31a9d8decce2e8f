// The plant: dataset (generated on first start if absent), the replay simulator and device models.
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { PlantBroker } from '../broker';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import { loadDatasetFile, type LoadedDataset } from './dataset';
import { writeDataset } from './generator';
import { createSimulator, type Simulator } from './simulator';

export { generateDay, writeDataset, readLabels, readingsToCsv, labelsToCsv, INTERVAL_MS, DEFAULT_START, type Label, type PlantDay } from './generator';
export { SCENARIOS, applyScenario, scenarioAt, type Scenario } from './scenarios';
export { parseDatasetCsv, loadDatasetFile, DEFAULT_COLUMNS, type ColumnMapping, type LoadedDataset } from './dataset';
export { DeviceModel, ReduceLoadParams, commandParamsProblem, deviceCommands } from './device-model';
export { createSimulator, type Simulator, type SimulatorOptions, type CommandCounters } from './simulator';
export { PROFILES, AMBIENT_C } from './profiles';
export { plantView, registerSimulatorApi } from './api';

/** The simulator's config section (`simulator`). */
export const SimulatorConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** CSV to replay; default <dataDir>/sensor_data.csv (generated on first start if absent). */
  dataset: z.string().optional(),
  seed: z.number().int().default(42),
  /** Replay speed: 1 = real time, 100 = the seed's default, 0 = as fast as possible. */
  speed: z.number().min(0).max(1_000_000).default(100),
  /**
   * 'shift': the first replayed reading carries the wall-clock time and later ones advance in
   * simulated time (continuous across seeks and loops); 'keep': the dataset's own timestamps.
   */
  timestamps: z.enum(['shift', 'keep']).default('shift'),
  autostart: z.boolean().default(true),
  loop: z.boolean().default(true),
  /** Column mapping for replaying other plants' CSVs: reading field -> CSV column. */
  columns: z
    .object({
      timestamp: z.string().default('timestamp'),
      device_id: z.string().default('device_id'),
      temperature: z.string().default('temperature'),
      pressure: z.string().default('pressure'),
      vibration: z.string().default('vibration'),
      humidity: z.string().default('humidity'),
      power: z.string().default('power'),
    })
    .prefault({}),
});
export type SimulatorConfig = z.infer<typeof SimulatorConfigSchema>;

/** The CSV to replay: the configured one, else <dataDir>/sensor_data.csv. */
export function datasetPath(cfg: SimulatorConfig, dataDir: string): string {
  return cfg.dataset ? path.resolve(cfg.dataset) : path.join(dataDir, 'sensor_data.csv');
}

/** Make sure the dataset exists: the seed's generated day unless the config names another CSV. */
export function ensureDataset(cfg: SimulatorConfig, dataDir: string, log: Logger): string {
  const file = datasetPath(cfg, dataDir);
  if (!fs.existsSync(file)) {
    if (cfg.dataset) throw new Error(`dataset ${file} does not exist`);
    const t0 = Date.now();
    const out = writeDataset(path.dirname(file), { seed: cfg.seed });
    log.info({ file: out.csv, rows: out.rows, seed: cfg.seed, ms: Date.now() - t0 }, 'generated plant dataset');
  }
  return file;
}

export interface Plant {
  dataset: LoadedDataset;
  simulator: Simulator;
}

/** gatewayPublicKey: the governance gateway's Ed25519 public key; the devices verify every command with it. */
export function createPlant(deps: {
  config: SimulatorConfig;
  dataDir: string;
  broker: PlantBroker;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  gatewayPublicKey: KeyObject;
}): Plant {
  const { config } = deps;
  const log = deps.log.child({ component: 'plant' });
  const file = ensureDataset(config, deps.dataDir, log);
  const dataset = loadDatasetFile(file, config.columns);
  if (dataset.bad.length) {
    log.warn({ file, bad: dataset.bad.length, first: dataset.bad.slice(0, 5) }, 'dataset rows skipped');
  }
  if (dataset.readings.length === 0) throw new Error(`dataset ${file} has no usable rows`);
  const simulator = createSimulator({
    broker: deps.broker,
    bus: deps.bus,
    clock: deps.clock,
    log,
    rows: dataset.readings,
    gatewayPublicKey: deps.gatewayPublicKey,
    options: {
      speed: config.speed,
      timestamps: config.timestamps,
      loop: config.loop,
      autostart: config.autostart,
    },
  });
  return { dataset, simulator };
}
