// The governed MCP server over real Streamable HTTP (core on port 0): the SDK Client, per-agent bearer
// tokens, Origin checks, body limit, sessions bound to their agent; and the governance check endpoint
// with the governed() helper of electron/sdk/governed.ts.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentPausedError, ApprovalRejectedError, GovernanceBlockedError, governed } from '../electron/sdk/governed';
import { SEED_TOOLS } from '../electron/core/mcp';
import {
  decideNext,
  decideOnProgress,
  executedOn,
  powerBelow,
  httpClient,
  nextApproval,
  reduceLoadHalf,
  seedToolsHappyPath,
  startLiveRig,
  textOf,
  waitFor,
  type McpRig,
} from './mcp-helpers';
import { operatorCaller } from './helpers';

let rig: McpRig;
beforeAll(async () => {
  rig = await startLiveRig();
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const post = (headers: Record<string, string>, body: unknown = INIT) =>
  fetch(rig.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('MCP over Streamable HTTP', () => {
  it('lists the tools and runs a read tool with the real SDK client', async () => {
    const client = await httpClient(rig.mcpUrl, rig.token);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining([...SEED_TOOLS]));
    const r = await client.callTool({ name: 'get_device_status', arguments: { device_id: 'line-1/pump-03' } });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ device_id: 'line-1/pump-03', device_type: 'pump' });
    const bad = await client.callTool({ name: 'get_sensor_stream', arguments: { last_n: 'many' } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/last_n/);
    await client.close();
    // The first SDK client of the file: the SDK's modules load on first use, slow on a loaded machine.
  }, 120_000);

  it("runs every seed tool's happy path over Streamable HTTP, the gated ones approved by an operator", async () => {
    const client = await httpClient(rig.mcpUrl, rig.token);
    const ran = await seedToolsHappyPath(client, rig, 'line-8/compressor-01', 'http-happy');
    expect([...ran].sort()).toEqual([...SEED_TOOLS].sort());
    await client.close();
  }, 60_000);

  it('answers 401 without a token and with a wrong one', async () => {
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post({ authorization: 'Bearer not-a-token' })).status).toBe(401);
  });

  it('answers 403 to a foreign Origin and accepts the app itself and loopback pages', async () => {
    const evil = await post({ authorization: `Bearer ${rig.token}`, origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    const loop = await post({ authorization: `Bearer ${rig.token}`, origin: 'http://localhost:6274' });
    expect(loop.status).toBe(200);
    await loop.body?.cancel();
  });

  it('answers 421 to a foreign Host header (DNS rebinding), even when its Origin matches it', async () => {
    const u = new URL(rig.mcpUrl);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: {
            host: `rebind.example:${u.port}`,
            origin: `http://rebind.example:${u.port}`,
            authorization: `Bearer ${rig.token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(INIT));
    });
    expect(status).toBe(421); // Misdirected Request: the HTTP server checks Host before any route
  });

  it('answers 413 to a body above the limit, 400 to broken JSON and to a call without a session', async () => {
    const big = await post({ authorization: `Bearer ${rig.token}` }, JSON.stringify({ ...INIT, pad: 'x'.repeat(300 * 1024) }));
    expect(big.status).toBe(413);
    expect((await post({ authorization: `Bearer ${rig.token}` }, '{not json')).status).toBe(400);
    const noSession = await post({ authorization: `Bearer ${rig.token}` }, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(noSession.status).toBe(400);
  });

  it("refuses a paused agent with 403, and a session used with another agent's token", async () => {
    const { token: tokB } = rig.core.services.governance.addAgent({ id: 'agent-b', name: 'B' });
    const client = await httpClient(rig.mcpUrl, rig.token);
    const sessionId = [...rig.core.services.mcp.http!.sessions.values()].find((s) => s.agentId === 'diag')!.id;
    const stolen = await post(
      { authorization: `Bearer ${tokB}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      { jsonrpc: '2.0', id: 3, method: 'tools/list' },
    );
    expect(stolen.status).toBe(403);
    rig.core.services.governance.pauseAgent('agent-b', 'drill');
    const paused = await post({ authorization: `Bearer ${tokB}` });
    expect(paused.status).toBe(403);
    expect(((await paused.json()) as { error: { message: string } }).error.message).toMatch(/agent-b is paused/);
    await client.close();
  });

  it('a rotated token stops working at once (no stale authentication)', async () => {
    const { token: old } = rig.core.services.governance.addAgent({ id: 'agent-r', name: 'R' });
    const ok = await post({ authorization: `Bearer ${old}` });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
    const fresh = rig.core.services.governance.rotateToken('agent-r');
    expect((await post({ authorization: `Bearer ${old}` })).status).toBe(401);
    const again = await post({ authorization: `Bearer ${fresh}` });
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });

  it("BLOCK is a tool result with isError and the policy's advice", async () => {
    const client = await httpClient(rig.mcpUrl, rig.token);
    const r = await client.callTool({
      name: 'execute_device_command',
      arguments: { device_id: 'line-1/compressor-01', command: 'restart', justification: 'try a restart to clear it' },
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/block-shutdown-restart/);
    await client.close();
  });

  it('REVIEW rejected over HTTP: isError naming the operator, and nothing reaches the plant', async () => {
    const client = await httpClient(rig.mcpUrl, rig.token);
    const device = 'line-3/motor-02';
    const decided = decideNext(rig, 'reject', 'erin');
    const r = await client.callTool({
      name: 'execute_device_command',
      arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: 30 }, justification: 'testing a rejection over HTTP' },
    });
    await decided;
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^REJECTED by erin/);
    await new Promise((res) => setTimeout(res, 200));
    expect(rig.core.services.plant!.simulator.devices().find((d) => d.device_id === device)).toMatchObject({ state: 'running', load_pct: 100 });
    await client.close();
  });

  it('a client that hangs up while waiting loses nothing: the approved call runs once, and the agent collects its outcome later', async () => {
    const device = 'line-3/compressor-01';
    const init = await post({ authorization: `Bearer ${rig.token}` });
    const sid = init.headers.get('mcp-session-id')!;
    await init.text();
    const h = { authorization: `Bearer ${rig.token}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
    await (await post(h, { jsonrpc: '2.0', method: 'notifications/initialized' })).text();
    const created = nextApproval(rig);
    const ac = new AbortController();
    const call = fetch(rig.mcpUrl, {
      method: 'POST',
      signal: ac.signal,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...h },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name: 'execute_device_command',
          arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: 40 }, justification: 'hang up before the operator answers' },
          _meta: { progressToken: 'hang-up' },
        },
      }),
    });
    const approvalId = await created;
    const res = await call;
    expect(res.headers.get('content-type')).toBe('text/event-stream'); // progress came first
    ac.abort();
    await waitFor(
      () => rig.core.services.mcp.recentCalls({ tool: 'execute_device_command', limit: 1 })[0]?.status === 'pending',
      'the call to be recorded as pending',
    );
    expect(rig.core.services.plant!.simulator.devices().find((d) => d.device_id === device)).toMatchObject({ load_pct: 100 });
    // The approval outlives the request (issue 20): approved with nobody waiting, the call runs once.
    expect((await rig.core.api.call('approvals.decide', { id: approvalId, verdict: 'approve' }, operatorCaller('frank'))).ok).toBe(true);
    await waitFor(
      () => rig.core.services.plant!.simulator.devices().find((d) => d.device_id === device)!.load_pct < 100,
      'the approved command to reach the device',
    );
    // The agent comes back and collects the outcome; the same call again replays it.
    const client = await httpClient(rig.mcpUrl, rig.token);
    const done = await client.callTool({ name: 'get_approval_status', arguments: { approval_id: approvalId } });
    expect(done.structuredContent).toMatchObject({ status: 'approved', executed: true, decided_by: 'frank' });
    const again = await client.callTool({
      name: 'execute_device_command',
      arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: 40 }, justification: 'hang up before the operator answers' },
    });
    expect(again.structuredContent).toEqual((done.structuredContent as { result: unknown }).result);
    expect(await executedOn(rig, device)).toBe(1);
    await client.close();
  });

  it('REVIEW approved over HTTP: progress notifications stream while waiting, then the command reaches the plant', async () => {
    const client = await httpClient(rig.mcpUrl, rig.token);
    const device = 'line-1/compressor-01';
    const before = rig.core.services.live.latest(device)!.values.power;
    const progress = decideOnProgress(rig, 'approve', 'dana');
    const r = await reduceLoadHalf(client, device, 'temperature rising; SOP 2.1 reduce load first', progress.onprogress);
    await progress.decided();
    expect(r.structuredContent).toMatchObject({ status: 'executed', approved_by: 'dana' });
    expect(progress.messages.some((m) => /awaiting operator approval — rule review-device-commands/.test(m))).toBe(true);
    await powerBelow(rig, device, before * 0.75);
    await client.close();
  });
});

describe('POST /api/v1/governance/check and governed()', () => {
  const agent = () => ({ baseUrl: rig.core.services.http!.url, token: rig.token, waitMs: 2000 });

  it('ALLOWs a read and runs the wrapped function', async () => {
    const read = governed(agent(), 'get_device_status', async (args: { device_id: string }, ctx) => `${args.device_id}:${ctx.decision.status}`);
    expect(await read({ device_id: 'line-1/motor-02' })).toBe('line-1/motor-02:allowed');
  });

  it('throws GovernanceBlockedError for a blocked call and never runs it', async () => {
    let ran = false;
    const shutdown = governed(agent(), 'execute_device_command', async () => {
      ran = true;
    });
    await expect(shutdown({ device_id: 'line-1/pump-03', command: 'emergency_shutdown' })).rejects.toBeInstanceOf(GovernanceBlockedError);
    expect(ran).toBe(false);
  });

  it('waits for an approval and hands the intent token to the function; a rejection throws', async () => {
    const cmd = governed(agent(), 'execute_device_command', async (_args: Record<string, unknown>, ctx) => ctx.intentToken);
    const approved = decideNext(rig, 'approve');
    const token = await cmd({ device_id: 'line-3/motor-02', command: 'schedule_maintenance', params: { window: 'next shift' } });
    await approved;
    expect(typeof token).toBe('string');
    expect(token!.split('.')).toHaveLength(3);
    const rejected = decideNext(rig, 'reject');
    await expect(cmd({ device_id: 'line-3/motor-02', command: 'schedule_maintenance', params: { window: 'now' } })).rejects.toBeInstanceOf(
      ApprovalRejectedError,
    );
    await rejected;
  });

  it('throws AgentPausedError for a paused agent', async () => {
    const { token } = rig.core.services.governance.addAgent({ id: 'agent-c', name: 'C' });
    rig.core.services.governance.pauseAgent('agent-c', 'drill');
    const read = governed({ baseUrl: rig.core.services.http!.url, token }, 'get_device_status', async () => 'ran');
    await expect(read({ device_id: 'line-1/motor-02' })).rejects.toBeInstanceOf(AgentPausedError);
  });

  it('rejects a malformed check with 400 and no token with 401', async () => {
    const url = `${rig.core.services.http!.url}/api/v1/governance/check`;
    const bad = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${rig.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tool: 5 }),
    });
    expect(bad.status).toBe(400);
    const anon = await fetch(url, { method: 'POST', body: '{}' });
    expect(anon.status).toBe(401);
  });
});
