// `npm run demo` as a test: the seed's script end to end on a real core (broker, simulator, detector,
// governance, MCP over Streamable HTTP on loopback), with an OTLP collector on loopback receiving the
// agent's traces.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '..';
import type { DemoStatus } from '../../../shared/agent';
import { demoConfigOverrides } from '.';
import { OPERATOR } from '../../../tests/helpers';

describe('the seed demo, headless', () => {
  let dir: string;
  let core: Core;
  let collector: http.Server;
  const received: Array<{
    path: string;
    body: {
      resourceSpans?: Array<{ scopeSpans: Array<{ spans: Array<{ name: string; attributes: Array<{ key: string; value: { stringValue?: string } }> }> }> }>;
    };
  }> = [];

  beforeAll(async () => {
    collector = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(data) });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-demo-test-'));
    core = createCore(testConfig(dir, demoConfigOverrides({ otlp: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` })));
    await core.start();
  });
  afterAll(async () => {
    await core?.stop();
    await new Promise<void>((r) => collector.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs every scene: detect, diagnose, BLOCK, REVIEW, approve, execute, temperature falls, report, recall, scope, kill switch, audit', async () => {
    // Started the way the UI's "Run demo" control starts it; the transcript comes as events.
    const s = core.services;
    const lines: string[] = [];
    const offA = core.bus.on('agent.step', (x) => lines.push(`  ${x.kind} ${x.tool ?? ''} ${x.decision ?? ''} ${x.text.slice(0, 160)}`));
    let duringRun: unknown = null;
    const offD = core.bus.on('demo.step', (x) => {
      lines.push(`${x.ok ? 'ok ' : 'FAIL'} [${x.scene}] ${x.text}`);
      if (x.scene === 'temperature_falls') duringRun = s.plant!.simulator.device('line-1/compressor-01')!.status();
    });
    const replayBefore = Date.parse(s.plant!.simulator.status().simTime!);
    const finished = new Promise<DemoStatus>((r) => core.bus.once('demo.finished', r));
    expect(await core.api.call('demo.run', { approve: 'auto' }, OPERATOR)).toEqual({ ok: true, result: { accepted: true, reason: null } });
    expect(await core.api.call('demo.run', { approve: 'auto' }, OPERATOR)).toEqual({
      ok: true,
      result: { accepted: false, reason: 'the demo is already running' },
    });
    const status = await finished;
    offA();
    offD();
    const polled = await core.api.call('demo.status', {}, OPERATOR);
    expect(polled.ok && polled.result.ok).toBe(true);
    const failed = status.steps.filter((x) => !x.ok);
    expect(failed, lines.join('\n')).toEqual([]);
    expect(status.steps.map((x) => x.scene)).toEqual([
      'plant',
      'detected',
      'diagnose',
      'shutdown_blocked',
      'reduce_review',
      'executed',
      'intent_token',
      'temperature_falls',
      'incident_report',
      'recall',
      'different_outcome',
      'kill_switch',
      'revived',
      'audit_chain',
      'trace',
      'restore',
    ]);
    // The device really ran at reduced load while the demo watched its temperature fall; the demo then gave
    // the plant back as it found it: the compressor running at full load, the replay where it was.
    expect(duringRun).toMatchObject({ state: 'reduced', load_pct: 70 });
    expect(s.plant!.simulator.device('line-1/compressor-01')!.status()).toMatchObject({ state: 'running', load_pct: 100 });
    // (the replay runs on at 600×: it is nearer where it was than the scenario the demo jumped to)
    const runaway = s.plant!.simulator.scenarios().find((x) => x.type === 'thermal_runaway')!;
    const replayAfter = Date.parse(s.plant!.simulator.status().simTime!);
    const scenarioAt = replayBefore - (replayBefore % 86_400_000) + runaway.startHour * 3_600_000;
    expect(Math.abs(replayAfter - replayBefore)).toBeLessThan(Math.abs(replayAfter - scenarioAt));
    const kinds = s.governance.audit.query({ agentId: 'operator-agent', limit: 200 }).map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['BLOCKED', 'REVIEW', 'APPROVED', 'TOKEN_ISSUED', 'KILLED', 'REVIVED']));

    // Every run was exported to the collector with GenAI span names.
    await s.tracer.flush();
    const names = new Set(
      received
        .filter((r) => r.path === '/v1/traces')
        .flatMap((r) => r.body.resourceSpans!.flatMap((x) => x.scopeSpans.flatMap((y) => y.spans.map((z) => z.name)))),
    );
    for (const n of [
      'invoke_agent AegisFlow operator agent',
      'invoke_agent Line 2 assistant',
      'execute_tool get_device_status',
      'execute_tool get_sensor_stream',
      'execute_tool query_device_manual',
      'execute_tool execute_device_command',
      'execute_tool log_incident_report',
      'governance.decision',
    ]) {
      expect(names, n).toContain(n);
    }
    const traces = s.tracer.list(20);
    expect(traces.map((t) => t.outcome)).toEqual(expect.arrayContaining(['resolved', 'refused', 'paused']));
  }, 120_000);
});
