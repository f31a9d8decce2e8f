import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from '../../../tests/cli-helpers';
import { agentCommand } from './agent';
import { auditCommand, parseSince } from './audit';

const box = cliSandbox('aegis-agent-cli-');

const run = (cmd: typeof agentCommand, ...args: string[]) => cmd.run([...args, '--data-dir', box.dir]);

describe('aegisflow agent / audit', () => {
  it('adds agents showing the token once, pauses and revives them, and exports the manifest as YAML', async () => {
    expect(await run(agentCommand, 'add', '--name', 'Diagnostics', '--id', 'diag', '--model', 'llama3.2')).toBe(0);
    const token = /afa_[A-Za-z0-9_-]+/.exec(box.out.join(''))![0];
    expect(await run(agentCommand, 'add', '--name', 'Line 2', '--id', 'line2', '--lines', 'line-2', '--tool-groups', 'read')).toBe(0);
    const db = new Database(path.join(box.dir, 'aegisflow.db'), { readonly: true });
    expect(JSON.stringify(db.prepare('SELECT * FROM gov_agents').all())).not.toContain(token);
    db.close();

    box.out.length = 0;
    expect(await run(agentCommand, 'pause', 'diag', '--reason', 'drill')).toBe(0);
    expect(await run(agentCommand, 'list', '--json')).toBe(0);
    const listed = JSON.parse(box.out.slice(1).join('')) as Array<{ id: string; status: string; scope: object }>;
    expect(listed.map((a) => [a.id, a.status])).toEqual([
      ['diag', 'paused'],
      ['line2', 'active'],
    ]);
    expect(await run(agentCommand, 'revive', 'diag')).toBe(0);

    const file = path.join(box.dir, 'agents.yaml');
    expect(await run(agentCommand, 'manifest', '--format', 'yaml', '--out', file)).toBe(0);
    const m = YAML.parse(fs.readFileSync(file, 'utf8')) as { agents: Array<{ id: string; status: string; tools: Array<{ tool: string; decision: string }> }> };
    const line2 = m.agents.find((a) => a.id === 'line2')!;
    expect(line2.tools.find((t) => t.tool === 'get_device_status')!.decision).toBe('ALLOW');
    expect(line2.tools.find((t) => t.tool === 'execute_device_command')!.decision).toBe('BLOCK');
    expect(m.agents.find((a) => a.id === 'diag')!.status).toBe('active');
  });

  it('limits an agent to areas of the plant model (--areas), and lists them', async () => {
    expect(await run(agentCommand, 'add', '--name', 'Area watcher', '--id', 'areaw', '--areas', 'production', '--tool-groups', 'read')).toBe(0);
    box.out.length = 0;
    expect(await run(agentCommand, 'list', '--json')).toBe(0);
    const listed = JSON.parse(box.out.join('')) as Array<{ id: string; scope: { areas?: string[] } }>;
    expect(listed.find((a) => a.id === 'areaw')?.scope.areas).toEqual(['production']);
    box.out.length = 0;
    expect(await run(agentCommand, 'list')).toBe(0);
    expect(box.out.join('')).toMatch(/areaw.*scope: areas=production tools=read/);
    // an area the plant model lacks would grant nothing: refused as the typo it is
    expect(await run(agentCommand, 'add', '--name', 'Typo', '--id', 'typo', '--areas', 'prodution')).toBe(1);
    expect(box.err.join('')).toContain('prodution is not an area of the plant model');
  });

  it('restore lifts what the immune system imposed (reduced autonomy, revoked tools), audited', async () => {
    expect(await run(agentCommand, 'add', '--name', 'Diagnostics', '--id', 'diag')).toBe(0);
    // As the running app's immune system would: written to the database by another connection.
    const db = new Database(path.join(box.dir, 'aegisflow.db'));
    db.prepare(`UPDATE gov_agents SET reduced_autonomy = 1, revoked_tools_json = '["get_sensor_stream"]' WHERE id = 'diag'`).run();
    db.close();
    box.out.length = 0;
    expect(await run(agentCommand, 'restore', 'diag')).toBe(0);
    expect(box.out.join('')).toBe('restored diag: full autonomy back; tools back: get_sensor_stream\n');
    expect(await run(agentCommand, 'list', '--json')).toBe(0);
    const listed = JSON.parse(box.out.slice(1).join('')) as Array<{ reducedAutonomy: boolean; revokedTools: string[] }>;
    expect(listed[0]).toMatchObject({ reducedAutonomy: false, revokedTools: [] });
    box.out.length = 0;
    expect(await run(agentCommand, 'restore', 'diag')).toBe(0);
    expect(box.out.join('')).toBe('diag had no limits to lift\n');
  });

  it('answers a clear error for an unknown agent or a missing flag', async () => {
    expect(await run(agentCommand, 'pause', 'ghost')).toBe(1);
    expect(box.err.join('')).toContain('no agent ghost');
    expect(await run(agentCommand, 'add')).toBe(2);
    expect(box.err.join('')).toContain('--name is required');
  });

  it('verifies the chain, names the row edited behind its back, and exports JSONL with the signed head', async () => {
    await run(agentCommand, 'add', '--name', 'A', '--id', 'a');
    await run(agentCommand, 'pause', 'a');
    await run(agentCommand, 'revive', 'a');
    box.out.length = 0;
    expect(await run(auditCommand, 'verify')).toBe(0);
    expect(box.out.join('')).toContain('audit chain intact');

    const jsonl = path.join(box.dir, 'audit.jsonl');
    expect(await run(auditCommand, 'export', '--since', '1h', '--out', jsonl)).toBe(0);
    const lines = fs
      .readFileSync(jsonl, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; kind?: string; seq: number });
    expect(lines.filter((l) => l.type === 'row').map((l) => l.kind)).toEqual(expect.arrayContaining(['AGENT_ADDED', 'KILLED', 'REVIVED']));
    expect(lines[lines.length - 1].type).toBe('head');

    const db = new Database(path.join(box.dir, 'aegisflow.db'));
    const killed = db.prepare(`SELECT seq FROM gov_audit WHERE kind = 'KILLED'`).get() as { seq: number };
    db.exec('DROP TRIGGER gov_audit_no_update'); // an attacker with the file drops the guard first
    db.prepare(`UPDATE gov_audit SET actor = 'nobody' WHERE seq = ?`).run(killed.seq);
    db.close();
    box.out.length = 0;
    expect(await run(auditCommand, 'verify')).toBe(1);
    expect(box.out.join('')).toContain(`AUDIT CHAIN BROKEN at row ${killed.seq}`);
  });

  it('reads --since as an age, epoch ms or ISO time', () => {
    const now = Date.UTC(2026, 10, 29, 12);
    expect(parseSince('24h', now)).toBe(now - 86_400_000);
    expect(parseSince('1700000000000', now)).toBe(1_700_000_000_000);
    expect(parseSince('2026-11-29T00:00:00Z', now)).toBe(Date.UTC(2026, 10, 29));
    expect(() => parseSince('yesterday', now)).toThrow(/cannot read/);
  });
});
