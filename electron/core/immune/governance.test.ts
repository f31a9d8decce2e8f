// The immune system acting through the real governance gateway (same SQLite file, real policy):
// quarantine BLOCKs the agent's governed calls, reduce autonomy turns its ALLOWs into REVIEW,
// revoke tools BLOCKs the revoked tool, and a release lets it work again.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../config';
import { Gateway, governanceMigrations, governanceOptions } from '../governance';
import { createLogger } from '../observability';
import { applyMigrations } from '../store';
import { createGovernanceControl } from './governance-control';
import { handleIngestRequest, type IngestReply } from './ingest';
import { mcpVitals } from '../../../tests/helpers';
import { openRig, tempDir, type Rig } from './testkit';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(config: Record<string, unknown> = { severityThreshold: 11 }) {
  const dir = tempDir();
  let gateway!: Gateway;
  // One database and clock for both, as in createCore: governance's tables next to the immune ones.
  const rig: Rig = openRig({
    dir,
    fleetSize: 0,
    config,
    control: (db, clock, bus) => {
      applyMigrations(db, governanceMigrations);
      const govConfig = testConfig(dir, { resourcesDir: 'resources' });
      gateway = new Gateway(
        { db, clock, log: createLogger({ level: 'silent' }), bus, publishCommand: async () => ({ status: 'accepted' as const }) },
        { ...governanceOptions(govConfig.governance, govConfig), watchPolicy: false },
      );
      return createGovernanceControl(gateway);
    },
  });
  gateway.start();
  cleanups.push(async () => {
    await rig.close();
    gateway.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const { token } = gateway.addAgent({ id: 'mcp-operator', name: 'Operator assistant', role: 'assistant', model: 'gpt-5-mini' });
  return { rig, gateway, token };
}

/** A governed MCP call's vitals, as the MCP server reports them. */
const call = (rig: Rig, i: number, over: Record<string, unknown> = {}) => mcpVitals('mcp-operator', rig.clock.now(), i, over);

const read = { tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } };

describe('immune system through governance', () => {
  it("quarantine BLOCKs the agent's governed calls; healing by reduced autonomy releases it with every call under REVIEW", async () => {
    const { rig, gateway } = setup();
    expect((await gateway.authorize({ agentId: 'mcp-operator', ...read })).decision).toBe('ALLOW');
    for (let i = 0; i < 25; i++) {
      rig.clock.advance(1000);
      expect(rig.immune.recordVitals(call(rig, i)).ok).toBe(true);
    }
    expect(rig.immune.agent('mcp-operator')).toMatchObject({ source: 'governed', state: 'healthy' });

    // A tool loop: two runs with dozens of calls each.
    let infection = null;
    for (let i = 0; i < 3 && !infection; i++) {
      rig.clock.advance(1000);
      const r = rig.immune.recordVitals(call(rig, i, { tool_calls: 45, latency_ms: 4000 }));
      if (r.ok) infection = r.infection;
    }
    expect(infection?.diagnosis.type).toBe('infinite_loop');
    expect(gateway.agents.get('mcp-operator')!.status).toBe('quarantined');
    const blocked = await gateway.authorize({ agentId: 'mcp-operator', ...read });
    expect(blocked.decision).toBe('BLOCK');
    expect(blocked.reason).toMatch(/quarantined/);

    // Ladder: reset_memory and clone_agent need an SDK control channel this agent lacks (skipped, and not
    // learned as failures), reduce_autonomy goes through governance.
    for (let t = 0; t < 50 && rig.immune.agent('mcp-operator')!.state !== 'probation'; t++) await new Promise((r) => setImmediate(r));
    expect(rig.immune.agent('mcp-operator')!.state).toBe('probation');
    expect(gateway.agents.get('mcp-operator')).toMatchObject({ status: 'active', reducedAutonomy: true });
    const probation = await gateway.authorize({ agentId: 'mcp-operator', ...read });
    expect(probation.decision).toBe('REVIEW');
    for (let i = 0; i < 3; i++) {
      rig.clock.advance(1000);
      rig.immune.recordVitals(call(rig, i));
    }
    await rig.immune.whenHealed('mcp-operator');
    expect(rig.immune.agent('mcp-operator')!.state).toBe('healthy');
    // The cure was reduced autonomy: it stays until an operator restores it.
    expect(gateway.agents.get('mcp-operator')).toMatchObject({ status: 'active', reducedAutonomy: true });
    const kinds = rig.immune.repo
      .agentLog('mcp-operator', 20)
      .reverse()
      .map((e) => `${e.kind}:${e.action ?? ''}`);
    expect(kinds).toEqual([
      'quarantined:',
      'action_skipped:reset_memory',
      'action_skipped:clone_agent',
      'action_applied:reduce_autonomy',
      'verified:reduce_autonomy',
      'released:reduce_autonomy',
    ]);
    expect(rig.immune.repo.agentMemory('mcp-operator').map((m) => `${m.action}:${m.last_outcome}`)).toEqual(['reduce_autonomy:success']);
    // The operator lifts it: full autonomy, audited under their name.
    expect(gateway.restoreTrust('mcp-operator', 'alice')).toMatchObject({ status: 'active', reducedAutonomy: false });
    expect((await gateway.authorize({ agentId: 'mcp-operator', ...read })).decision).toBe('ALLOW');
  });

  it('revoke tools BLOCKs the tool the agent was hammering, and only that one', async () => {
    const { rig, gateway } = setup();
    for (let i = 0; i < 25; i++) {
      rig.clock.advance(1000);
      rig.immune.recordVitals(call(rig, i, { tools: ['get_sensor_stream'] }));
    }
    // Tool instability: retries and errors on get_sensor_stream.
    for (let i = 0; i < 3; i++) {
      rig.clock.advance(1000);
      rig.immune.recordVitals(call(rig, i, { retries: 8, errors: 4, tools: ['get_sensor_stream'] }));
    }
    for (let t = 0; t < 50 && rig.immune.agent('mcp-operator')!.state !== 'probation'; t++) await new Promise((r) => setImmediate(r));
    expect(gateway.agents.get('mcp-operator')!.revokedTools).toEqual(['get_sensor_stream']);
    const r1 = await gateway.authorize({ agentId: 'mcp-operator', tool: 'get_sensor_stream', args: { device_id: 'line-1/pump-03' } });
    expect(r1.decision).toBe('BLOCK');
    expect(r1.reason).toMatch(/revoked/);
    for (let i = 0; i < 3; i++) {
      rig.clock.advance(1000);
      rig.immune.recordVitals(call(rig, i, { tools: ['get_device_status'] }));
    }
    await rig.immune.whenHealed('mcp-operator');
    expect(rig.immune.agent('mcp-operator')!.state).toBe('healthy');
    // Probation's reduced autonomy is lifted on release; the revoked tool stays revoked.
    expect(gateway.agents.get('mcp-operator')).toMatchObject({ status: 'active', reducedAutonomy: false, revokedTools: ['get_sensor_stream'] });
    expect((await gateway.authorize({ agentId: 'mcp-operator', ...read })).decision).toBe('ALLOW');
  });

  it("never overrides an operator's pause, and accepts vitals with the agent's own token for itself only", async () => {
    const { rig, gateway, token } = setup({ severityThreshold: 0 });
    const ok = handleIngestRequest(rig.immune, { authorization: `Bearer ${token}`, body: [call(rig, 0), { ...call(rig, 1), agent_id: 'someone-else' }] });
    const body = ok.body as IngestReply;
    expect(body.accepted).toBe(1);
    expect(body.rejected[0]).toMatchObject({ agent_id: 'someone-else', reasons: [expect.stringMatching(/not valid for agent/)] });
    for (let i = 1; i < 25; i++) rig.immune.recordVitals(call(rig, i));
    gateway.pauseAgent('mcp-operator', 'operator stepped in');
    for (let i = 0; i < 2; i++) rig.immune.recordVitals(call(rig, i, { tool_calls: 60 }));
    expect(rig.immune.agent('mcp-operator')!.state).toBe('pending_approval');
    expect(gateway.agents.get('mcp-operator')!.status).toBe('paused');
  });

  it('lets an operator overrule a quarantine by reviving the agent in governance', async () => {
    const { rig, gateway } = setup({ severityThreshold: 0 });
    await rig.immune.start();
    for (let i = 0; i < 25; i++) rig.immune.recordVitals(call(rig, i));
    for (let i = 0; i < 2; i++) rig.immune.recordVitals(call(rig, i, { tool_calls: 60 }));
    expect(rig.immune.agent('mcp-operator')!.state).toBe('pending_approval');
    expect(gateway.agents.get('mcp-operator')!.status).toBe('quarantined');
    gateway.reviveAgent('mcp-operator', 'alice', 'false alarm, I watched it');
    expect(rig.immune.agent('mcp-operator')!.state).toBe('healthy');
    expect(rig.immune.repo.approvals('pending')).toHaveLength(0);
    expect(rig.immune.repo.agentLog('mcp-operator', 1)[0].detail).toMatch(/revived by an operator/);
    expect((await gateway.authorize({ agentId: 'mcp-operator', ...read })).decision).toBe('ALLOW');
  });
});
