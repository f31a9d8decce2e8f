// Storage faults at start (issue 19): a read-only data directory and a full disk give one clear line,
// exit code 2 and a database that is whole (migrations roll back: no half-written rows), with nothing
// started. Needs root to mount a tiny tmpfs; skipped elsewhere (the corrupt-file case, which needs
// nothing, is in start-errors.test.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveUntilExit } from '../cli-helpers';
import { tempDir } from '../helpers';

const tmp = tempDir('aegis-storage-');
const mounts: string[] = [];

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = path.join(tmp.dir, 'probe');
  fs.mkdirSync(probe, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const mountable = canMount();

function tmpfs(name: string, sizeKb: number, ro = false): string {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k${ro ? ',ro' : ''}`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

beforeAll(() => {});
afterAll(() => {
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', [m], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
  tmp.cleanup();
});

describe.skipIf(!mountable)('storage faults at start (tmpfs)', () => {
  it('a read-only data directory: one line, exit 2', async () => {
    const dir = tmpfs('ro', 1024, true);
    const r = await serveUntilExit(['--data-dir', path.join(dir)]);
    expect(r.rc).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/read-only|no permission/);
  }, 40_000);

  it('a full disk: one line, exit 2, and what was written is a whole database', async () => {
    const dir = tmpfs('full', 96);
    const r = await serveUntilExit(['--data-dir', dir]);
    expect(r.rc).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/disk is full/);
    const file = path.join(dir, 'aegisflow.db');
    if (fs.existsSync(file)) {
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
    }
  }, 40_000);
});
