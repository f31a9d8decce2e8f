// The immune system inside the real core: simulated fleet on real timers, contract requests as the
// Immune pane sends them, POST /api/v1/ingest on the real HTTP server, and a governed agent's
// calls BLOCKed by quarantine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../index';
import { OPERATOR } from '../../../tests/helpers';

let core: Core | null = null;
let dir = '';
afterEach(async () => {
  await core?.stop();
  core = null;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('immune system in the core', () => {
  it('runs the simulated fleet, heals injected chaos, and serves the Immune pane and the ingest endpoint', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-immune-core-'));
    core = createCore(
      testConfig(dir, {
        simulator: { enabled: false },
        governance: { watchPolicy: false },
        immune: { fleet: { size: 10, tickMs: 15 }, healing: { stepDelayMs: 0 }, severityThreshold: 11, vitals: { flushMs: 50 } },
      }),
    );
    await core.start();
    const api = core.api;
    await waitFor(async () => {
      const o = await api.call('immune.overview', {}, OPERATOR);
      return o.ok && o.result.agents.filter((a) => a.state === 'healthy').length === 10;
    });
    const events: string[] = [];
    core.bus.on('immune.infection', (i) => events.push(`infection:${i.agent_id}:${i.diagnosis.type}`));
    core.bus.on('immune.quarantine', (q) => events.push(`quarantine:${q.agent_id}:${q.quarantined}`));

    const chaos = await api.call('immune.chaos', { type: 'prompt_injection' }, OPERATOR);
    expect(chaos.ok).toBe(true);
    const victim = chaos.ok ? chaos.result.agent_id : '';
    await waitFor(() => events.includes(`quarantine:${victim}:false`));
    expect(events[0]).toBe(`infection:${victim}:prompt_injection`);
    const o = await api.call('immune.overview', {}, OPERATOR);
    expect(o.ok && o.result.stats).toMatchObject({ agents: 10, infections: 1, healed: 1, quarantined: 0 });
    expect(o.ok && o.result.healing.some((e) => e.kind === 'released' && e.agent_id === victim)).toBe(true);
    const bad = await api.call('immune.chaos', { type: 'bogus' as never }, OPERATOR);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    const detail = await api.call('immune.agent', { agent_id: victim }, OPERATOR);
    expect(detail.ok && detail.result.vitals.length).toBeGreaterThan(20);

    // External agent over HTTP with the generated ingest token.
    const token = fs.readFileSync(path.join(dir, 'immune-ingest.token'), 'utf8').trim();
    const url = `${core.services.http!.url}/api/v1/ingest`;
    const post = (auth: string, body: unknown) =>
      fetch(url, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await post(`Bearer ${token}`, { agent_id: 'py-agent', latency_ms: 1200, input_tokens: 900, output_tokens: 200, model: 'llama-3.1-70b' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ accepted: 1, registered: ['py-agent'] });
    expect((await post('Bearer nope', {})).status).toBe(401);

    // A governed agent: quarantine by the immune system BLOCKs its calls at the gateway.
    const g = core.services.governance;
    const { token: agentToken } = g.addAgent({ id: 'mcp-diag', name: 'Diagnostics', role: 'assistant' });
    for (let i = 0; i < 22; i++)
      core.services.immune.recordVitals({
        agent_id: 'mcp-diag',
        latency_ms: 400 + (i % 4) * 30,
        input_tokens: 600 + (i % 3) * 40,
        output_tokens: 120,
        tool_calls: 1 + (i % 2),
        tools: ['get_device_status'],
      });
    await api.call('immune.overview', {}, OPERATOR);
    for (let i = 0; i < 2; i++)
      core.services.immune.recordVitals({
        agent_id: 'mcp-diag',
        latency_ms: 5000,
        input_tokens: 600,
        output_tokens: 120,
        tool_calls: 50,
        tools: ['get_device_status'],
      });
    const r = await g.authorize({ agentToken, tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } });
    expect(r.decision).toBe('BLOCK');
    expect(r.reason).toMatch(/quarantined/);
  });
});
