// Composition root. createCore only describes a core (no I/O: no database, no dataset, no keys);
// start() opens the store, builds every service with its dependencies passed in (wiring.ts), registers
// the requests and starts the services in order. Everything start() acquires hands back a disposer,
// and stop() runs them in reverse, so a core can start and stop again in one process without leaks.
// Runs in the Electron main process and in plain Node (serve, tests, benches, demo).
// Nothing under electron/core imports 'electron' (tests/core-boundary.test.ts enforces it).
import { CoreError, createApi, operatorOf, type CoreApi } from './api';
import { registerDetectionApi } from './detect';
import { createBus, type EventBus } from './bus';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { DEVICE_IDS } from '../../shared/domain';
import { neutralizeDeep } from '../../shared/text';
import type { ReadingColumns } from '../../shared/contract';
import { registerGovernanceApi } from './governance';
import { stripTs } from './ingest';
import { mountImmuneRoutes, registerImmuneApi } from './immune';
import { createScope, scopedApi, scopedBus, type Scope } from './lifecycle';
import { createLogger, createMasker, maskOptionsFromConfig, type Logger } from './observability';
import { registerAgentApi } from './agent';
import { registerOperatorsApi } from './operators';
import { createIncidentRepository, registerMcpApi } from './mcp';
import type { Db } from './store';
import { openStorage, wireServices, type CoreServices } from './wiring';

export type { CoreServices, Lifecycle } from './wiring';
export type { Disposable } from './lifecycle';

export interface CoreDeps {
  clock?: Clock;
  logger?: Logger;
  /** better-sqlite3 native binding built for Electron's ABI (set by the Electron main process). */
  nativeBinding?: string;
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
    const { services, components } = wireServices({ config, clock, log, mask, bus: sbus, api: sapi, db, nativeBinding: deps.nativeBinding });
    built = { db, services };
    registerRequests(sapi, sbus, services, db);
    for (const c of components) {
      const dispose = await c.start();
      if (dispose) scope.add(dispose, c.name);
    }
  };

  const registerRequests = (api: CoreApi, bus: EventBus, services: CoreServices, db: Db) => {
    const { operators, governance, immune, detection, alarms, mcp, agent, tracer, plant, live, http: httpServer } = services;
    registerPlantApi(api, services);
    registerOperatorsApi(api, operators, log.child({ component: 'operators' }));
    registerGovernanceApi(api, governance);
    registerImmuneApi(api, immune);
    if (httpServer) mountImmuneRoutes(httpServer, immune);
    registerDetectionApi(api, { detection, alarms });
    registerMcpApi(api, mcp);
    if (httpServer) mcp.mount(httpServer);
    registerControlRoomApi(api, services, db);
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
