// Composition root. Builds every service with its dependencies passed in; no import-time
// singletons. Runs in the Electron main process and in plain Node (serve, tests, benches, demo).
// Nothing under electron/core imports 'electron' (tests/core-boundary.test.ts enforces it).
import fs from 'node:fs';
import path from 'node:path';
import { CoreError, createApi, operatorOf, type CoreApi } from './api';
import { alarmsMigrations, createAlarmService, type AlarmSystem } from './alarms';
import { createAnomalyRepository, createDetectionService, detectMigrations, registerDetectionApi, type DetectionService } from './detect';
import { createBroker, type PlantBroker } from './broker';
import { createBus, type EventBus } from './bus';
import { systemClock, type Clock } from './clock';
import { databasePath, describeStartFailure, StartError, type Config } from './config';
import { DEVICE_IDS } from '../../shared/domain';
import { neutralizeDeep } from '../../shared/text';
import type { ReadingColumns } from '../../shared/contract';
import { createGovernance, createMqttCommandChannel, governanceMigrations, loadPublicKey, registerGovernanceApi, type Gateway } from './governance';
import { createHttpServer, type HttpServer } from './http';
import { createIngest, createLiveCache, stripTs, type IngestService, type LiveCache } from './ingest';
import { createGovernanceControl, createSimulatedFleet, ImmuneService, immuneMigrations, mountImmuneRoutes, registerImmuneApi } from './immune';
import { createLogger, createMasker, createOtlpTraceExporter, maskOptionsFromConfig, observabilityMigrations, Tracer, type Logger } from './observability';
import { OperatorAgent, registerAgentApi } from './agent';
import { OperatorAuth, operatorMigrations, registerOperatorsApi } from './operators';
import { loadManualIndex, defaultManualPath } from './knowledge';
import { createIncidentRepository, createMcpService, createToolCallRepository, mcpMigrations, registerMcpApi, type McpService } from './mcp';
import { createPlant, type Plant } from './plant';
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
  const broker = createBroker(config, log.child({ component: 'broker' }));
  const live = createLiveCache(config.ingest.ringSize);
  // The executor's MQTT client is the only publisher of aegisflow/commands/*; the gateway owns it.
  // It waits for each device's acknowledgement: EXECUTED is audited only when the device accepted.
  const commandChannel = createMqttCommandChannel(broker, log.child({ component: 'executor' }), { ackTimeoutMs: config.governance.ackTimeoutMs });
  const governance = createGovernance(config, { db, clock, bus, log: log.child({ component: 'governance' }), publishCommand: commandChannel.publish });
  // The devices verify every command with the gateway's public key, read from its file as a real edge
  // gateway would be given it (the gateway created the pair above; the private key stays with it).
  const gatewayPublicKey = loadPublicKey(path.join(config.dataDir, 'keys'))?.publicKey;
  if (config.simulator.enabled && !gatewayPublicKey) throw new Error('the gateway public key is missing: the devices could verify no command');
  const plant = config.simulator.enabled && gatewayPublicKey ? createPlant({ config, broker, bus, clock, log, gatewayPublicKey }) : null;
  const ingest = createIngest({
    config,
    broker,
    readings,
    live,
    bus,
    clock,
    log,
    knownDevices: [...DEVICE_IDS, ...(plant?.dataset.devices ?? [])],
    // Each reading against its source's clock: the replay's time for simulated devices, the wall clock for real sensors.
    plantNow: (device) => (plant?.simulator.device(device) ? plant.simulator.plantTime() : null) ?? clock.now(),
  });
  // Operators: the people behind every operator surface (accounts, sessions, first-run setup).
  const operators = new OperatorAuth({ db, clock, log: log.child({ component: 'operators' }), config: config.operators });
  const httpServer = config.http.enabled ? createHttpServer({ config, api, bus, log, operators }) : null;
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
  // Readings that cannot be stored (disk full): a system alarm until writes work again (issue 19).
  bus.on('ingest.storage', (e) =>
    alarmService.system.setCondition('store:readings', {
      active: !e.ok,
      source: 'storage',
      kind: 'system',
      priority: 'high',
      message: e.ok ? 'readings are stored again' : `readings cannot be stored (${e.error}): ${e.waiting} held in memory and retried`,
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

  registerPlantApi(api, services);
  registerOperatorsApi(api, operators, log.child({ component: 'operators' }));
  registerGovernanceApi(api, governance);
  registerImmuneApi(api, immune);
  if (httpServer) mountImmuneRoutes(httpServer, immune);
  registerDetectionApi(api, { detection, alarms: alarmService.system });
  registerMcpApi(api, mcp);
  if (httpServer) mcp.mount(httpServer);
  registerControlRoomApi(api, services, db);
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

function requireSimulator(services: CoreServices) {
  if (!services.plant) throw new CoreError('no_simulator', 'the replay simulator is disabled in this configuration');
  return services.plant.simulator;
}

function registerPlantApi(api: CoreApi, services: CoreServices): void {
  const { live, ingest, plant, readings } = services;
  api.register('plant.snapshot', () => {
    const ids = new Set<string>([...(plant?.dataset.devices ?? DEVICE_IDS), ...live.devices()]);
    const statuses = new Map((plant?.simulator.devices() ?? []).map((d) => [d.device_id, d]));
    return {
      devices: [...ids].sort().map((id) => {
        const latest = live.latest(id);
        const st = statuses.get(id) ?? { device_id: id, state: 'running' as const, load_pct: 100 };
        return { ...st, latest: latest ? stripTs(latest) : null };
      }),
      simulator: plant?.simulator.status() ?? {
        running: false,
        paused: false,
        speed: 0,
        simTime: null,
        rowIndex: 0,
        totalRows: 0,
        published: 0,
        finished: false,
      },
      ingest: ingest.counters(),
    };
  });
  api.register('plant.history', ({ device_id, limit }) => {
    const n = Math.min(Math.max(limit ?? 120, 1), 5000);
    const cached = live.recent(device_id, n);
    return cached.length >= n ? cached.map(stripTs) : readings.latest(device_id, n);
  });
  api.register('simulator.control', (p) => {
    const sim = requireSimulator(services);
    try {
      if (p.action === 'pause') sim.pause();
      else if (p.action === 'resume') sim.resume();
      else if (p.action === 'speed') sim.setSpeed(p.speed);
      else if (p.action === 'seek') sim.seek(p.simTime);
      else if (p.action === 'jump') sim.jumpToScenario(p.scenario, p.leadSeconds);
      else throw new CoreError('bad_request', 'unknown simulator action');
    } catch (err) {
      if (err instanceof CoreError) throw err;
      throw new CoreError('bad_request', (err as Error).message);
    }
    return sim.status();
  });
  api.register('simulator.scenarios', () => requireSimulator(services).scenarios());
}

/** Requests the control room needs beyond the subsystems' own (issue 7): trend history as columns, agent creation. */
function registerControlRoomApi(api: CoreApi, services: CoreServices, db: Db): void {
  // Its own handle on the incidents table (prepared statements only; the MCP service writes the rows).
  const incidents = createIncidentRepository(db, { mask: services.mcp.deps.mask });
  api.register('incidents.list', (p) => {
    const str = (v: unknown, max: number) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined);
    const limit = Math.min(Math.max(Math.floor(Number(p?.limit ?? 100)) || 100, 1), 500);
    const offset = Math.max(Math.floor(Number(p?.offset ?? 0)) || 0, 0);
    // The logbook shows agent text as it is: no direction overrides or control characters (issue 19).
    return neutralizeDeep(incidents.search({ device_id: str(p?.device_id, 128), text: str(p?.text, 200), limit, offset }));
  });
  api.register('plant.range', (p) => {
    if (typeof p?.device_id !== 'string' || !Number.isFinite(p.from) || !Number.isFinite(p.to) || p.to < p.from)
      throw new CoreError('invalid', 'plant.range needs device_id and a from ≤ to window in epoch ms');
    const maxPoints = Math.min(Math.max(Math.floor(p.maxPoints ?? 20_000), 10), 50_000);
    // One day at 5 s is 17,280 rows: read at most 200k, thin evenly so a week still fits one chart.
    const rows = services.readings.range(p.device_id, p.from, p.to, 200_000);
    const step = Math.max(1, Math.ceil(rows.length / maxPoints));
    const out: ReadingColumns = { device_id: p.device_id, ts: [], temperature: [], pressure: [], vibration: [], humidity: [], power: [] };
    // Values to 0.001 (finer than any sensor here resolves): a day's reply shrinks from ~1.8 MB to ~0.8 MB of JSON.
    const q = (v: number) => Math.round(v * 1000) / 1000;
    for (let i = 0; i < rows.length; i += step) {
      const r = rows[i];
      out.ts.push(Date.parse(r.timestamp));
      out.temperature.push(q(r.temperature));
      out.pressure.push(q(r.pressure));
      out.vibration.push(q(r.vibration));
      out.humidity.push(q(r.humidity));
      out.power.push(q(r.power));
    }
    return out;
  });
  api.register('agents.create', (p, caller) => {
    try {
      return services.governance.addAgent({ name: p?.name, role: p?.role, model: p?.model, scope: p?.scope }, operatorOf(caller).name);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string') throw new CoreError(code, (err as Error).message);
      throw err;
    }
  });
}

export { loadConfig, testConfig, type Config } from './config';
