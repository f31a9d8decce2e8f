// The plant: dataset (generated on first start if absent), the replay simulator and device models.
// Any plant model runs: its assets are the simulated devices. The seed's plant replays the seed's day
// (sensor_data.csv, five fields per device row); any other model a day generated for it (the tag CSV of
// model-generator.ts). Either format replays with either model.
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { PlantBroker } from '../broker';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import { DEVICE_IDS, SENSORS } from '../../../shared/domain';
import type { AssetView, PlantModelView } from '../../../shared/schemas/model';
import type { Logger } from '../observability';
import type { Db, ReadingsRepository } from '../store';
import { createClockSegments } from './clock-store';
import { commandParamsProblem } from './commands';
import { parseDatasetCsv } from './dataset';
import { writeDataset } from './generator';
import { writeModelDataset } from './model-generator';
import type { Encoder, PlantSpec } from './publish';
import { createSimulator, type Simulator } from './simulator';
import { isTagCsvHeader, parseTagCsv, tapeOf, type BadLine, type Tape } from './tape';

export { generateDay, writeDataset, readLabels, readingsToCsv, labelsToCsv, INTERVAL_MS, DEFAULT_START, type Label, type PlantDay } from './generator';
export { SCENARIOS, applyScenario, scenarioAt, type Scenario } from './scenarios';
export { parseDatasetCsv, loadDatasetFile, DEFAULT_COLUMNS, type ColumnMapping, type LoadedDataset } from './dataset';
export { DeviceModel } from './device-model';
export { commandParamsProblem } from './commands';
export { GenericDeviceModel, tagDigits, type PlantDevice, type AppliedCommand } from './generic-model';
export {
  generateModelDay,
  writeModelDataset,
  readFaultLabels,
  labelsPath,
  FAULT_KINDS,
  MODEL_DAY_START,
  type FaultKind,
  type InjectedFault,
  type TagTable,
} from './model-generator';
export { tapeOf, tapeOfTable, parseTagCsv, loadTagCsvFile, isTagCsvHeader, type Tape, type TapeFrame } from './tape';
export { createModelEncoder, frameSamples, simulableTags, type Encoder, type PlantSpec, type TagValue } from './publish';
export { createSimulator, type Simulator, type SimulatorOptions, type CommandCounters } from './simulator';
export { plantMigrations, createClockSegments, type ClockSegment, type ClockSegments } from './clock-store';
export { PROFILES, AMBIENT_C } from './profiles';
export { plantView, registerPreviewApi, registerSimulatorApi, type PreviewPorts } from './api';
export { consequencePreview, PREVIEW_HORIZON_S, PreviewUnavailable } from './preview';

/** The simulator's config section (`simulator`). */
export const SimulatorConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /**
   * CSV to replay (the seed's device rows or the tag CSV, told apart by the header); default
   * <dataDir>/sensor_data.csv for the seed's plant, <dataDir>/plant-<site id>.csv for any other model
   * (generated on first start if absent).
   */
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

/** Is this the seed's plant (its nine devices with the demo's types and five sensors)? Its data is the seed's day. */
export function isSeedPlant(model: PlantModelView): boolean {
  const sensors: readonly string[] = SENSORS;
  return model.assets.every((a) => a.model !== 'generic' && DEVICE_IDS.includes(a.id) && a.tags.every((t) => sensors.includes(t.key)));
}

/** The CSV to replay: the configured one, else <dataDir>/sensor_data.csv for the seed's plant, else <dataDir>/plant-<site>.csv. */
export function datasetPath(cfg: SimulatorConfig, dataDir: string, model?: PlantModelView): string {
  if (cfg.dataset) return path.resolve(cfg.dataset);
  return !model || isSeedPlant(model) ? path.join(dataDir, 'sensor_data.csv') : path.join(dataDir, `plant-${model.site.id}.csv`);
}

/** Make sure the dataset exists: a generated day (the seed's, or one for the model) unless the config names another CSV. */
export function ensureDataset(cfg: SimulatorConfig, dataDir: string, log: Logger, model?: PlantModelView): string {
  const file = datasetPath(cfg, dataDir, model);
  if (!fs.existsSync(file)) {
    if (cfg.dataset) throw new Error(`dataset ${file} does not exist`);
    generate(file, cfg, log, model);
  }
  return file;
}

function generate(file: string, cfg: SimulatorConfig, log: Logger, model?: PlantModelView): void {
  const t0 = Date.now();
  if (!model || isSeedPlant(model)) {
    const out = writeDataset(path.dirname(file), { seed: cfg.seed });
    log.info({ file: out.csv, rows: out.rows, seed: cfg.seed, ms: Date.now() - t0 }, 'generated plant dataset');
  } else {
    const out = writeModelDataset(file, model, { seed: cfg.seed });
    log.info(
      { file: out.csv, labels: out.labels, rows: out.rows, tags: out.tags, faults: out.faults, seed: cfg.seed, ms: Date.now() - t0 },
      'generated plant dataset for the model',
    );
  }
}

export interface PlantDataset {
  file: string;
  /** 'seed': device rows of five fields (sensor_data.csv); 'tags': one column per tag id. */
  format: 'seed' | 'tags';
  /** The model's devices that have data. */
  devices: string[];
  frames: number;
  bad: BadLine[];
}

/** Load a dataset of either format for the model; frames of devices and columns of tags the model lacks are dropped (and logged). */
export function loadReplay(
  file: string,
  cfg: SimulatorConfig,
  model: PlantModelView,
  log: Logger,
): { tape: Tape; dataset: PlantDataset; missingTags: string[] } {
  const text = fs.readFileSync(file, 'utf8');
  const header = text.slice(0, Math.max(0, text.indexOf('\n'))).replace(/\r$/, '');
  const known = new Set(model.assets.map((a) => a.id));
  if (isTagCsvHeader(header)) {
    const tags = model.assets.flatMap((a) => a.tags);
    const r = parseTagCsv(text, tags);
    if (r.unknownColumns.length)
      log.warn({ file, columns: r.unknownColumns.slice(0, 10), count: r.unknownColumns.length }, 'dataset columns of no model tag ignored');
    return { tape: r.tape, dataset: { file, format: 'tags', devices: [...r.tape.devices], frames: r.tape.length, bad: r.bad }, missingTags: r.missingTags };
  }
  const d = parseDatasetCsv(text, cfg.columns);
  const foreign = d.devices.filter((id) => !known.has(id));
  if (foreign.length) log.warn({ file, devices: foreign }, 'dataset devices not in the plant model are not replayed');
  const rows = foreign.length ? d.readings.filter((r) => known.has(r.device_id)) : d.readings;
  const tape = tapeOf(rows);
  return { tape, dataset: { file, format: 'seed', devices: [...tape.devices], frames: tape.length, bad: d.bad }, missingTags: [] };
}

export interface Plant {
  dataset: PlantDataset;
  simulator: Simulator;
}

/**
 * The plant's command model as the governance gateway reads it (its DeviceCommands port): the check the
 * devices make, asked before an operator approves or anything is published.
 */
export function deviceCommandsFor(current: () => { asset(deviceId: string): AssetView | undefined }) {
  return {
    paramsProblem: (deviceId: string, command: string, params: Record<string, unknown>): string | null => {
      const asset = current().asset(deviceId);
      return asset ? commandParamsProblem(asset, command, params) : `no device ${deviceId} in the plant model`;
    },
  };
}

/**
 * model: the plant model in force (its assets are the devices); gatewayPublicKey: the governance
 * gateway's Ed25519 public key, the devices verify every command with it.
 */
export function createPlant(deps: {
  config: SimulatorConfig;
  /** The plant model in force with its connectors (core.services.model.current). */
  model: PlantSpec;
  /** How the devices publish (default: the model's connectors through ./publish's encoder). */
  encode?: Encoder;
  dataDir: string;
  broker: PlantBroker;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  gatewayPublicKey: KeyObject;
  /** The database the replay's clock segments are kept in (without it they last until the core stops). */
  db?: Db;
  /** The stored readings: in shift mode the replay resumes after the newest of its devices' (never back in plant time). */
  readings?: Pick<ReadingsRepository, 'latest'>;
}): Plant {
  const { config } = deps;
  const log = deps.log.child({ component: 'plant' });
  const model = deps.model.model;
  const file = ensureDataset(config, deps.dataDir, log, model);
  let replay = loadReplay(file, config, model, log);
  if (replay.missingTags.length && !config.dataset) {
    // Our own generated day, older than the model (tags were added): generate it again.
    log.info({ file, missing: replay.missingTags.length }, 'the generated dataset lacks tags of the model; generating it again');
    generate(file, config, log, model);
    replay = loadReplay(file, config, model, log);
  } else if (replay.missingTags.length) {
    log.warn({ file, tags: replay.missingTags.slice(0, 10), count: replay.missingTags.length }, 'model tags the dataset has no column for are not replayed');
  }
  const { dataset, tape } = replay;
  if (dataset.bad.length) {
    log.warn({ file, bad: dataset.bad.length, first: dataset.bad.slice(0, 5) }, 'dataset rows skipped');
  }
  if (tape.length === 0) throw new Error(`dataset ${file} has no usable rows for the plant model`);
  const simulator = createSimulator({
    broker: deps.broker,
    bus: deps.bus,
    clock: deps.clock,
    log,
    model: deps.model,
    tape,
    ...(deps.encode ? { encode: deps.encode } : {}),
    gatewayPublicKey: deps.gatewayPublicKey,
    clockSegments: createClockSegments({ db: deps.db, now: deps.clock.now }),
    resumeAfter: deps.readings ? newestReading(deps.readings, tape.devices) : null,
    options: {
      speed: config.speed,
      timestamps: config.timestamps,
      loop: config.loop,
      autostart: config.autostart,
    },
  });
  return { dataset, simulator };
}

/** The newest stored reading of these devices (epoch ms), null without any. */
function newestReading(readings: Pick<ReadingsRepository, 'latest'>, ids: readonly string[]): number | null {
  let newest: number | null = null;
  for (const id of ids) {
    const ts = Date.parse(readings.latest(id, 1)[0]?.timestamp ?? '');
    if (Number.isFinite(ts) && (newest === null || ts > newest)) newest = ts;
  }
  return newest;
}
