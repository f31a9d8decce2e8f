// Composition root. createCore only describes a core (no I/O: no database, no dataset, no keys);
// start() opens the store, builds every service with its dependencies passed in (wiring.ts), registers
// the requests and starts the services in order. Everything start() acquires hands back a disposer,
// and stop() runs them in reverse, so a core can start and stop again in one process without leaks.
// Runs in the Electron main process and in plain Node (serve, tests, benches, demo).
// Nothing under electron/core imports 'electron' (tests/core-boundary.test.ts enforces it).
import { createApi, type CoreApi } from './api';
import { registerDetectionApi } from './detect';
import { registerAlarmReportApi, registerAlarmTableApi } from './alarms';
import { createBus, type EventBus } from './bus';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { registerGovernanceApi } from './governance';
import { mountImmuneRoutes, mountMcpRoutes } from './http';
import { registerReadingsApi } from './ingest';
import { registerModelApi } from './model';
import { registerImmuneApi } from './immune';
import { plantView, registerPreviewApi, registerSimulatorApi } from './plant';
import { Annotations, registerAnnotationsApi, registerShiftApi, Shift } from './shift';
import { createScope, scopedApi, scopedBus, type Scope } from './lifecycle';
import { createLogger, createMasker, maskOptionsFromConfig, type Logger } from './observability';
import { registerAgentApi } from './agent';
import { registerOperatorsApi } from './operators';
import { registerMcpApi } from './mcp';
import type { Db } from './store';
import { openStorage, wireServices, type CoreServices } from './wiring';

export type { CoreServices, Lifecycle } from './wiring';
export type { Disposable } from './lifecycle';

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

export interface Core {
  config: Config;
  bus: EventBus;
  api: CoreApi;
  log: Logger;
  clock: Clock;
  /** The database of the current (or last) start; throws before the first start. */
  readonly db: Db;
  /** The services of the current (or last) start, so counters stay readable after stop; throws before the first start. */
  readonly services: CoreServices;
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

  let built: { db: Db; services: CoreServices } | null = null;
  let running: Scope | null = null;
  let starting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  const onDisposeError = (err: unknown, component: string) => log.error({ err, component }, 'stop failed');
  const notStarted = (what: string) => new Error(`core.${what} is there once core.start() has run`);

  const acquire = async (scope: Scope) => {
    // Storage first: a fault here is one clear StartError and there is nothing to undo.
    const db = openStorage(config, deps.nativeBinding);
    scope.add(() => void db.close(), 'database');
    const sbus = scopedBus(bus, scope);
    const sapi = scopedApi(api, scope);
    const { services, components } = wireServices({
      config,
      clock,
      log,
      mask,
      bus: sbus,
      api: sapi,
      db,
      nativeBinding: deps.nativeBinding,
      network: deps.network,
    });
    built = { db, services };
    registerRequests(sapi, sbus, services, db);
    for (const c of components) {
      const dispose = await c.start();
      if (dispose) scope.add(dispose, c.name);
    }
  };

  const registerRequests = (api: CoreApi, bus: EventBus, services: CoreServices, db: Db) => {
    const { operators, governance, immune, detection, alarms, mcp, agent, tracer, plant, live, ingest, readings, http: httpServer } = services;
    registerModelApi(api, services.model);
    registerReadingsApi(api, {
      live,
      ingest,
      readings,
      plant: plantView(plant),
      audit: ({ actor, connector, thumbprint, subject }) =>
        governance.audit.append({
          kind: 'CERT_TRUSTED',
          actor,
          reason: `trusted the server certificate of connector ${connector}`,
          detail: { connector, thumbprint, subject },
        }),
    });
    registerSimulatorApi(api, plant);
    registerPreviewApi(api, plant, {
      clock,
      asset: (id) => services.model.current.asset(id),
      approvalCommand: (id) => {
        const a = governance.approval(id);
        if (!a) return { code: 'not_found', problem: `no approval ${id}` };
        if (a.status !== 'pending') return { code: 'already_decided', problem: `approval ${id} is ${a.status}: nothing left to decide` };
        const { device_id, command, parameters } = a.args;
        if (a.tool !== 'execute_device_command' || typeof device_id !== 'string' || typeof command !== 'string')
          return { code: 'no_preview', problem: `approval ${id} is for ${a.tool}, not a device command: nothing to run through a device model` };
        return { deviceId: device_id, command, params: parameters && typeof parameters === 'object' ? (parameters as Record<string, unknown>) : {} };
      },
      notePreview: (id, hash) => governance.notePreview(id, hash),
    });
    registerOperatorsApi(api, operators, log.child({ component: 'operators' }));
    registerGovernanceApi(api, governance);
    registerImmuneApi(api, immune);
    if (httpServer) mountImmuneRoutes(httpServer, immune);
    registerDetectionApi(api, { detection, alarms });
    registerAlarmTableApi(api, services.alarmTable);
    registerMcpApi(api, mcp, db);
    if (httpServer) mountMcpRoutes(httpServer, mcp);
    const annotations = new Annotations({ db, clock, bus, mask, ports: { tagsOf: (id) => services.model.current.asset(id)?.tags.map((t) => t.key) } });
    registerAnnotationsApi(api, annotations);
    const shift = new Shift({
      db,
      clock,
      bus,
      mask,
      annotations,
      ports: {
        alarms: () => alarms.list(),
        pendingApprovals: () => governance.listApprovals('pending', 500),
        agents: () => governance.agents.list(),
        blockedSince: (ts) => governance.audit.query({ kind: 'BLOCKED', from: ts, limit: 1000 }),
        openEpisodes: () => detection?.active() ?? [],
        plantNow: () => plant?.simulator.plantTime() ?? null,
      },
    });
    registerShiftApi(api, shift);
    alarms.setPlantClock(() => plant?.simulator.plantTime() ?? null);
    registerAlarmReportApi(api, {
      db,
      config: config.alarms,
      plantNow: () => plant?.simulator.plantTime() ?? clock.now(),
      handovers: () => shift.handovers(100),
    });
    registerAgentApi(api, { agent, tracer, demo: { api, bus, clock, log: log.child({ component: 'demo' }), plant, governance, live, agent, tracer } });
  };

  const core: Core = {
    config,
    bus,
    api,
    log,
    clock,
    get db() {
      if (!built) throw notStarted('db');
      return built.db;
    },
    get services() {
      if (!built) throw notStarted('services');
      return built.services;
    },
    get started() {
      return running !== null;
    },
    start() {
      if (running) return Promise.resolve();
      starting ??= (async () => {
        if (stopping) await stopping;
        const scope = createScope();
        try {
          await acquire(scope);
        } catch (err) {
          // A StartError from the store is the whole story; anything later gets the log line too.
          if (scope.size > 0) log.error({ err }, 'start failed; stopping what started');
          await scope.dispose(onDisposeError);
          throw err;
        }
        running = scope;
        log.info({ dataDir: config.dataDir }, 'core started');
      })().finally(() => {
        starting = null;
      });
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        if (starting) await starting.catch(() => {});
        const scope = running;
        if (!scope) return;
        await scope.dispose(onDisposeError);
        running = null;
        log.info('core stopped');
      })().finally(() => {
        stopping = null;
      });
      return stopping;
    },
  };
  return core;
}

export { loadConfig, testConfig, type Config } from './config';
export { toErrorInfo } from './api';
export { readRunFile, runFilePath, type RunInfo } from './runfile';
export { verifyExportFile } from './governance';
