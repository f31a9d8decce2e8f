// Composition root. Builds every service with its dependencies passed in; no import-time
// singletons. Runs in the Electron main process and in plain Node (serve, tests, benches, demo).
// Nothing under electron/core imports 'electron' (tests/core-boundary.test.ts enforces it).
import fs from 'node:fs';
import path from 'node:path';
import { createApi, type CoreApi } from './api';
import { alarmsMigrations, createAlarmService, type AlarmSystem } from './alarms';
import { createAnomalyRepository, createDetectionService, detectMigrations, registerDetectionApi, type DetectionService } from './detect';
import { createBroker, type PlantBroker } from './broker';
import { createBus, type EventBus } from './bus';
import { systemClock, type Clock } from './clock';
import { databasePath, describeStartFailure, StartError, type Config } from './config';
import { DEVICE_IDS } from '../../shared/domain';
import { createGovernance, createMqttCommandChannel, governanceMigrations, loadPublicKey, registerGovernanceApi, type Gateway } from './governance';
import { createHttpServer, mountImmuneRoutes, mountMcpRoutes, type HttpServer } from './http';
import { createIngest, createLiveCache, registerReadingsApi, type IngestService, type LiveCache } from './ingest';
import { createGovernanceControl, createSimulatedFleet, ImmuneService, immuneMigrations, registerImmuneApi } from './immune';
import { createLogger, createMasker, createOtlpTraceExporter, maskOptionsFromConfig, observabilityMigrations, Tracer, type Logger } from './observability';
import { OperatorAgent, registerAgentApi } from './agent';
import { OperatorAuth, operatorMigrations, registerOperatorsApi } from './operators';
import { loadManualIndex, defaultManualPath } from './knowledge';
import { createIncidentRepository, createMcpService, createToolCallRepository, mcpMigrations, registerMcpApi, type McpService } from './mcp';
import { createPlant, plantView, registerSimulatorApi, type Plant } from './plant';
import { removeRunFile, writeRunFile, type RunInfo } from './runfile';
import {
  applyMigrations,
  createReadingsRepository,
  openDatabase,
  startCheckpointer,
  type Checkpointer,
  readingsMigrations,
  type Db,
  type Migration,
  type ReadingsRepository,
} from './store';

/** A service with a life cycle. Started in registration order, stopped in reverse. */
export interface Lifecycle {
  name: string;
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}

export interface CoreDeps {
  clock?: Clock;
  logger?: Logger;
  /** better-sqlite3 native binding built for Electron's ABI (set by the Electron main process). */
  nativeBinding?: string;
  /**
   * false: a core for one CLI command while no app runs (aegisflow agent / audit / operator): no broker
   * connections, no ingest, no command channel and no run file; the config turns HTTP, simulator, MCP and agent off.
   */
  network?: boolean;
}

export interface CoreServices {
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

export interface Core {
  config: Config;
  bus: EventBus;
  api: CoreApi;
  log: Logger;
  clock: Clock;
  db: Db;
  services: CoreServices;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly started: boolean;
}

export function createCore(config: Config, deps: CoreDeps = {}): Core {
  const clock = deps.clock ?? systemClock;
  // One secret masker (config `masking`) for every place agent input is stored or shown; the
  // gateway builds the same one from governanceOptions (the CLI opens it without a core).
  const mask = createMasker(maskOptionsFromConfig(config.masking, config.governance.audit));
  const log = deps.logger ?? createLogger({ level: config.log.level, destination: config.log.destination, mask: mask.text });
  const bus = createBus((name, err) => log.error({ err, event: name }, 'event listener failed'));
  const api = createApi();

  // Storage faults at start (issue 19): a corrupt file, a read-only data dir, a full disk. One clear
  // error and nothing started; migrations run in transactions, so a failed one leaves no half-written rows.
  const dbPath = databasePath(config);
  let db: Db;
  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.accessSync(config.dataDir, fs.constants.W_OK);
  } catch (err) {
    throw new StartError(describeStartFailure(err, `data directory ${config.dataDir}`) ?? `data directory ${config.dataDir}: ${(err as Error).message}`);
  }
  try {
    db = openDatabase(dbPath, { nativeBinding: deps.nativeBinding });
  } catch (err) {
    throw new StartError(describeStartFailure(err, `database ${dbPath}`) ?? `database ${dbPath}: ${(err as Error).message}`);
  }
  const migrations: Migration[] = [...readingsMigrations];
  migrations.push(...detectMigrations, ...alarmsMigrations);
  migrations.push(...governanceMigrations);
  migrations.push(...immuneMigrations);
  migrations.push(...mcpMigrations);
  migrations.push(...observabilityMigrations);
  migrations.push(...operatorMigrations);
  try {
    applyMigrations(db, migrations);
  } catch (err) {
    db.close();
    throw new StartError(describeStartFailure(err, `database ${dbPath}`) ?? `database ${dbPath}: ${(err as Error).message}`);
  }

  const readings = createReadingsRepository(db);
  const broker = createBroker(config.broker, log.child({ component: 'broker' }));
  const live = createLiveCache(config.ingest.ringSize);
  // The executor's MQTT client is the only publisher of aegisflow/commands/*; the gateway owns it.
  // It waits for each device's acknowledgement: EXECUTED is audited only when the device accepted.
  const commandChannel = createMqttCommandChannel(broker, log.child({ component: 'executor' }), { ackTimeoutMs: config.governance.ackTimeoutMs });
  const governance = createGovernance(config, { db, clock, bus, log: log.child({ component: 'governance' }), publishCommand: commandChannel.publish });
  // The devices verify every command with the gateway's public key, read from its file as a real edge
  // gateway would be given it (the gateway created the pair above; the private key stays with it).
  const gatewayPublicKey = loadPublicKey(path.join(config.dataDir, 'keys'))?.publicKey;
  if (config.simulator.enabled && !gatewayPublicKey) throw new Error('the gateway public key is missing: the devices could verify no command');
  const plant =
    config.simulator.enabled && gatewayPublicKey
      ? createPlant({ config: config.simulator, dataDir: config.dataDir, broker, bus, clock, log, gatewayPublicKey })
      : null;
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
    knownDevices: [...DEVICE_IDS, ...(plant?.dataset.devices ?? [])],
    // The plant clock: while a replay runs, its readings' time (100x ahead of the wall clock in shift mode).
    plantNow: () => plant?.simulator.plantTime() ?? clock.now(),
  });
  // Operators: the people behind every operator surface (accounts, sessions, first-run setup).
  const operators = new OperatorAuth({ db, clock, log: log.child({ component: 'operators' }), config: config.operators });
  const httpServer = config.http.enabled
    ? createHttpServer({ config: config.http, sessionMaxS: config.operators.sessionMaxS, api, bus, log, operators })
    : null;
  const alarmService = createAlarmService({ config: config.alarms, db, bus, clock, log: log.child({ component: 'alarms' }) });
  // An outage of an external broker is a communication alarm of the plant's data path (issue 19).
  bus.on('broker.connection', (e) =>
    alarmService.system.setCondition('broker:communication', {
      active: !e.connected,
      source: 'broker',
      kind: 'communication',
      priority: 'high',
      message: e.connected ? `MQTT broker ${e.url} reachable again` : `no connection to the MQTT broker ${e.url}: readings are not arriving`,
    }),
  );
  const detection = createDetectionService({
    config: config.detect,
    bus,
    clock,
    log: log.child({ component: 'detect' }),
    repository: createAnomalyRepository(db),
    alarms: alarmService.system,
  });
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
  // The dataset's devices and any that sent readings, sorted; rebuilt only when a new device appears
  // (every MCP call with a device_id checks it).
  let known: { n: number; ids: string[] } = { n: -1, ids: [] };
  const knownDevices = () => {
    if (known.n !== live.deviceCount())
      known = { n: live.deviceCount(), ids: [...new Set([...(plant?.dataset.devices ?? DEVICE_IDS), ...live.devices()])].sort() };
    return known.ids;
  };
  // Governed MCP server: every tools/call is identified, judged by the gateway, recorded and fed to the immune system.
  const mcp = createMcpService({
    config: config.mcp,
    governance,
    live,
    readings,
    deviceStatuses: () => plant?.simulator.devices() ?? [],
    deviceStatus: (id) => plant?.simulator.device(id)?.status(),
    knownDevices,
    detection,
    alarms: alarmService.system,
    manual: loadManualIndex(defaultManualPath(config.resourcesDir)),
    toolCalls: createToolCallRepository(db, { mask }),
    incidents: createIncidentRepository(db, { mask }),
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
    readings,
    broker,
    live,
    ingest,
    plant,
    http: httpServer,
    alarms: alarmService.system,
    detection,
    governance,
    immune,
    mcp,
    tracer,
    agent,
    operators,
  };
  // WAL checkpoints on a worker thread (store/checkpointer.ts): first to start, last to stop.
  let checkpointer: Checkpointer | null = null;
  const dbFile = databasePath(config);
  const components: Lifecycle[] = [
    {
      name: 'store',
      start: () => {
        if (config.store.checkpointWorkerMs > 0 && dbFile !== ':memory:')
          checkpointer = startCheckpointer(db, {
            file: dbFile,
            nativeBinding: deps.nativeBinding,
            intervalMs: config.store.checkpointWorkerMs,
            onWarn: (msg, err) => log.warn({ err }, msg),
          });
      },
      stop: async () => {
        await checkpointer?.stop();
        checkpointer = null;
      },
    },
    { name: 'operators', start: () => operators.start(), stop: () => operators.stop() },
    { name: 'broker', start: () => broker.start(), stop: () => broker.stop() },
    { name: 'ingest', start: () => ingest.start(), stop: () => ingest.stop() },
  ];
  components.push({ name: 'command-channel', start: () => commandChannel.start(), stop: () => commandChannel.stop() });
  // Stopped before the database closes: it signs the audit chain head on the way out.
  components.push({ name: 'governance', start: () => governance.start(), stop: () => governance.stop() });
  // detection subscribes before the simulator publishes, so it sees the replay from its first row
  components.push({ name: 'alarms', start: () => alarmService.start(), stop: () => alarmService.stop() });
  components.push({ name: 'detection', start: () => detection.start(), stop: () => detection.stop() });
  if (plant) components.push({ name: 'simulator', start: () => plant.simulator.start(), stop: () => plant.simulator.stop() });
  if (config.immune.enabled) components.push({ name: 'immune', start: () => immune.start(), stop: () => immune.stop() });
  components.push({ name: 'mcp', start: () => mcp.start(), stop: () => mcp.stop() });
  // Traces stop after the agent (open traces end, exports flush); old traces are pruned at start.
  components.push({
    name: 'traces',
    start: () => {
      const days = config.observability.traces.retentionDays;
      if (days > 0) tracer.repo.pruneBefore(clock.now() - days * 86_400_000);
    },
    stop: () => tracer.stop(),
  });
  // HTTP last: it serves what the others provide. (Subsystems insert themselves before this line.)
  if (httpServer) components.push({ name: 'http', start: () => httpServer.start(), stop: () => httpServer.stop() });
  // The operator agent is a client of /mcp: it starts after the HTTP server and stops (ending its runs) before it.
  components.push({ name: 'agent', start: () => agent.start(), stop: () => agent.stop() });
  // Last: the run file tells the CLI this data dir's core is up and where its API is (electron/core/runfile.ts).
  let run: RunInfo | null = null;
  components.push({
    name: 'runfile',
    start: () => {
      run = { pid: process.pid, url: httpServer?.url ?? null, startedAt: clock.now(), setupCode: operators.setupCode() };
      writeRunFile(config.dataDir, run);
    },
    stop: () => {
      if (run) removeRunFile(config.dataDir, run);
      run = null;
    },
  });
  if (deps.network === false) {
    const local = new Set(['broker', 'ingest', 'command-channel', 'runfile']);
    components.splice(0, components.length, ...components.filter((c) => !local.has(c.name)));
  }

  registerReadingsApi(api, { live, ingest, readings, plant: plantView(plant) });
  registerSimulatorApi(api, plant);
  registerOperatorsApi(api, operators, log.child({ component: 'operators' }));
  registerGovernanceApi(api, governance);
  registerImmuneApi(api, immune);
  if (httpServer) mountImmuneRoutes(httpServer, immune);
  registerDetectionApi(api, { detection, alarms: alarmService.system });
  registerMcpApi(api, mcp, db);
  if (httpServer) mountMcpRoutes(httpServer, mcp);
  registerAgentApi(api, { agent, tracer, demo: { api, bus, clock, log: log.child({ component: 'demo' }), plant, governance, live, agent, tracer } });

  let started = false;
  let stopping: Promise<void> | null = null;

  const core: Core = {
    config,
    bus,
    api,
    log,
    clock,
    db,
    services,
    get started() {
      return started;
    },
    async start() {
      if (started) return;
      const done: Lifecycle[] = [];
      try {
        for (const c of components) {
          await c.start?.();
          done.push(c);
        }
      } catch (err) {
        log.error({ err }, 'start failed; stopping what started');
        for (const c of done.reverse()) await Promise.resolve(c.stop?.()).catch(() => {});
        throw err;
      }
      started = true;
      log.info({ dataDir: config.dataDir }, 'core started');
    },
    async stop() {
      if (stopping) return stopping;
      stopping = (async () => {
        for (const c of [...components].reverse()) {
          try {
            await c.stop?.();
          } catch (err) {
            log.error({ err, component: c.name }, 'stop failed');
          }
        }
        db.close();
        started = false;
        log.info('core stopped');
      })();
      return stopping;
    },
  };
  return core;
}

export { loadConfig, testConfig, type Config } from './config';
export { toErrorInfo } from './api';
export { readRunFile, runFilePath, type RunInfo } from './runfile';
