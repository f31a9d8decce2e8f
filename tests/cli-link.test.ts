// The CLI never works on the live database behind the running app's back (issue 14): with an app
// running on the data dir it logs in to the app's API and every change happens in that core (seen on
// its bus); with none running it starts a core of its own; a wrong password is refused with exit code 3.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCore, readRunFile, runFilePath, testConfig, type Core } from '../electron/core';
import { agentCommand } from '../electron/cli/commands/agent';
import { auditCommand } from '../electron/cli/commands/audit';
import { operatorCommand } from '../electron/cli/commands/operator';
import { OPERATOR, tempDir } from './helpers';

const BIN = path.resolve(__dirname, '../bin/aegisflow.mjs');
const PASSWORD = 'correct horse battery staple';
let t: ReturnType<typeof tempDir>;
let core: Core | null = null;
let out: string[];
let err: string[];

beforeEach(() => {
  t = tempDir('aegisflow-cli-link-');
  out = [];
  err = [];
  vi.stubEnv('AEGISFLOW__operators__scryptLogN', '12');
  vi.stubEnv('AEGISFLOW_OPERATOR', '');
  vi.stubEnv('AEGISFLOW_PASSWORD', PASSWORD);
});
afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await core?.stop();
  core = null;
  t.cleanup();
});

/** Run a command in process with its output captured. */
async function cli(cmd: typeof agentCommand, ...args: string[]): Promise<number> {
  out.length = 0;
  err.length = 0;
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    return await cmd.run([...args, '--data-dir', t.dir]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** bin/aegisflow.mjs in a child process: AEGISFLOW_PASSWORD (the login) and one line on stdin. */
function binCli(args: string[], loginPassword: string, stdin: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args, '--data-dir', t.dir], {
      env: { ...process.env, AEGISFLOW_OPERATOR: '', AEGISFLOW_PASSWORD: loginPassword, AEGISFLOW__operators__scryptLogN: '12' },
    });
    let o = '';
    let e = '';
    c.stdout.on('data', (d: Buffer) => (o += d.toString()));
    c.stderr.on('data', (d: Buffer) => (e += d.toString()));
    c.on('close', (code) => resolve({ code, out: o, err: e }));
    c.stdin.end(`${stdin}\n`);
  });
}

/** The app: a real core with HTTP on port 0 (no simulator: nothing here needs the plant). */
async function startApp(): Promise<Core> {
  core = createCore(testConfig(t.dir, { simulator: { enabled: false } }));
  await core.start();
  return core;
}

describe('the CLI and the running app', () => {
  it('the running app leaves a run file with its API, removed when it stops', async () => {
    const app = await startApp();
    const run = readRunFile(t.dir);
    expect(run).toMatchObject({ pid: process.pid, url: app.services.http?.url });
    expect(run?.setupCode).toBe(app.services.operators.setupCode());
    expect((fs.statSync(runFilePath(t.dir)).mode & 0o077).toString(8)).toBe('0');
    await app.stop();
    core = null;
    expect(fs.existsSync(runFilePath(t.dir))).toBe(false);
  });

  it('adds an agent and reads the audit through the app’s API as the logged-in operator; the change happens in the running core', async () => {
    const app = await startApp();
    await app.services.operators.registry.add({ name: 'Ada', password: PASSWORD, roles: ['admin'] });
    const seen: string[] = [];
    app.bus.on('agent.changed', (a) => seen.push('id' in a ? a.id : ''));

    expect(await cli(agentCommand, 'add', '--name', 'Diagnostics', '--id', 'diag', '--operator', 'Ada')).toBe(0);
    expect(out.join('')).toMatch(/added agent diag[\s\S]*afa_/);
    // The running core made the change (its bus, its registry), as the operator who logged in.
    expect(seen).toContain('diag');
    expect(app.services.governance.agents.get('diag')?.name).toBe('Diagnostics');
    const rows = await app.api.call('audit.query', { agentId: 'diag' }, OPERATOR);
    expect(rows.ok && rows.result.map((r) => r.actor)).toContain('Ada');
    expect(app.services.operators.registry.get('Ada')?.lastLogin).not.toBeNull();

    expect(await cli(agentCommand, 'pause', 'diag', '--reason', 'drill', '--operator', 'Ada')).toBe(0);
    expect(app.services.governance.agents.get('diag')?.status).toBe('paused');

    expect(await cli(auditCommand, 'verify', '--json', '--operator', 'Ada')).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ ok: true });
    expect(await cli(auditCommand, 'export', '--operator', 'Ada')).toBe(0);
    const lines = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; agentId?: string; kind?: string });
    expect(lines.filter((l) => l.type === 'row' && l.agentId === 'diag').length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)?.type).toBe('head');
    // The CLI logged out: the app holds no session for it any more.
    expect(app.services.operators.sessions.endFor(app.services.operators.registry.get('Ada')?.id ?? '', 'test')).toBe(0);
  });

  it('refuses a wrong password with a clear error and exit code 3, and changes nothing', async () => {
    const app = await startApp();
    await app.services.operators.registry.add({ name: 'Ada', password: PASSWORD, roles: ['admin'] });
    vi.stubEnv('AEGISFLOW_PASSWORD', 'not the password');
    expect(await cli(agentCommand, 'add', '--name', 'Sneaky', '--id', 'sneaky', '--operator', 'Ada')).toBe(3);
    expect(err.join('')).toMatch(/aegisflow agent: login refused for Ada: wrong name or password/);
    expect(app.services.governance.agents.get('sneaky')).toBeNull();
  });

  it('needs an operator while the app runs, and the role the request needs', async () => {
    const app = await startApp();
    await app.services.operators.registry.add({ name: 'Ada', password: PASSWORD, roles: ['admin'] });
    await app.services.operators.registry.add({ name: 'Vic', password: PASSWORD, roles: ['viewer'] });
    expect(await cli(agentCommand, 'list')).toBe(2);
    expect(err.join('')).toMatch(/the app runs on this data dir \(pid \d+, http:\/\/127\.0\.0\.1:\d+\): log in with --operator NAME/);
    expect(await cli(agentCommand, 'add', '--name', 'X', '--operator', 'Vic')).toBe(1);
    expect(err.join('')).toMatch(/agents\.create needs the admin role; Vic has viewer/);
    expect(await cli(agentCommand, 'list', '--json', '--operator', 'Vic')).toBe(0);
    expect((JSON.parse(out.join('')) as Array<{ id: string }>).map((a) => a.id)).toEqual(app.services.governance.agents.list().map((a) => a.id));
  });

  it('lets an operator who is not an admin change their own password (the login proves the current one)', async () => {
    const app = await startApp();
    await app.services.operators.registry.add({ name: 'Vic', password: PASSWORD, roles: ['viewer'] });
    const NEW = 'a brand new passphrase 2026';
    const r = await binCli(['operator', 'passwd', 'Vic', '--operator', 'Vic', '--password-stdin'], PASSWORD, NEW);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/password of Vic changed/);
    expect(await app.services.operators.registry.verify('Vic', NEW)).not.toBeNull();
    expect(await app.services.operators.registry.verify('Vic', PASSWORD)).toBeNull();
  }, 60_000);

  it('creates the first admin through the app’s one-time setup when no account exists (a real child process, password on stdin)', async () => {
    const app = await startApp();
    expect(app.services.operators.registry.count()).toBe(0);
    const r = await binCli(['operator', 'add', 'Root', '--password-stdin'], '', PASSWORD);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/added operator Root \(admin\)/);
    expect(app.services.operators.registry.get('Root')?.roles).toEqual(['admin']);
    expect(await app.services.operators.registry.verify('Root', PASSWORD)).not.toBeNull();
  }, 60_000);
});

describe('the CLI with no app running', () => {
  it('starts a core of its own (no run file, no ports), and the next app sees the change', async () => {
    expect(await cli(agentCommand, 'add', '--name', 'Offline', '--id', 'offline')).toBe(0);
    expect(fs.existsSync(runFilePath(t.dir))).toBe(false);
    const app = await startApp();
    expect(app.services.governance.agents.get('offline')?.name).toBe('Offline');
  });

  it('with --operator it logs in on its own core, and refuses a wrong password there too', async () => {
    expect(await cli(operatorCommand, 'list')).toBe(0);
    expect(out.join('')).toMatch(/no operator accounts yet/);
    const app = await startApp();
    await app.services.operators.registry.add({ name: 'Ada', password: PASSWORD, roles: ['admin'] });
    await app.stop();
    core = null;
    vi.stubEnv('AEGISFLOW_PASSWORD', 'wrong');
    expect(await cli(agentCommand, 'list', '--operator', 'Ada')).toBe(3);
    expect(err.join('')).toMatch(/login refused for Ada: wrong name or password/);
    vi.stubEnv('AEGISFLOW_PASSWORD', PASSWORD);
    expect(await cli(agentCommand, 'list', '--operator', 'Ada')).toBe(0);
  });

  it('a run file left by a process that has ended is stale: the CLI starts its own core', async () => {
    fs.writeFileSync(runFilePath(t.dir), JSON.stringify({ pid: 2 ** 22 + 12345, url: 'http://127.0.0.1:9', startedAt: 1, setupCode: null }));
    expect(readRunFile(t.dir)).toBeNull();
    expect(await cli(agentCommand, 'list')).toBe(0);
    expect(out.join('')).toMatch(/no agents registered/);
  });
});
