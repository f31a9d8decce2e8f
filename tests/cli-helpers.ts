// A sandbox for in-process CLI tests: a fresh data dir per test and the command's stdout and stderr captured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';

export interface CliSandbox {
  dir: string;
  out: string[];
  err: string[];
}

/** Registers beforeEach/afterEach in the calling file; read the fields inside tests. */
export function cliSandbox(prefix: string): CliSandbox {
  const box: CliSandbox = { dir: '', out: [], err: [] };
  beforeEach(() => {
    box.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    box.out = [];
    box.err = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (box.out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (box.err.push(String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(box.dir, { recursive: true, force: true });
  });
  return box;
}
