// The SDK against the real ingest handler behind a real HTTP server on loopback.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { handleIngestRequest } from '../core/immune';
import { openRig, type Rig } from '../core/immune/testkit';
import { ImmuneReporter, promptHash } from './index';

const TOKEN = 'sdk-test-token-0123456789abcdef';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(r: Rig): Promise<string> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const out =
        req.url === '/api/v1/ingest' && req.method === 'POST'
          ? handleIngestRequest(r.immune, { authorization: req.headers.authorization, body })
          : { status: 404, body: {} };
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  cleanups.push(() => new Promise((ok) => server.close(() => ok())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function rig(): Rig {
  const r = openRig({
    fleetSize: 0,
    config: { ingest: { token: TOKEN }, severityThreshold: 11, healing: { stepDelayMs: 0, ackTimeoutMs: 3000, verifyTimeoutMs: 10_000 } },
  });
  cleanups.push(async () => {
    await r.close();
    fs.rmSync(r.dir, { recursive: true, force: true });
  });
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('immune SDK', () => {
  it('registers, reports, and is refused with a clear error on a bad token', async () => {
    const r = rig();
    const url = await serve(r);
    const rep = new ImmuneReporter({ baseUrl: url, token: TOKEN, agentId: 'ts-agent', model: 'claude-haiku-4.5', mcpServers: ['jira'] });
    const reg = await rep.register();
    expect(reg.state).toBe('learning');
    expect(r.immune.agent('ts-agent')).toMatchObject({ source: 'sdk', model: 'claude-haiku-4.5', mcp_servers: ['jira'] });
    const a = await rep.report({ latency_ms: 500, input_tokens: 800, output_tokens: 120, tool_calls: 2 });
    expect(a).toMatchObject({ accepted: 1, quarantined: false });
    const bad = new ImmuneReporter({ baseUrl: url, token: 'wrong-token-wrong-token', agentId: 'x' });
    await expect(bad.report({ latency_ms: 1, input_tokens: 1, output_tokens: 1 })).rejects.toThrow(/not valid/);
    expect(await promptHash('You are a helpful agent.')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('heals an SDK agent over the control channel, escalating past actions the agent cannot perform', async () => {
    const r = rig();
    const url = await serve(r);
    let looping = false;
    const calls: string[] = [];
    const rep = new ImmuneReporter({
      baseUrl: url,
      token: TOKEN,
      agentId: 'ts-looper',
      model: 'gpt-5-mini',
      mcpServers: ['web-search'],
      promptHash: 'p-v1',
      pollIntervalMs: 20,
      handlers: {
        reset_memory: () => {
          calls.push('reset_memory');
          return { ok: false, detail: 'memory store is read-only' };
        },
        clone_agent: () => {
          calls.push('clone_agent');
          looping = false; // a fresh replica does not loop
        },
      },
    });
    rep.start();
    cleanups.push(() => rep.stop());
    let i = 0;
    const run = async () => {
      r.clock.advance(1000);
      i++;
      const tools = looping ? 40 + (i % 5) : 2 + (i % 3);
      await rep.report({
        latency_ms: looping ? 4000 : 700 + (i % 7) * 15,
        input_tokens: 900 + (i % 5) * 20,
        output_tokens: 200 + (i % 4) * 10,
        tool_calls: tools,
        tools: ['search'],
      });
    };
    for (let k = 0; k < 25; k++) await run();
    expect(r.immune.agent('ts-looper')!.state).toBe('healthy');
    looping = true;
    for (let k = 0; k < 3 && !rep.quarantined; k++) await run();
    expect(rep.quarantined).toBe(true);
    // The agent keeps polling while quarantined and reports again once released on probation.
    for (let t = 0; t < 400 && r.immune.agent('ts-looper')!.state !== 'healthy'; t++) {
      if (!rep.quarantined) await run();
      else await sleep(10);
    }
    expect(r.immune.agent('ts-looper')!.state).toBe('healthy');
    expect(calls).toEqual(['reset_memory', 'clone_agent']);
    const log = r.immune.repo.agentLog('ts-looper', 50).reverse();
    expect(log.map((e) => `${e.kind}:${e.action ?? ''}`)).toEqual([
      'quarantined:',
      'action_failed:reset_memory',
      'action_failed:reduce_autonomy',
      'action_failed:revoke_tools',
      'action_applied:clone_agent',
      'verified:clone_agent',
      'released:clone_agent',
    ]);
    expect(log[1].detail).toBe('memory store is read-only');
    expect(log[3].detail).toMatch(/no handler for revoke_tools/);
  });
});
