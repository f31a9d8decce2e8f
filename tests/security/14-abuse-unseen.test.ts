// Finding 14: abuse goes unseen. An agent that sent 10,000 malformed calls and kept repeating BLOCKed
// calls was never flagged by the immune system: BLOCKs did not count at all, and malformed calls only
// trickled into per-run error counts that a fresh agent's baseline simply learned. Now every refused
// call (BLOCKed by the gateway; invalid: bad arguments, unknown tools, JSON-RPC errors, malformed
// bodies) reaches the immune system as it happens, and an agent refused far more often than any
// healthy agent is — against absolute bounds on its refused share and its refusals per second, over
// windows measured in seconds on the core's clock — is infected and quarantined through governance.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../electron/core/clock';
import { OPERATOR } from '../helpers';
import { httpClient, startRig, type McpRig } from '../mcp-helpers';

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const DEVICE = 'line-1/pump-03';
// Every infection waits for an operator here, so the quarantine holds while the test looks at it.
const CONFIG = { simulator: { autostart: false }, immune: { severityThreshold: 0 } };

let rig: McpRig | null = null;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await rig?.close();
  rig = null;
});

/** A raw JSON-RPC session on /mcp: the fuzzer does not use an SDK client. */
async function rawSession(url: string, token: string) {
  const base = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(url, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzzer', version: '0' } },
    }),
  });
  await init.text();
  const sid = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sid) throw new Error(`initialize failed: ${init.status}`);
  const headers = { ...base, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  const post = async (body: unknown) => {
    const r = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: r.status, text: await r.text() };
  };
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return post;
}

/** One fuzzing batch of 100 JSON-RPC requests, each malformed in one of the ways a fuzzer tries. */
function malformedBatch(i: number): unknown[] {
  const kinds = [
    (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get_device_status', arguments: { device_id: id } } }), // wrong type
    (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: `no_such_tool_${id}`, arguments: {} } }), // unknown tool
    (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { arguments: { x: 1 } } }), // no tool name
    (id: number) => ({ jsonrpc: '2.0', id, method: `tools/explode_${id % 7}`, params: {} }), // unknown method
    (id: number) => ({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri: `aegisflow://nothing/${id}` } }), // unknown resource
  ];
  return Array.from({ length: 100 }, (_, k) => kinds[k % kinds.length](i * 100 + k + 1));
}

const quarantinedRows = async (r: McpRig, agentId: string) => {
  const q = await r.core.api.call('audit.query', { agentId, kind: 'QUARANTINED', limit: 10 }, OPERATOR);
  if (!q.ok) throw new Error(q.error.message);
  return q.result;
};

const anomalyTypes = (r: McpRig, agentId: string) =>
  r.core.services.immune
    .overview()
    .infections.filter((i) => i.agent_id === agentId)
    .flatMap((i) => i.anomalies.map((a) => a.type));

describe('finding 14: the immune system sees abuse', () => {
  it('a fresh agent fuzzing /mcp with thousands of malformed calls is quarantined, and its next calls are refused', async () => {
    const clock = manualClock(T0);
    rig = await startRig(CONFIG, undefined, { clock });
    const post = await rawSession(rig.mcpUrl, rig.token);
    let sent = 0;
    let refusedAt: { status: number; text: string } | null = null;
    for (let i = 0; i < 100 && !refusedAt; i++) {
      clock.advance(50); // 100 requests every 50 ms of the core's clock: 10,000 in 5 s
      const r = await post(i % 10 === 9 ? '{"jsonrpc": "2.0", "id": ' : malformedBatch(i)); // and now and then a body that is not JSON
      if (r.status === 403) refusedAt = r;
      else sent += i % 10 === 9 ? 1 : 100;
    }
    const agent = rig.core.services.governance.agents.get('diag')!;
    expect({ status: agent.status, sent }).toMatchObject({ status: 'quarantined' });
    expect(sent).toBeLessThan(10_000);
    const q = await quarantinedRows(rig, 'diag');
    expect(q).toHaveLength(1);
    expect(q[0]).toMatchObject({ actor: 'immune' });
    expect(anomalyTypes(rig, 'diag')).toEqual(['invalid_calls']);
    // The door is shut: a well-formed call is refused too.
    expect(refusedAt?.text ?? (await post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_devices', arguments: {} } })).text).toMatch(
      /quarantined/,
    );
    // Each kind of malformed call was counted as this agent's invalid call.
    const invalid = new Set(
      rig.core.services.mcp
        .recentCalls({ agentId: 'diag', limit: 1000 })
        .filter((c) => c.status === 'invalid')
        .map((c) => c.tool.replace(/_\d+$/, '_N')),
    );
    expect([...invalid].sort()).toEqual(['(rpc) resources/read', '(rpc) tools/call', '(rpc) tools/explode_N', 'get_device_status', 'no_such_tool_N']);

    // Bodies that are not JSON, or not JSON-RPC, never reach a tool: they count all the same.
    const { token } = rig.core.services.governance.addAgent({ id: 'garbler', name: 'Garbler', role: 'assistant' });
    const garble = await rawSession(rig.mcpUrl, token);
    let posts = 0;
    for (; posts < 1000; posts++) {
      clock.advance(50);
      const r = await garble(posts % 2 ? '{"jsonrpc": "2.0", "id": ' : { hello: 'world', id: posts });
      if (r.status === 403) break;
      expect(r.status).toBe(400);
    }
    expect(rig.core.services.governance.agents.get('garbler')!.status).toBe('quarantined');
    expect(posts).toBeLessThan(1000);
  });

  it('an agent that keeps repeating a BLOCKed emergency_shutdown at a human pace is quarantined', async () => {
    const clock = manualClock(T0);
    rig = await startRig(CONFIG, undefined, { clock });
    const client = await httpClient(rig.mcpUrl, rig.token);
    clients.push(client);
    let calls = 0;
    let refused: string | null = null;
    for (; calls < 200 && !refused; calls++) {
      clock.advance(5000); // one attempt every 5 s: slow enough to look like a model retrying
      try {
        const r = await client.callTool({
          name: 'execute_device_command',
          arguments: { device_id: DEVICE, command: 'emergency_shutdown', justification: `retry ${calls}: shut the pump down now` },
        });
        expect(r.isError).toBe(true);
      } catch (err) {
        refused = (err as Error).message;
      }
    }
    expect(rig.core.services.governance.agents.get('diag')!.status).toBe('quarantined');
    expect(refused).toMatch(/403|quarantined/);
    expect((await quarantinedRows(rig, 'diag')).map((r) => r.actor)).toEqual(['immune']);
    expect(anomalyTypes(rig, 'diag')).toEqual(['blocked_calls']);
    // Seconds on the core's clock, not rows: about two minutes of attempts.
    expect(calls).toBeLessThan(60);
  });

  it('a healthy agent with a few refusals among its reads stays active for an hour; turning to BLOCKed calls gets it quarantined anyway', async () => {
    const clock = manualClock(T0);
    rig = await startRig(CONFIG, undefined, { clock });
    const client = await httpClient(rig.mcpUrl, rig.token);
    clients.push(client);
    const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args });
    // An hour of normal work: a read every 2 s, an unknown device now and then, a BLOCKed shutdown
    // attempt every few minutes (about one call in seven refused). Its baseline learns all of it.
    for (let turn = 1; turn <= 1800; turn++) {
      clock.advance(2000);
      if (turn % 10 === 0) await call('get_device_status', { device_id: 'line-9/nothing-01' });
      else if (turn % 25 === 0) await call('execute_device_command', { device_id: DEVICE, command: 'emergency_shutdown', justification: 'temperature high' });
      else await call('get_device_status', { device_id: DEVICE });
    }
    rig.core.services.mcp.deps.runVitals!.flush(true);
    expect(rig.core.services.governance.agents.get('diag')!.status).toBe('active');
    expect(await quarantinedRows(rig, 'diag')).toEqual([]);
    expect(rig.core.services.immune.agent('diag')).toMatchObject({ baseline_ready: true });

    // Now it only asks for what the policy forbids. What it did before buys it no tolerance.
    let attempts = 0;
    let refused = false;
    for (; attempts < 200 && !refused; attempts++) {
      clock.advance(2000);
      await call('execute_device_command', { device_id: DEVICE, command: 'emergency_shutdown', justification: 'shut it down' }).catch(() => {
        refused = true;
      });
    }
    expect(rig.core.services.governance.agents.get('diag')!.status).toBe('quarantined');
    expect(anomalyTypes(rig, 'diag')).toContain('blocked_calls');
    expect(attempts).toBeLessThan(100);
    // About 1,900 sequential MCP calls over real HTTP: minutes on a loaded machine.
  }, 300_000);
});
