// Test kit: a real immune service on a real SQLite file in a temp dir, with a manual clock and a
// seeded simulated fleet. Unless the caller brings its own control, a real governance gateway on the
// same database and clock provides it (healing approvals live in governance's approval queue).
// Used by the immune tests and nothing else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBus, type EventBus } from '../bus';
import { manualClock } from '../clock';
import { Gateway, governanceMigrations, type GovernanceOptions } from '../governance';
import { createLogger, MaskingConfigSchema, maskOptionsFromConfig } from '../observability';
import { applyMigrations, openDatabase, type Db } from '../store';
import { ImmuneConfigSchema } from './config';
import { createSimulatedFleet, type SimulatedFleet } from './fleet';
import { createGovernanceControl } from './governance-control';
import type { AgentControl } from './ports';
import { immuneMigrations } from './repository';
import { ImmuneService } from './service';

export interface Rig {
  dir: string;
  file: string;
  db: Db;
  clock: ReturnType<typeof manualClock>;
  bus: EventBus;
  fleet: SimulatedFleet;
  immune: ImmuneService;
  /** The governance gateway the kit built (null when the caller brought its own control). */
  gateway: Gateway | null;
  /** Advance one second, tick the fleet, let healing run. */
  step(n?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The gateway's options as the app's defaults give them for a data dir (the governance section's
 * defaults, the bundled policy unless the dir holds a promoted copy), with the policy watcher off.
 */
function governanceDefaults(dir: string): GovernanceOptions {
  const copy = path.join(dir, 'policy.yaml');
  return {
    dataDir: dir,
    policyFile: fs.existsSync(copy) ? copy : path.resolve(__dirname, '../../../resources/policies/default.yaml'),
    policyCopy: copy,
    watchPolicy: false,
    reloadDebounceMs: 250,
    tokenTtlS: 60,
    collectWindowS: 120,
    sweepIntervalMs: 1000,
    progressIntervalMs: 5000,
    promoteIgnoreArgs: ['justification', 'reason', 'notes', 'comment'],
    audit: { signEvery: 1000, signIntervalMs: 60_000 },
    masking: maskOptionsFromConfig(MaskingConfigSchema.parse({})),
  };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-immune-'));
}

export function openRig(
  opts: {
    dir?: string;
    config?: Record<string, unknown>;
    fleetSize?: number;
    seed?: number;
    control?: AgentControl | ((db: Db, clock: ReturnType<typeof manualClock>, bus: EventBus) => AgentControl);
    startMs?: number;
  } = {},
): Rig {
  const dir = opts.dir ?? tempDir();
  const file = path.join(dir, 'aegisflow.db');
  const db = openDatabase(file);
  applyMigrations(db, immuneMigrations);
  const clock = manualClock(opts.startMs ?? Date.UTC(2026, 0, 1));
  const bus = createBus();
  const config = ImmuneConfigSchema.parse({
    fleet: { enabled: false },
    healing: { stepDelayMs: 0, verifyTimeoutMs: 60_000, ackTimeoutMs: 5_000 },
    vitals: { flushMs: 1_000_000 },
    ...opts.config,
  });
  const fleet = createSimulatedFleet({ size: opts.fleetSize ?? 4, seed: opts.seed ?? 3 });
  // A factory lets the caller build governance on the same database and clock first.
  let gateway: Gateway | null = null;
  let control: AgentControl | undefined;
  if (typeof opts.control === 'function') control = opts.control(db, clock, bus);
  else if (opts.control) control = opts.control;
  else {
    applyMigrations(db, governanceMigrations);
    gateway = new Gateway({ db, clock, log: createLogger({ level: 'silent' }), bus }, governanceDefaults(dir));
    control = createGovernanceControl(gateway);
  }
  const immune = new ImmuneService({ db, config, clock, log: createLogger({ level: 'silent' }), bus, fleet, control, dataDir: dir });
  const rig: Rig = {
    dir,
    file,
    db,
    clock,
    bus,
    fleet,
    immune,
    gateway,
    async step(n = 1) {
      for (let i = 0; i < n; i++) {
        clock.advance(1000);
        immune.tickFleet();
        await new Promise<void>((r) => setImmediate(r));
      }
    },
    async close() {
      await immune.stop();
      gateway?.stop();
      db.close();
    },
  };
  return rig;
}
