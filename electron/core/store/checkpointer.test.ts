import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../tests/helpers';
import { startCheckpointer } from './checkpointer';
import { openDatabase, type Db } from './database';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function open(): { db: Db; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-ckpt-'));
  dirs.push(dir);
  const file = path.join(dir, 'x.db');
  const db = openDatabase(file);
  dbs.push(db);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  return { db, file };
}

const autoPages = (db: Db) => db.pragma('wal_autocheckpoint', { simple: true });

describe('WAL checkpoints on a worker thread', () => {
  it('turns automatic checkpoints off on the main connection and keeps the WAL from growing', async () => {
    const { db, file } = open();
    const warnings: string[] = [];
    const ck = startCheckpointer(db, { file, intervalMs: 20, onWarn: (m) => warnings.push(m) });
    await waitFor(() => autoPages(db) === 0, 'the worker to take over');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const many = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) insert.run('x'.repeat(400));
    });
    // ~3000 pages in small commits, as ingest and the audit chain write.
    for (let i = 0; i < 300; i++) {
      many(100);
      if (i % 30 === 0) await new Promise((r) => setTimeout(r, 25));
    }
    await waitFor(() => ck.stats().pages >= 2500, 'the worker to checkpoint what was written');
    expect(ck.stats()).toMatchObject({ mode: 'worker' });
    // The WAL was reset and reused instead of growing past everything written.
    // Without the worker (and with automatic checkpoints off) the WAL would hold every page written.
    expect(fs.statSync(`${file}-wal`).size).toBeLessThan((ck.stats().pages * 4096) / 3);
    await ck.stop();
    expect(autoPages(db)).toBe(1000);
    db.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false); // the main connection closed last and removed it
    expect(warnings).toEqual([]);
  });

  it('lets a process that stops it exit normally (the worker is waited for, not abandoned)', () => {
    const { file } = open();
    const script = path.join(path.dirname(file), 'stop.mts');
    const here = path.dirname(new URL(import.meta.url).pathname);
    fs.writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(path.join(here, 'database.ts'))};
import { startCheckpointer } from ${JSON.stringify(path.join(here, 'checkpointer.ts'))};
const db = openDatabase(${JSON.stringify(file)});
const ck = startCheckpointer(db, { file: ${JSON.stringify(file)}, intervalMs: 10 });
await new Promise((r) => setTimeout(r, 100));
await ck.stop();
db.close();
console.log('stopped', ck.stats().mode);
`,
    );
    // Nothing but the checkpointer's stop() is pending at the end: an unref'd worker would leave the
    // top-level await unsettled and Node would exit with code 13.
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('stopped worker');
    expect(r.status).toBe(0);
  });

  it('gives automatic checkpoints back to the main connection when the worker cannot run', async () => {
    const { db } = open();
    const warnings: string[] = [];
    const ck = startCheckpointer(db, { file: '/nonexistent/dir/none.db', intervalMs: 20, onWarn: (m) => warnings.push(m) });
    await waitFor(() => ck.stats().mode === 'inline', 'the fallback');
    expect(autoPages(db)).toBe(1000);
    expect(warnings.join('\n')).toMatch(/automatic checkpoints are back/);
    await ck.stop();
  });
});
