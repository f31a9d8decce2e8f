// Findings (issue 19): non-object tool arguments got -32603 (internal error) instead of -32602
// (invalid params); the stdio bridge failed messages that arrived before the initialize reply and did
// not answer non-JSON lines; /api/v1/governance/check accepted ~900 KB of arguments and kept
// text-direction and control characters in what the operator sees (approval cards, audit);
// `audit verify` said "intact" without saying that the rows after the last signed head are unproven.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ErrorCode, McpError, CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMemoryClient, startRig, waitFor, type McpRig } from '../mcp-helpers';
import { OPERATOR } from '../helpers';

const BIN = path.resolve(__dirname, '../../bin/aegisflow.mjs');
let rig: McpRig;
beforeAll(async () => {
  rig = await startRig({ simulator: { enabled: false }, governance: { audit: { signIntervalMs: 0, signEvery: 0 } } });
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

const check = (body: unknown) =>
  fetch(`${rig.core.services.http!.url}/api/v1/governance/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rig.token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('JSON-RPC error codes', () => {
  it('non-object tool arguments are invalid params (-32602), not an internal error', async () => {
    const client = await inMemoryClient(rig);
    for (const args of ['not an object', 42, [1, 2], null]) {
      const err = await client.request({ method: 'tools/call', params: { name: 'list_devices', arguments: args as never } }, CallToolResultSchema).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `arguments ${JSON.stringify(args)}`).toBeInstanceOf(McpError);
      expect((err as McpError).code, `arguments ${JSON.stringify(args)}`).toBe(ErrorCode.InvalidParams);
    }
    await client.close();
  });
});

describe('stdio bridge', () => {
  it('queues messages that arrive before the initialize reply and answers a non-JSON line with a parse error', async () => {
    const p = spawn(process.execPath, [BIN, 'mcp', '--agent', 'diag', '--url', rig.mcpUrl], {
      env: { ...process.env, AEGISFLOW_AGENT_TOKEN: rig.token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const replies: Array<Record<string, unknown>> = [];
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) replies.push(JSON.parse(line));
      }
    });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      // A pipelined client: everything in one write, without waiting for the initialize reply.
      const msgs = [
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipelined', version: '1' } },
        },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_devices', arguments: {} } },
      ];
      p.stdin.write(msgs.map((m) => JSON.stringify(m)).join('\n') + '\nthis is not json\n');
      await waitFor(() => replies.length >= 4, 'four replies', 20_000).catch(() => {});
      const byId = new Map(replies.map((r) => [r.id, r]));
      expect(byId.get(1)?.result, stderr).toBeTruthy();
      expect(byId.get(2)?.result, stderr).toBeTruthy();
      expect(byId.get(3)?.result, stderr).toBeTruthy();
      const parse = replies.find((r) => (r.error as { code?: number } | undefined)?.code === -32700);
      expect(parse, JSON.stringify(replies)).toBeTruthy();
      expect(parse!.id).toBeNull();
    } finally {
      p.kill();
    }
  }, 40_000);
});

describe('input hygiene', () => {
  it('governance/check refuses oversized arguments (413/400) before the gateway sees them', async () => {
    const before = rig.core.services.governance.audit.count();
    const big = await check({
      tool: 'execute_device_command',
      args: { device_id: 'line-1/pump-03', command: 'reduce_load', justification: 'x'.repeat(900_000) },
    });
    expect([400, 413]).toContain(big.status);
    expect(JSON.stringify(await big.json())).toMatch(/too large|larger than|bytes/);
    expect(rig.core.services.governance.audit.count()).toBe(before);
    expect(rig.core.services.governance.listApprovals('pending')).toHaveLength(0);
  });

  it('text-direction and control characters are neutralised in approval cards and the audit view', async () => {
    // U+202E RIGHT-TO-LEFT OVERRIDE makes "reduce_load … 05%" read differently from what it is.
    const sneaky = 'routine check \u202Efdp.exe\u202C done\u0007\u001b[31m red\u200F';
    const r = await check({
      tool: 'execute_device_command',
      args: { device_id: 'line-1/pump-03', command: 'reduce_load', reduction_pct: 10, justification: sneaky },
    });
    expect(r.status).toBe(200);
    const reply = await rig.core.api.call('approvals.list', { status: 'pending' }, OPERATOR);
    expect(reply.ok).toBe(true);
    const cards = JSON.stringify((reply as { result: unknown }).result);
    const audit = await rig.core.api.call('audit.query', { limit: 20 }, OPERATOR);
    const rows = JSON.stringify((audit as { result: unknown }).result);
    for (const [what, text] of [
      ['approval cards', cards],
      ['audit view', rows],
    ] as const) {
      expect(text, what).toContain('fdp.exe'); // the text is still there, visibly
      expect(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/.test(text), `${what} keeps a text-direction character`).toBe(false);
      expect(/\\u00(0[0-8bcef]|1[0-9a-f]|7f)/i.test(text), `${what} keeps a control character`).toBe(false);
    }
    // The logbook: an incident report an agent wrote.
    const client = await inMemoryClient(rig);
    const logged = await client.callTool({
      name: 'log_incident_report',
      arguments: { device_id: 'line-1/pump-03', severity: 'low', title: `pump check ${sneaky}`, root_cause: sneaky, actions_taken: 'none, a check' },
    });
    expect(logged.isError, JSON.stringify(logged.content)).toBeFalsy();
    await client.close();
    const book = JSON.stringify(await rig.core.api.call('incidents.list', {}, OPERATOR));
    expect(book).toContain('fdp.exe');
    expect(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/.test(book), 'logbook keeps a text-direction character').toBe(false);
    for (const a of rig.core.services.governance.listApprovals('pending'))
      await rig.core.api.call('approvals.decide', { id: a.id, verdict: 'reject' }, OPERATOR);
  });
});

describe('audit: the unsigned tail', () => {
  it('the head is signed at every approval decision', async () => {
    const r = await check({
      tool: 'execute_device_command',
      args: { device_id: 'line-2/pump-03', command: 'reduce_load', reduction_pct: 5, justification: 'sign test' },
    });
    const body = (await r.json()) as { approval_id: string };
    const audit = rig.core.services.governance.audit;
    expect(audit.unsignedRows()).toBeGreaterThan(0);
    const d = await rig.core.api.call('approvals.decide', { id: body.approval_id, verdict: 'reject' }, OPERATOR);
    expect(d.ok).toBe(true);
    expect(audit.unsignedRows()).toBe(0);
  });

  it('audit verify reports rows after the last signed head as unproven (count and time span)', async () => {
    // New unsigned rows after the last signed head (signEvery and signIntervalMs are off in this rig).
    await check({ tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } });
    await check({ tool: 'get_device_status', args: { device_id: 'line-1/motor-02' } });
    const tail = rig.core.services.governance.audit.unsignedRows();
    expect(tail).toBeGreaterThan(0);
    // The CLI asks the running app (its API, as a logged-in operator), never its database behind its back.
    await rig.core.services.operators.registry.add({ name: 'Auditor', password: 'audit-pass-1234', roles: ['viewer'] });
    const cli = ['--data-dir', rig.dir, '--log-level', 'silent', '--operator', 'Auditor'];
    const env = { ...process.env, AEGISFLOW_PASSWORD: 'audit-pass-1234' };
    const out = await new Promise<{ rc: number | null; stdout: string; json: string }>((resolve) => {
      let stdout = '';
      const p = spawn(process.execPath, [BIN, 'audit', 'verify', ...cli], { stdio: ['ignore', 'pipe', 'pipe'], env });
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.on('exit', (rc) => {
        let json = '';
        const q = spawn(process.execPath, [BIN, 'audit', 'verify', '--json', ...cli], { stdio: ['ignore', 'pipe', 'pipe'], env });
        q.stdout.on('data', (d: Buffer) => (json += d.toString()));
        q.on('exit', () => resolve({ rc, stdout, json }));
      });
    });
    expect(out.rc).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`${tail} rows? after the last signed head`));
    expect(out.stdout).toMatch(/unproven|not (yet )?signed/);
    const j = JSON.parse(out.json) as { unsignedTail?: { rows: number; fromTs: number; toTs: number } };
    expect(j.unsignedTail?.rows).toBe(tail);
    expect(j.unsignedTail!.toTs).toBeGreaterThanOrEqual(j.unsignedTail!.fromTs);
    // Two CLI processes in a row: each loads the whole program, slow on a loaded machine.
  }, 180_000);
});
