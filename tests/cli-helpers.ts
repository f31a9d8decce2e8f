// A sandbox for in-process CLI tests: a fresh data dir per test and the command's stdout and stderr captured;
// and `aegisflow serve` as a child process, for the start errors only a real process shows.
import { spawn } from 'node:child_process';
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

export const BIN = path.resolve(__dirname, '../bin/aegisflow.mjs');

/**
 * Run `aegisflow serve` (ports 0, no simulator, silent; `args` added last) until it exits, or 30 s: a
 * start that does not fail is killed and reported as rc null.
 */
export function serveUntilExit(args: string[]): Promise<{ rc: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      [BIN, 'serve', '--http-port', '0', '--mqtt-port', '0', '--no-mqtt-ws', '--no-simulator', '--log-level', 'silent', ...args],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ rc: code, stderr: err });
    });
  });
}
