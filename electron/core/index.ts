// Composition root. Builds every service with its dependencies passed in; no import-time
// singletons. Runs in the Electron main process and in plain Node (serve, tests, benches, demo).
// Nothing under electron/core imports 'electron' (tests/core-boundary.test.ts enforces it).
import fs from 'node:fs';
import { createApi, type CoreApi } from './api';
import { createBus, type EventBus } from './bus';
import { systemClock, type Clock } from './clock';
import { databasePath, type Config } from './config';
import { createLogger, type Logger } from './observability';
import {
  applyMigrations,
  createReadingsRepository,
  openDatabase,
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
  const log = deps.logger ?? createLogger({ level: config.log.level, destination: config.log.destination });
  const bus = createBus((name, err) => log.error({ err, event: name }, 'event listener failed'));
  const api = createApi();

  fs.mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(databasePath(config), { nativeBinding: deps.nativeBinding });
  const migrations: Migration[] = [...readingsMigrations];
  applyMigrations(db, migrations);

  const readings = createReadingsRepository(db);
  const services: CoreServices = { readings };
  const components: Lifecycle[] = [];

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
