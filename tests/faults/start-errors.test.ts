// Findings (issue 19): a bad start printed a stack trace or nothing at all (a typo in the config file
// was ignored; a corrupt database file crashed with a trace). Every start error is one clear line on
// stderr and exit code 2, and nothing is written to a database that could not be opened.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveUntilExit } from '../cli-helpers';
import { tempDir } from '../helpers';

const tmp = tempDir('aegis-start-');
afterAll(() => tmp.cleanup());

const oneLine = (s: string) => s.trim().split('\n');

describe('start errors: one clear line, exit code 2', () => {
  it('an unknown key in the config file names it and suggests the right one', async () => {
    const file = path.join(tmp.dir, 'typo.yaml');
    fs.writeFileSync(file, 'ingest:\n  flushMS: 10\n');
    const r = await serveUntilExit(['-c', file, '--data-dir', path.join(tmp.dir, 'd1')]);
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
    const r = await serveUntilExit(['--data-dir', dir]);
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
      const r = await serveUntilExit(['--data-dir', path.join(tmp.dir, 'd3'), '--http-port', String(port)]);
      expect(r.rc).toBe(2);
      expect(oneLine(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`${port}.*in use|in use.*${port}`));
    } finally {
      blocker.close();
    }
  }, 40_000);
});
