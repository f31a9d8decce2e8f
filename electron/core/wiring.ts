// The composition root's builder: opens the store and builds every service with its dependencies
// passed in. Called by core.start() (never at createCore), so a core costs no I/O until it starts.
import fs from 'node:fs';
import path from 'node:path';
import { createAlarmService, createLimitAlarms, alarmsMigrations, watchDataPath, type AlarmSystem, type AlarmTable } from './alarms';
import { createAnomalyRepository, createDetectionService, detectMigrations, type DetectionService } from './detect';
import { createBroker, createMqttCommandChannel, type PlantBroker } from './broker';
import type { EventBus } from './bus';
import type { Clock } from './clock';
import { databasePath, describeStartFailure, StartError, type Config } from './config';
import { createGovernance, governanceMigrations, hierarchyOf, loadPublicKey, type Gateway, type PublishCommand } from './governance';
import { createHttpServer, type HttpServer } from './http';
import { createIngest, createLiveCache, type IngestService, type LiveCache } from './ingest';
import { createGovernanceControl, createSimulatedFleet, ImmuneService, immuneMigrations } from './immune';
import type { Disposable } from './lifecycle';
import { createOtlpTraceExporter, observabilityMigrations, Tracer, type Logger, type Masker } from './observability';
import { OperatorAgent } from './agent';
import { OperatorAuth, operatorMigrations } from './operators';
import { shiftMigrations } from './shift';
import { createManualLibrary, loadManualIndex, defaultManualPath } from './knowledge';
import { createIncidentRepository, createMcpService, createPendingCallRepository, createToolCallRepository, mcpMigrations, type McpService } from './mcp';
import { createPlant, deviceCommandsFor, plantMigrations, simulableTags, type Plant } from './plant';
import { ModelLoadError, ModelStore, modelPath, type ModelIndex } from './model';
import { removeRunFile, writeRunFile, type RunInfo } from './runfile';
import type { CoreApi } from './api';
import { applyMigrations, createReadingsRepository, openDatabase, readingsMigrations, startCheckpointer, type Db, type ReadingsRepository } from './store';

/** A part of the core with a life cycle: started in order, its start hands back what stops it. */
export interface Lifecycle {
  name: string;
  start(): void | Disposable | Promise<void | Disposable>;
}

export interface CoreServices {
  /** The plant model in force (issue 15): hierarchy, assets, tags, limits, commands, connectors. */
  model: ModelStore;
  readings: ReadingsRepository;
  broker: PlantBroker;
  live: LiveCache;
  ingest: IngestService;
  /** Absent when simulator.enabled is false (a plant with real sensors). */
  plant: Plant | null;
  /** Serve mode's HTTP server (UI, WebSocket bridge, /api/v1, /mcp); null when http.enabled is false. */
  http: HttpServer | null;
  /** ISA-18.2 alarms (anomaly and communication alarms, shelving, floods). */
  alarms: AlarmSystem;
  /** Streaming anomaly detection on ingest's readings. */
  detection: DetectionService;
  /** The master alarm table (ISA-18.2 rationalization): each alarm's consequence, action and priority. */
  alarmTable: AlarmTable;
  /** Governance gateway: agents, policy, approvals, intent tokens, executor, audit chain. */
  governance: Gateway;
  /** Immune system for the agent fleet (seed 001): vitals, sentinel, quarantine, healing. */
  immune: ImmuneService;
  /** Governed MCP server (issue 6): tools over Streamable HTTP at /mcp and stdio; every call passes governance. */
  mcp: McpService;
  /** Traces of agent runs (SQLite), exported over OTLP/HTTP when configured (issue 8). */
  tracer: Tracer;
  /** The built-in operator agent: an MCP client of /mcp with its own identity (issue 8). */
  agent: OperatorAgent;
  /** Operator accounts and sessions: who may use the operator surfaces (issue 13). */
  operators: OperatorAuth;
}

export interface WiringDeps {
  config: Config;
  clock: Clock;
  log: Logger;
  mask: Masker;
  /** The bus and registry as the core's scope hands them out: what subscribes through them is released at stop. */
  bus: EventBus;
  api: CoreApi;
  db: Db;
  nativeBinding?: string;
  /** false: a core for one CLI command (no broker connections, ingest, command channel or run file; see CoreDeps.network). */
  network?: boolean;
}

/** A subsystem object with start/stop as a lifecycle whose start returns its stop. */
const service = (name: string, s: { start(): unknown; stop(): unknown }): Lifecycle => ({
  name,
  start: async () => {
    await s.start();
    return async () => void (await s.stop());
  },
});

/**
 * Storage faults at start (issue 19): a corrupt file, a read-only data dir, a full disk. One clear
 * error and nothing started; migrations run in transactions, so a failed one leaves no half-written rows.
 */
export function openStorage(config: Config, nativeBinding?: string): Db {
  const dbPath = databasePath(config);
  const fail = (err: unknown, what: string) => new StartError(describeStartFailure(err, what) ?? `${what}: ${(err as Error).message}`);
  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.accessSync(config.dataDir, fs.constants.W_OK);
  } catch (err) {
    throw fail(err, `data directory ${config.dataDir}`);
  }
  let db: Db;
  try {
    db = openDatabase(dbPath, { nativeBinding });
  } catch (err) {
    throw fail(err, `database ${dbPath}`);
  }
  try {
    applyMigrations(db, [
      ...readingsMigrations,
      ...detectMigrations,
      ...alarmsMigrations,
      ...governanceMigrations,
      ...immuneMigrations,
      ...mcpMigrations,
      ...observabilityMigrations,
      ...shiftMigrations,
      ...operatorMigrations,
      ...plantMigrations,
    ]);
  } catch (err) {
    db.close();
    throw fail(err, `database ${dbPath}`);
  }
  return db;
}

/** Every service of the core, and their life cycles in start order. */
export function wireServices(d: WiringDeps): { services: CoreServices; components: Lifecycle[] } {
  const { config, clock, log, mask, bus, api, db } = d;
  // The plant model first: everything below reads it. A missing or bad model refuses to start.
  const model = new ModelStore({
    file: modelPath(config.plant, config.resourcesDir),
    watch: config.plant.watch && d.network !== false,
    log: log.child({ component: 'model' }),
    onLoad: (ev) => bus.emit('plant.model', ev),
  });
  try {
    model.loadOrThrow();
  } catch (err) {
    throw err instanceof ModelLoadError ? new StartError(err.message) : err;
  }
  const readings = createReadingsRepository(db);
  const broker = createBroker(config.broker, log.child({ component: 'broker' }));
  const live = createLiveCache(config.ingest.ringSize);
  // The executor's MQTT client is the only publisher of aegisflow/commands/*; only the gateway gets its publish,
  // as it gets the plant's command model. It waits for each device's acknowledgement: EXECUTED is audited only when the device accepted.
  const commandChannel = createMqttCommandChannel(broker, log.child({ component: 'executor' }), { ackTimeoutMs: config.governance.ackTimeoutMs });
  const deviceCommands = deviceCommandsFor(() => model.current);
  // A device whose connector carries commands (OPC UA, Sparkplug B) gets them that way, the rest over MQTT;
  // either way with its intent token, verified by the device. (ingest is built below, before any command.)
  const publishCommand: PublishCommand = (deviceId, message, jti) => {
    const via = ingest.commandRoute(deviceId);
    return via?.command ? via.command(deviceId, message, jti) : commandChannel.publish(deviceId, message, jti);
  };
  const governanceDeps = {
    db,
    clock,
    bus,
    log: log.child({ component: 'governance' }),
    publishCommand,
    deviceCommands,
    // area scopes resolve through the model in force
    plant: hierarchyOf(() => model.current.model),
  };
  const governance = createGovernance(config.governance, config, governanceDeps);
  // The devices verify every command with the gateway's public key, read from its file as a real edge
  // gateway would be given it (the gateway created the pair above; the private key stays with it).
  const gatewayPublicKey = loadPublicKey(path.join(config.dataDir, 'keys'))?.publicKey;
  // A model read from OPC UA or Sparkplug B only gives the replay nothing to publish: it would generate a day
  // and run a plant clock of its own for devices that have real sources. Off, and said.
  const simulate = config.simulator.enabled && simulableTags(model.current) > 0;
  if (config.simulator.enabled && !simulate)
    log.info(
      { model: model.current.model.file },
      'the replay simulator is off: no tag of the plant model is on an MQTT JSON connector, so it has nothing to publish',
    );
  if (simulate && !gatewayPublicKey) throw new Error('the gateway public key is missing: the devices could verify no command');
  const plant =
    simulate && gatewayPublicKey
      ? createPlant({ config: config.simulator, model: model.current, dataDir: config.dataDir, broker, bus, clock, log, gatewayPublicKey, db, readings })
      : null;
  if (plant) model.onChange((m) => plant.simulator.setModel(m));
  const ingest = createIngest({
    config: config.ingest,
    dataDir: config.dataDir,
    maxPayloadBytes: config.broker.maxPayloadBytes,
    retentionDays: config.store.retentionDays,
    broker,
    readings,
    live,
    bus,
    clock,
    log,
    model,
    // Each reading against its source's clock: the replay's time for simulated devices, the wall clock for real sensors.
    plantNow: (device) => (plant?.simulator.device(device) ? plant.simulator.plantTime() : null) ?? clock.now(),
  });
  // Operators: the people behind every operator surface (accounts, sessions, first-run setup).
  const operators = new OperatorAuth({ db, clock, log: log.child({ component: 'operators' }), config: config.operators });
  const httpServer = config.http.enabled
    ? createHttpServer({ config: config.http, sessionMaxS: config.operators.sessionMaxS, api, bus, log, operators })
    : null;
  // The device manuals of the model's asset types: the master alarm table's SOP text, and query_device_manual's.
  const manuals = createManualLibrary({ fallbackFile: defaultManualPath(config.resourcesDir), model: () => model.current.model });
  const alarmService = createAlarmService({
    config: config.alarms,
    db,
    bus,
    clock,
    log: log.child({ component: 'alarms' }),
    model,
    manual: (type) => manuals.forType(type).sections,
    audit: (e) => governance.audit.append({ kind: 'ALARM_TABLE_CHANGED', actor: e.actor, reason: e.reason, detail: e.detail }),
  });
  // The data path's communication and system alarms: broker, connectors, storage (issues 15, 19).
  watchDataPath(bus, alarmService.system);
  // Limit alarms (HH/H/L/LL) of every tag, from the plant model in force; rebuilt on every reload.
  const limitAlarms = createLimitAlarms({ alarms: alarmService.system, model, bus });
  const detection = createDetectionService({
    config: config.detect,
    bus,
    clock,
    log: log.child({ component: 'detect' }),
    repository: createAnomalyRepository(db),
    alarms: alarmService.system,
    // The model's scored tags of each asset, at their sampling period (the fastest of them when they differ).
    seriesOf: (id) => {
      const asset = model.current.asset(id);
      if (!asset) return null;
      const tags = asset.tags.filter((t) => t.detect);
      return { sensors: tags.map((t) => t.key), samplingSeconds: tags.length ? Math.min(...tags.map((t) => t.sampling_s)) : undefined };
    },
  });
  model.onChange(() => detection.modelChanged());
  // Immune system: watches every agent's vitals; quarantine and healing act through governance.
  const immune = new ImmuneService({
    db,
    config: config.immune,
    clock,
    log: log.child({ component: 'immune' }),
    bus,
    control: createGovernanceControl(governance),
    fleet:
      config.immune.fleet.enabled && config.immune.fleet.size > 0
        ? createSimulatedFleet({ size: config.immune.fleet.size, seed: config.immune.fleet.seed })
        : undefined,
    dataDir: config.dataDir,
  });
  // The plant model's devices and any that sent readings, sorted; rebuilt only when a new device appears
  // or the model is reloaded (every MCP call with a device_id checks it).
  let known: { n: number; model: ModelIndex | null; ids: string[] } = { n: -1, model: null, ids: [] };
  const knownDevices = () => {
    if (known.n !== live.deviceCount() || known.model !== model.current)
      known = { n: live.deviceCount(), model: model.current, ids: [...new Set([...model.current.deviceIds, ...live.devices()])].sort() };
    return known.ids;
  };
  const manual = loadManualIndex(defaultManualPath(config.resourcesDir));
  // Governed MCP server: every tools/call is identified, judged by the gateway, recorded and fed to the immune system.
  const mcp = createMcpService({
    config: config.mcp,
    governance,
    live,
    readings,
    deviceStatuses: () => plant?.simulator.devices() ?? [],
    deviceStatus: (id) => plant?.simulator.device(id)?.status(),
    knownDevices,
    model: () => model.current,
    detection,
    alarms: alarmService.system,
    manual,
    // each asset type's manual as the model names it; the plant's manual for the rest
    manuals: createManualLibrary({ fallbackFile: defaultManualPath(config.resourcesDir), fallback: manual, model: () => model.current.model }),
    toolCalls: createToolCallRepository(db, { mask }),
    incidents: createIncidentRepository(db, { mask }),
    pendingCalls: createPendingCallRepository(db),
    immune: config.immune.enabled ? immune : null,
    mask,
    bus,
    clock,
    log: log.child({ component: 'mcp' }),
  });
  // Traces of agent runs: always stored locally; exported only when an OTLP endpoint is configured.
  const otlp = config.observability.otlp.endpoint
    ? createOtlpTraceExporter({
        endpoint: config.observability.otlp.endpoint,
        headers: config.observability.otlp.headers,
        timeoutMs: config.observability.otlp.timeoutMs,
        resource: { serviceName: config.observability.otlp.serviceName },
        metrics: config.observability.otlp.metrics,
        log: log.child({ component: 'otlp' }),
      })
    : null;
  const tracer = new Tracer({ db, clock, mask, log: log.child({ component: 'traces' }), sink: otlp ? (t, spans) => otlp.export(t, spans) : undefined });
  // The operator agent reaches the governed server over real HTTP, like any outside agent.
  const agent = new OperatorAgent({
    config: config.agent,
    governance,
    tracer,
    bus,
    clock,
    log: log.child({ component: 'agent' }),
    dataDir: config.dataDir,
    mcpUrl: () => (httpServer?.port && config.mcp.enabled ? `${httpServer.url}${config.mcp.path}` : null),
    episode: (id) => detection.get(id),
  });
  const services: CoreServices = {
    model,
    readings,
    broker,
    live,
    ingest,
    plant,
    http: httpServer,
    alarms: alarmService.system,
    detection,
    alarmTable: alarmService.table,
    governance,
    immune,
    mcp,
    tracer,
    agent,
    operators,
  };
  const dbFile = databasePath(config);
  const components: Lifecycle[] = [
    // WAL checkpoints on a worker thread (store/checkpointer.ts): first to start, last to stop.
    {
      name: 'store',
      start: () => {
        if (config.store.checkpointWorkerMs <= 0 || dbFile === ':memory:') return;
        const checkpointer = startCheckpointer(db, {
          file: dbFile,
          nativeBinding: d.nativeBinding,
          intervalMs: config.store.checkpointWorkerMs,
          onWarn: (msg, err) => log.warn({ err }, msg),
        });
        return () => checkpointer.stop();
      },
    },
    {
      name: 'model',
      start: () => {
        model.startWatching();
        return () => model.stop();
      },
    },
    service('operators', operators),
    service('broker', broker),
    service('ingest', ingest),
    service('command-channel', commandChannel),
    // Stopped before the database closes: it signs the audit chain head on the way out.
    service('governance', governance),
    // detection subscribes before the simulator publishes, so it sees the replay from its first row
    service('alarms', alarmService),
    service('limit-alarms', limitAlarms),
    service('detection', detection),
  ];
  if (plant) components.push(service('simulator', plant.simulator));
  if (config.immune.enabled) components.push(service('immune', immune));
  components.push(service('mcp', mcp));
  // Traces stop after the agent (open traces end, exports flush); old traces are pruned at start.
  components.push({
    name: 'traces',
    start: () => {
      const days = config.observability.traces.retentionDays;
      if (days > 0) tracer.repo.pruneBefore(clock.now() - days * 86_400_000);
      return () => tracer.stop();
    },
  });
  // HTTP last: it serves what the others provide. (Subsystems insert themselves before this line.)
  if (httpServer) components.push(service('http', httpServer));
  // The operator agent is a client of /mcp: it starts after the HTTP server and stops (ending its runs) before it.
  components.push(service('agent', agent));
  // Last: the run file tells the CLI this data dir's core is up and where its API is (electron/core/runfile.ts).
  components.push({
    name: 'runfile',
    start: () => {
      const run: RunInfo = { pid: process.pid, url: httpServer?.url ?? null, startedAt: clock.now(), setupCode: operators.setupCode() };
      writeRunFile(config.dataDir, run);
      return () => removeRunFile(config.dataDir, run);
    },
  });
  if (d.network === false) {
    const local = new Set(['broker', 'ingest', 'command-channel', 'runfile']);
    return { services, components: components.filter((c) => !local.has(c.name)) };
  }
  return { services, components };
}
