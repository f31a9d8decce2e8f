// aegisflow operator, run as a person would from a terminal: the password on stdin of a real child
// process; the subcommands without a password in process (quicker).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { operatorCommand } from './operator';

const BIN = path.resolve(__dirname, '../../../bin/aegisflow.mjs');
let dir: string;
let out: string[];
let err: string[];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-op-cli-'));
  out = [];
  err = [];
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const child = (args: string[], input: string) => {
  const r = spawnSync(process.execPath, [BIN, 'operator', ...args, '--data-dir', dir], {
    input,
    encoding: 'utf8',
    env: { ...process.env, AEGISFLOW__operators__scryptLogN: '10' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const run = async (...args: string[]) => {
  out.length = 0;
  err.length = 0;
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    return await operatorCommand.run([...args, '--data-dir', dir]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
};

describe('aegisflow operator', () => {
  it('adds, lists, re-roles and removes accounts; the password comes from stdin and is stored only hashed', async () => {
    expect(child(['add', 'Dana Reyes', '--roles', 'admin', '--password-stdin'], 'correct horse battery\n')).toMatchObject({
      code: 0,
      out: 'added operator Dana Reyes (admin)\n',
    });
    expect(child(['add', 'lee park', '--roles', 'operator,shift_lead', '--password-stdin'], 'x\n')).toMatchObject({
      code: 1,
      err: expect.stringMatching(/at least 8 characters/),
    });
    expect(child(['add', 'Lee Park', '--roles', 'operator,shift_lead', '--password-stdin'], 'lee password 1\n').code).toBe(0);
    const db = new Database(path.join(dir, 'aegisflow.db'), { readonly: true });
    expect(JSON.stringify(db.prepare('SELECT * FROM ops_operators').all())).not.toMatch(/correct horse|lee password/);
    db.close();

    expect(await run('list', '--json')).toBe(0);
    const listed = JSON.parse(out.join('')) as Array<{ name: string; roles: string[] }>;
    expect(listed.map((o) => [o.name, o.roles])).toEqual([
      ['Dana Reyes', ['admin']],
      ['Lee Park', ['operator', 'shift_lead']],
    ]);
    expect([await run('roles', 'Lee Park', 'viewer'), out.join('')]).toEqual([0, 'Lee Park now has viewer\n']);
    // Clear errors, no stack traces: the last admin, a password with no terminal to ask on.
    expect([await run('remove', 'Dana Reyes'), err.join('')]).toEqual([1, expect.stringMatching(/last admin/)]);
    expect([await run('remove', 'Lee Park'), out.join('')]).toEqual([0, 'removed operator Lee Park\n']);
    expect([await run('--help'), out.join('')]).toEqual([0, expect.stringMatching(/Roles: viewer \(read only\) < operator/)]);
  });
});
