// Shared set-up for governance tests: a real SQLite file in a temp dir, the real default policy,
// a manual clock, and a publisher that records what reached "the broker" and answers as the device
// would (accepted, unless a test sets deviceReply).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandMessage } from '../../edge/verifier';
import { createBus, type EventBus } from '../bus';
import { manualClock } from '../clock';
import { createLogger } from '../observability';
import { applyMigrations, openDatabase, type Db } from '../store';
import { Gateway, type GovernanceDeps, type GovernanceOptions } from './gateway';
import { governanceMigrations } from './migrations';
import type { DeviceReply } from './ports';

export const DEFAULT_POLICY_FILE = path.resolve(__dirname, '../../../resources/policies/default.yaml');
export const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

export interface Harness {
  dir: string;
  dbFile: string;
  db: Db;
  clock: ReturnType<typeof manualClock>;
  bus: EventBus;
  gateway: Gateway;
  published: Array<{ deviceId: string; message: CommandMessage }>;
  /** What the "device" answers to the next commands. */
  deviceReply: DeviceReply;
  policyFile: string;
  close(): void;
}

/** `deviceCommands`: the plant's command model, when a test needs parameters checked before anything is published. */
export function harness(over: Partial<GovernanceOptions> = {}, policyText?: string, ports: Pick<GovernanceDeps, 'deviceCommands' | 'plant'> = {}): Harness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-gov-'));
  const policyFile = path.join(dir, 'policy.yaml');
  fs.writeFileSync(policyFile, policyText ?? fs.readFileSync(DEFAULT_POLICY_FILE, 'utf8'));
  const dbFile = path.join(dir, 'aegisflow.db');
  const db = openDatabase(dbFile);
  applyMigrations(db, governanceMigrations);
  const clock = manualClock(T0);
  const bus = createBus();
  const published: Harness['published'] = [];
  const state: { deviceReply: DeviceReply } = { deviceReply: { status: 'accepted' } };
  const gateway = new Gateway(
    {
      db,
      clock,
      log: createLogger({ level: 'silent' }),
      bus,
      publishCommand: async (deviceId, message) => {
        published.push({ deviceId, message });
        return state.deviceReply;
      },
      ...ports,
    },
    {
      dataDir: dir,
      policyFile,
      watchPolicy: false,
      reloadDebounceMs: 10,
      tokenTtlS: 60,
      sweepIntervalMs: 60_000,
      progressIntervalMs: 10,
      promoteIgnoreArgs: ['justification'],
      audit: { signEvery: 5 },
      ...over,
    },
  );
  return {
    dir,
    dbFile,
    db,
    clock,
    bus,
    gateway,
    published,
    get deviceReply() {
      return state.deviceReply;
    },
    set deviceReply(r: DeviceReply) {
      state.deviceReply = r;
    },
    policyFile,
    close() {
      gateway.stop();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const reduceLoad = (device = 'line-1/compressor-01', pct = 50) => ({
  device_id: device,
  command: 'reduce_load',
  params: { reduction_pct: pct },
  justification: 'temperature rising; SOP 2.1 says reduce load first',
});
