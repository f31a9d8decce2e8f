// stdio: spawn the real CLI (node bin/aegisflow.mjs mcp ...) and talk to it with the SDK's stdio client.
// Bridge mode relays to the running core's /mcp; --standalone runs its own headless core.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_TOOLS } from '../electron/core/mcp';
import { tempDir } from './helpers';
import { decideOnProgress, powerBelow, seedToolsHappyPath, standaloneAgent, startLiveRig, stdioClient, textOf, type McpRig } from './mcp-helpers';

describe('aegisflow mcp (stdio bridge to the running app)', () => {
  let rig: McpRig;
  beforeAll(async () => {
    rig = await startLiveRig();
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('lists the tools, runs a read, and relays a policy BLOCK', async () => {
    const { client, transport } = stdioClient(['--agent', 'diag', '--url', rig.mcpUrl], rig.token);
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining([...SEED_TOOLS]));
    const r = await client.callTool({ name: 'get_sensor_stream', arguments: { device_id: 'line-3' } });
    expect((r.structuredContent as { devices: unknown[] }).devices).toHaveLength(3);
    const b = await client.callTool({
      name: 'execute_device_command',
      arguments: { device_id: 'line-3/pump-03', command: 'emergency_shutdown', justification: 'stdio block test' },
    });
    expect(b.isError).toBe(true);
    expect(textOf(b)).toMatch(/BLOCKED/);
    const rows = rig.core.services.mcp.recentCalls({ limit: 2 });
    expect(rows.map((x) => x.transport)).toEqual(['http', 'http']);
    await client.close();
  }, 30_000);

  it("runs every seed tool's happy path over stdio, the gated ones approved by an operator", async () => {
    const { client, transport } = stdioClient(['--agent', 'diag', '--url', rig.mcpUrl], rig.token);
    await client.connect(transport);
    const ran = await seedToolsHappyPath(client, rig, 'line-7/compressor-01', 'stdio-happy');
    expect([...ran].sort()).toEqual([...SEED_TOOLS].sort());
    await client.close();
  }, 60_000);

  it('reopens the session transparently after the app closed it for idleness', async () => {
    const { client, transport, stderr } = stdioClient(['--agent', 'diag', '--url', rig.mcpUrl], rig.token);
    await client.connect(transport);
    await client.callTool({ name: 'list_devices', arguments: {} });
    // What the idle sweep does after mcp.sessionIdleMs: close every session of this agent.
    const endpoint = rig.core.services.mcp.http!;
    expect(endpoint.sweep(Date.now() + 365 * 24 * 3600_000)).toBeGreaterThan(0);
    const r = await client.callTool({ name: 'get_device_status', arguments: { device_id: 'line-2/pump-03' } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ device_id: 'line-2/pump-03' });
    expect(stderr()).toMatch(/opened a new one/);
    await client.close();
  }, 30_000);

  it('REVIEW approved over stdio: progress while waiting, then the command reaches the plant', async () => {
    const { client, transport } = stdioClient(['--agent', 'diag', '--url', rig.mcpUrl], rig.token);
    await client.connect(transport);
    const device = 'line-3/motor-02';
    const before = rig.core.services.live.latest(device)!.values.power;
    const progress = decideOnProgress(rig, 'approve', 'erin');
    const r = await client.callTool(
      {
        name: 'execute_device_command',
        arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: 50 }, justification: 'vibration rising; SOP 2.3 reduce load' },
      },
      undefined,
      { onprogress: progress.onprogress, resetTimeoutOnProgress: true },
    );
    await progress.decided();
    expect(r.structuredContent).toMatchObject({ status: 'executed', approved_by: 'erin' });
    expect(progress.messages.length).toBeGreaterThan(0);
    await powerBelow(rig, device, before * 0.75);
    await client.close();
  }, 30_000);

  it('a paused agent is refused over stdio too', async () => {
    const { token } = rig.core.services.governance.addAgent({ id: 'stdio-p', name: 'P' });
    const { client, transport } = stdioClient(['--agent', 'stdio-p', '--url', rig.mcpUrl], token);
    await client.connect(transport);
    rig.core.services.governance.pauseAgent('stdio-p', 'drill');
    await expect(client.callTool({ name: 'list_devices', arguments: {} })).rejects.toThrow(/stdio-p is paused/);
    await client.close();
  }, 30_000);

  it('refuses a token that belongs to another agent', async () => {
    const { client, transport } = stdioClient(['--agent', 'somebody-else', '--url', rig.mcpUrl], rig.token);
    await expect(client.connect(transport)).rejects.toThrow(/token belongs to agent diag/);
    await transport.close();
  }, 30_000);
});

describe('aegisflow mcp --standalone', () => {
  const { dir, cleanup } = tempDir('aegis-mcp-standalone-');
  afterAll(cleanup);

  it('starts its own headless core and serves the tools with only MCP on stdout', async () => {
    const token = await standaloneAgent(dir);
    const { client, transport, stderr } = stdioClient(['--agent', 'claude', '--standalone', '--data-dir', dir, '--speed', '50'], token);
    // Anything on stdout that is not a JSON-RPC message surfaces here as a parse error.
    const protocolErrors: Error[] = [];
    client.onerror = (e) => protocolErrors.push(e);
    await client.connect(transport);
    const r = await client.callTool({ name: 'query_device_manual', arguments: { query: 'bearing vibration motor' } });
    expect((r.structuredContent as { results: Array<{ section: string }> }).results[0].section).toBe('2.3');
    const s = await client.callTool({ name: 'list_devices', arguments: {} });
    expect((s.structuredContent as { devices: unknown[] }).devices).toHaveLength(9);
    await client.close();
    expect(protocolErrors).toEqual([]);
    expect(stderr()).not.toMatch(/"jsonrpc"/);
  }, 60_000);
});
