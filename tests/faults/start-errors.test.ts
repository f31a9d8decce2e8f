// Findings (issue 19): a bad start printed a stack trace or nothing at all (a typo in the config file
// was ignored; a corrupt database file crashed with a trace). Every start error is one clear line on
// stderr and exit code 2, and nothing is written to a database that could not be opened.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';

const BIN = path.resolve(__dirname, '../../bin/aegisflow.mjs');
const tmp = tempDir('aegis-start-');
afterAll(() => tmp.cleanup());

/** Run `aegisflow serve` until it exits (or 30 s: a start that does not fail is killed and reported as rc null). */
function serve(args: string[]): Promise<{ rc: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      [BIN, 'serve', '--http-port', '0', '--mqtt-port', '0', '--no-mqtt-ws', '--no-simulator', '--log-level', 'silent', ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
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

const oneLine = (s: string) => s.trim().split('\n');

describe('start errors: one clear line, exit code 2', () => {
  it('an unknown key in the config file names it and suggests the right one', async () => {
    const file = path.join(tmp.dir, 'typo.yaml');
    fs.writeFileSync(file, 'ingest:\n  flushMS: 10\n');
    const r = await serve(['-c', file, '--data-dir', path.join(tmp.dir, 'd1')]);
    expect(r.rc).toBe(2);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/ingest\.flushMS.*did you mean "flushMs"/);
  }, 40_000);

  it('a corrupt database file: one line naming the file, exit 2, the file left as it was', async () => {
    const dir = path.join(tmp.dir, 'd2');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'aegisflow.db');
    const junk = crypto.randomBytes(8192);
    fs.writeFileSync(file, junk);
    const r = await serve(['--data-dir', dir]);
    expect(r.rc).toBe(2);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readFileSync(file).equals(junk)).toBe(true);
  }, 40_000);

  it('a port already in use: one line, exit 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await serve(['--data-dir', path.join(tmp.dir, 'd3'), '--http-port', String(port)]);
      expect(r.rc).toBe(2);
      expect(oneLine(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`${port}.*in use|in use.*${port}`));
    } finally {
      blocker.close();
    }
  }, 40_000);
});
