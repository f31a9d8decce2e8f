// Issue 20: revision 2026-07-28 over stdio. The real CLI (node bin/aegisflow.mjs mcp ...) spawned by the
// SDK 2.x stdio client pinned to 2026-07-28: bridged to the running app's /mcp (served statelessly
// there) with the Tasks extension, and --standalone (its own headless core) beside a 2025 session.
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_TOOLS } from '../electron/core/mcp';
import { TasksExtensionTransport, type TaskSeen } from '../electron/core/mcp/transports/tasksExtClient';
import { operatorCaller, tempDir } from './helpers';
import { cliServer, policyWithReviewTimeout, standaloneAgent, startCommandRig, textOf, type CommandRig } from './mcp-helpers';

function spawn2026(args: string[], token: string, tasks?: { onTask(t: TaskSeen): void }) {
  const stdio = new StdioClientTransport(cliServer(args, token));
  const client = new Client({ name: 'aegis-2026-stdio-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  return { client, transport: tasks ? new TasksExtensionTransport(stdio, tasks) : stdio };
}

describe('aegisflow mcp (stdio bridge) speaking 2026-07-28', () => {
  let rig: CommandRig;
  const commands = () => rig.received.get('line-1/compressor-01') ?? 0;
  beforeAll(async () => {
    // Approvals wait 3 s for an operator here, so the expiry case ends quickly.
    rig = await startCommandRig({}, policyWithReviewTimeout(3));
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('lists the tools and runs a gated call as a task: approved by an operator, executed once', async () => {
    const seen: TaskSeen[] = [];
    let first: (t: TaskSeen) => void = () => {};
    const working = new Promise<TaskSeen>((resolve) => (first = resolve));
    const { client, transport } = spawn2026(['--agent', 'diag', '--url', rig.mcpUrl], rig.token, { onTask: (t) => (seen.push(t), first(t)) });
    await client.connect(transport);
    expect(client.getProtocolEra()).toBe('modern');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining([...SEED_TOOLS]));
    const call = client.callTool({
      name: 'execute_device_command',
      arguments: { device_id: 'line-1/compressor-01', command: 'reduce_load', parameters: { reduction_pct: 20 }, justification: 'stdio 2026 task test' },
    });
    const task = await working;
    const rec = rig.core.services.mcp.deps.pending.get(task.taskId);
    expect(rec).toMatchObject({ status: 'working', agentId: 'diag' });
    const decided = await rig.core.api.call('approvals.decide', { id: rec?.approvalId ?? '', verdict: 'approve' }, operatorCaller('gina'));
    expect(decided.ok).toBe(true);
    const r = await call;
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'executed', approved_by: 'gina' });
    expect(seen.at(-1)?.status).toBe('completed');
    expect(commands()).toBe(1);
    // Served statelessly: the bridge opened no session for this client.
    expect(rig.core.services.mcp.http?.sessions.size).toBe(0);
    expect(rig.core.services.mcp.http?.counters().statelessRequests).toBeGreaterThan(0);
    await client.close();
  }, 60_000);

  it('expiry: nobody decides, the task completes with an EXPIRED isError result naming the rule; nothing is sent', async () => {
    const seen: TaskSeen[] = [];
    const { client, transport } = spawn2026(['--agent', 'diag', '--url', rig.mcpUrl], rig.token, { onTask: (t) => seen.push(t) });
    await client.connect(transport);
    const r = await client.callTool({
      name: 'execute_device_command',
      arguments: { device_id: 'line-2/compressor-01', command: 'reduce_load', parameters: { reduction_pct: 15 }, justification: 'stdio 2026 expiry test' },
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^EXPIRED: .*rule review-device-commands/);
    expect(seen[0]?.status).toBe('working');
    expect(seen.at(-1)?.status).toBe('completed');
    expect(commands()).toBe(1); // the approved case's one command on line-1/compressor-01, nothing more
    await client.close();
  }, 60_000);
});

describe('aegisflow mcp --standalone speaking 2026-07-28', () => {
  const { dir, cleanup } = tempDir('aegis-mcp-2026-standalone-');
  afterAll(cleanup);

  it('serves a stateless client from its own core: discover, a read, a BLOCK', async () => {
    const token = await standaloneAgent(dir);
    const { client, transport } = spawn2026(['--agent', 'claude', '--standalone', '--data-dir', dir, '--speed', '50'], token);
    const errors: Error[] = [];
    client.onerror = (e) => errors.push(e);
    await client.connect(transport);
    expect(client.getProtocolEra()).toBe('modern');
    const r = await client.callTool({ name: 'query_device_manual', arguments: { query: 'bearing vibration motor' } });
    expect((r.structuredContent as { results: Array<{ section: string }> }).results[0].section).toBe('2.3');
    const b = await client.callTool({
      name: 'execute_device_command',
      arguments: { device_id: 'line-3/pump-03', command: 'emergency_shutdown', justification: 'stdio 2026 block test' },
    });
    expect(b.isError).toBe(true);
    expect(textOf(b)).toMatch(/BLOCKED/);
    await client.close();
    expect(errors).toEqual([]);
  }, 120_000); // a whole headless core starts inside the spawned CLI
});
