// The immune system contains a governed agent for real: its vitals go wild, the sentinel quarantines
// it through the governance kill switch, its MCP calls over HTTP are refused, and healing lets it back
// under reduced autonomy (every call waits for an operator) until the operator restores its trust.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig } from '../electron/core';
import { operatorCaller, tempDir } from './helpers';

describe('immune quarantine over MCP', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('refuses the MCP calls of a quarantined agent, heals it into reduced autonomy, and the operator restores it', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    // severityThreshold 11: healing never waits for an operator in this test; fleet off: only our agent.
    const core = createCore(
      testConfig(t.dir, { simulator: { autostart: false }, immune: { fleet: { enabled: false }, severityThreshold: 11, healing: { verifyTimeoutMs: 300 } } }),
    );
    await core.start();
    cleanups.push(() => core.stop());
    const { agent, token } = core.services.governance.addAgent({ name: 'Diagnostics', id: 'diag', role: 'assistant' });
    const connect = async () => {
      const client = new Client({ name: 'immune-mcp-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${core.services.http!.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
      );
      cleanups.push(() => client.close().catch(() => {}));
      return client;
    };
    const client = await connect();
    const ok = await client.callTool({ name: 'get_device_status', arguments: { device_id: 'line-1/pump-03' } });
    expect(ok.isError).toBeFalsy();

    // A normal working pattern, then a token explosion: what a hijacked or looping agent looks like.
    const immune = core.services.immune;
    let ts = Date.now();
    for (let i = 0; i < 30; i++) {
      const r = immune.recordVitals({
        agent_id: agent.id,
        ts: (ts += 1000),
        latency_ms: 800 + (i % 5) * 40,
        input_tokens: 1200 + (i % 7) * 30,
        output_tokens: 300 + (i % 3) * 20,
        tool_calls: 3 + (i % 2),
      });
      expect(r.ok).toBe(true);
    }
    let infected = false;
    for (let i = 0; i < 4 && !infected; i++) {
      const r = immune.recordVitals({ agent_id: agent.id, ts: (ts += 1000), latency_ms: 900, input_tokens: 24_000, output_tokens: 9_000, tool_calls: 40 });
      infected = r.ok && r.infection !== null;
    }
    expect(infected).toBe(true);
    expect(core.services.governance.agents.get(agent.id)!.status).toBe('quarantined');

    // The quarantined agent is refused at the MCP door (HTTP 403), and its refusal names the reason.
    const refused = await fetch(`${core.services.http!.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/quarantined/);
    await expect(client.callTool({ name: 'get_device_status', arguments: { device_id: 'line-1/pump-03' } })).rejects.toThrow(/403|quarantined/);

    // Healing runs (no operator needed at this threshold). A governed MCP client has no memory to reset
    // or prompt to roll back: those rungs are skipped, and governance's own lever ends the ladder.
    await immune.whenHealed(agent.id);
    const log = immune
      .overview()
      .healing.filter((h) => h.agent_id === agent.id)
      .map((h) => `${h.kind}:${h.action ?? ''}`);
    expect(log).toEqual(expect.arrayContaining(['action_skipped:reset_memory', 'action_applied:reduce_autonomy', 'released:reduce_autonomy']));
    expect(log).not.toContain('exhausted:');
    const healed = core.services.governance.agents.get(agent.id)!;
    expect(healed).toMatchObject({ status: 'active', reducedAutonomy: true });
    // Back in, but on a short leash: even a read now waits for an operator.
    const leashed = await core.services.governance.authorize({ agentId: agent.id, tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } });
    expect(leashed).toMatchObject({ decision: 'REVIEW', ruleId: 'reduced-autonomy' });
    const restored = await core.api.call('agents.restoreTrust', { id: agent.id }, operatorCaller('shift-lead'));
    expect(restored.ok && restored.result.reducedAutonomy).toBe(false);
    expect(core.services.governance.audit.query({ agentId: agent.id, limit: 20 }).some((r) => r.actor === 'shift-lead' && r.kind === 'AGENT_CHANGED')).toBe(
      true,
    );
    const back = await connect();
    const again = await back.callTool({ name: 'get_device_status', arguments: { device_id: 'line-1/pump-03' } });
    expect(again.isError).toBeFalsy();
  });
});
