// WAL checkpoints off the main thread.
//
// SQLite's automatic checkpoint runs inside the commit that crosses 1000 WAL pages: it copies those
// pages into the database file and syncs it, ~5 ms here, on whichever thread committed — the main
// thread, where ingest, the gateway's audit chain and every MCP call live. In bench:mcp those stalls
// were most of the governed p99 (10.9 → 8.3 ms without them). So the main connection turns automatic
// checkpoints off and a worker thread with its own connection runs PASSIVE checkpoints on a timer: they
// never block the writer or readers, and the main thread never waits for the disk.
//
// If the worker cannot start or dies, the main connection gets automatic checkpoints back: a slower
// commit now and then, never an ever-growing WAL. The worker closes before the main connection, so the
// main connection's close is the last one and removes the WAL as usual.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './database';

export interface CheckpointerOptions {
  /** Database file (not ':memory:'). */
  file: string;
  /** The better_sqlite3.node the main connection uses (Electron's ABI), if not the bundled one. */
  nativeBinding?: string;
  intervalMs?: number;
  /** Warnings (the worker failed, automatic checkpoints restored). */
  onWarn?: (msg: string, err?: unknown) => void;
}

export interface CheckpointStats {
  /** PASSIVE checkpoints run, and WAL pages copied by them. */
  runs: number;
  pages: number;
  /** WAL size in pages at the last checkpoint. */
  walPages: number;
  /** 'worker' while the worker runs; 'inline' after a fallback to automatic checkpoints. */
  mode: 'worker' | 'inline';
}

export interface Checkpointer {
  stats(): CheckpointStats;
  /** Stop the worker (its connection closes); resolves when it has exited. */
  stop(): Promise<void>;
}

/** SQLite's default: what the main connection goes back to without the worker. */
const AUTO_PAGES = 1000;

// The worker, as CommonJS source: it needs only better-sqlite3, whose path the main thread resolves
// (a bundled main process has no node_modules next to an eval'd worker).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true, nativeBinding: workerData.nativeBinding });
db.pragma('busy_timeout = 100');
const run = () => {
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ type: 'ran', log: r.log, checkpointed: r.checkpointed, busy: r.busy });
  } catch (err) {
    parentPort.postMessage({ type: 'failed', error: String(err && err.message || err) });
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage({ type: 'ready' });
`;

export function startCheckpointer(db: Db, opts: CheckpointerOptions): Checkpointer {
  const stats: CheckpointStats = { runs: 0, pages: 0, walPages: 0, mode: 'worker' };
  const warn = opts.onWarn ?? (() => {});
  let stopping = false;
  const fallback = (why: string, err?: unknown) => {
    if (stats.mode === 'inline' || stopping) return;
    stats.mode = 'inline';
    try {
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_PAGES}`);
    } catch {
      // the database is closing
    }
    warn(`WAL checkpoint worker ${why}; automatic checkpoints are back on the main connection`, err);
  };
  let worker: Worker;
  try {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, file: opts.file, nativeBinding: opts.nativeBinding, intervalMs: opts.intervalMs ?? 250 },
    });
  } catch (err) {
    fallback('could not start', err);
    return { stats: () => ({ ...stats }), stop: async () => {} };
  }
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: { type: string; log?: number; checkpointed?: number; error?: string }) => {
    if (m.type === 'ready') {
      // Only now: until the worker runs, the main connection keeps its automatic checkpoints.
      if (!stopping && stats.mode === 'worker') db.pragma('wal_autocheckpoint = 0');
    } else if (m.type === 'ran') {
      stats.runs++;
      stats.pages += m.checkpointed ?? 0;
      stats.walPages = m.log ?? 0;
    } else if (m.type === 'failed') {
      warn(`WAL checkpoint failed: ${m.error}`);
    }
  });
  worker.on('error', (err) => fallback('failed', err));
  worker.on('exit', (code) => {
    if (!stopping) fallback(`exited (code ${code})`);
  });
  return {
    stats: () => ({ ...stats }),
    async stop() {
      if (stopping) return exited;
      stopping = true;
      try {
        if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_PAGES}`);
      } catch {
        // closing
      }
      // Keep the process alive until the worker has closed its connection (it is unref'd while it runs).
      worker.ref();
      worker.postMessage('stop');
      // A worker stuck in a checkpoint must not hold up shutdown.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)));
      await Promise.race([exited, timeout]);
      clearTimeout(timer);
      await worker.terminate().catch(() => {});
    },
  };
}
