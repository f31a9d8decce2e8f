// The plant: dataset (generated on first start if absent), the replay simulator and device models.
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PlantBroker } from '../broker';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import { datasetPath, type Config } from '../config';
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

/** Make sure the dataset exists: the seed's generated day unless the config names another CSV. */
export function ensureDataset(config: Config, log: Logger): string {
  const file = datasetPath(config);
  if (!fs.existsSync(file)) {
    if (config.simulator.dataset) throw new Error(`dataset ${file} does not exist`);
    const t0 = Date.now();
    const out = writeDataset(path.dirname(file), { seed: config.simulator.seed });
    log.info({ file: out.csv, rows: out.rows, seed: config.simulator.seed, ms: Date.now() - t0 }, 'generated plant dataset');
  }
  return file;
}

export interface Plant {
  dataset: LoadedDataset;
  simulator: Simulator;
}

/** gatewayPublicKey: the governance gateway's Ed25519 public key; the devices verify every command with it. */
export function createPlant(deps: { config: Config; broker: PlantBroker; bus: EventBus; clock: Clock; log: Logger; gatewayPublicKey: KeyObject }): Plant {
  const { config } = deps;
  const log = deps.log.child({ component: 'plant' });
  const file = ensureDataset(config, log);
  const dataset = loadDatasetFile(file, config.simulator.columns);
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
      speed: config.simulator.speed,
      timestamps: config.simulator.timestamps,
      loop: config.simulator.loop,
      autostart: config.simulator.autostart,
    },
  });
  return { dataset, simulator };
}
