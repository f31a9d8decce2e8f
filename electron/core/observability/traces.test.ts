import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { applyMigrations, openDatabase, type Db } from '../store';
import { costOf, createLogger, createOtlpTraceExporter, observabilityMigrations, Tracer } from '.';

/** A real OTLP/HTTP collector on loopback that keeps every JSON body it receives. */
async function startCollector(status = 200) {
  const received: Array<{ path: string; body: Record<string, unknown> }> = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

type OtlpSpan = {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  status: { code: number };
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
};
const spansOf = (body: Record<string, unknown>) =>
  (body.resourceSpans as Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
const attr = (s: OtlpSpan, key: string) => s.attributes.find((a) => a.key === key)?.value;

describe('traces', () => {
  let dir: string;
  let db: Db;
  const log = createLogger({ level: 'silent' });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-traces-'));
    db = openDatabase(path.join(dir, 'test.db'));
    applyMigrations(db, observabilityMigrations);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** One agent run as the runner records it: a tool call with its governance decision, and a model call. */
  function recordRun(tracer: Tracer, clock: ReturnType<typeof manualClock>) {
    const t = tracer.startTrace({
      agentName: 'operator-agent',
      agentId: 'operator-agent',
      planner: 'llm',
      model: 'm1',
      trigger: 'anomaly',
      deviceId: 'line-1/compressor-01',
    });
    const chat = t.startSpan('chat m1', {
      kind: 'client',
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm1', 'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.output_tokens': 80 },
    });
    clock.advance(900);
    chat.end('ok');
    t.addUsage({ inputTokens: 1200, outputTokens: 80, costUsd: 0.0042 });
    const tool = t.startSpan('execute_tool execute_device_command', {
      kind: 'client',
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'execute_device_command', 'gen_ai.tool.call.id': 'c1' },
    });
    clock.advance(15);
    const gov = t.startSpan('governance.decision', {
      parent: tool,
      attributes: { 'aegisflow.governance.decision': 'BLOCK', 'aegisflow.governance.rule_id': 'block-shutdown-restart' },
    });
    gov.end('error', 'blocked');
    t.countDecision('BLOCK');
    t.countToolCall();
    tool.end('error', 'blocked');
    clock.advance(5);
    return t.end({ outcome: 'refused', summary: 'shutdown blocked' });
  }

  it('stores a run as a trace with its spans, usage, cost and decisions, readable after a reopen', () => {
    const clock = manualClock(1_700_000_000_000);
    const summary = recordRun(new Tracer({ db, clock, log }), clock);
    expect(summary).toMatchObject({
      outcome: 'refused',
      inputTokens: 1200,
      outputTokens: 80,
      costUsd: 0.0042,
      toolCalls: 1,
      spans: 4,
      decisions: { BLOCK: 1, ALLOW: 0, REVIEW: 0 },
    });
    db.close();
    db = openDatabase(path.join(dir, 'test.db'));
    const again = new Tracer({ db, clock, log });
    const list = again.list();
    expect(list.map((t) => t.traceId)).toEqual([summary.traceId]);
    const detail = again.get(summary.traceId)!;
    const byName = new Map(detail.spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(['chat m1', 'execute_tool execute_device_command', 'governance.decision', 'invoke_agent operator-agent']);
    const root = byName.get('invoke_agent operator-agent')!;
    expect(root.parentSpanId).toBeNull();
    expect(root.attributes['gen_ai.usage.input_tokens']).toBe(1200);
    expect(byName.get('governance.decision')!.parentSpanId).toBe(byName.get('execute_tool execute_device_command')!.spanId);
    expect(byName.get('chat m1')!.endMs! - byName.get('chat m1')!.startMs).toBe(900);
  });

  it('ends spans left open with their trace, marked as errors', () => {
    const clock = manualClock(0);
    const tracer = new Tracer({ db, clock, log });
    const t = tracer.startTrace({ agentName: 'a' });
    t.startSpan('execute_tool get_sensor_stream');
    t.end({ outcome: 'failed', summary: 'connection lost' });
    const s = tracer.get(t.traceId)!.spans.find((x) => x.name === 'execute_tool get_sensor_stream')!;
    expect(s.status).toBe('error');
    expect(s.statusMessage).toBe('ended with its trace');
    expect(tracer.get(t.traceId)!.trace.status).toBe('error');
  });

  it('exports each finished trace over OTLP/HTTP JSON to a collector on loopback, with GenAI span names and token metrics', async () => {
    const col = await startCollector();
    try {
      const clock = manualClock(1_700_000_000_000);
      const exporter = createOtlpTraceExporter({ endpoint: col.url, timeoutMs: 2000, resource: { serviceName: 'aegisflow-test' }, metrics: true, log });
      const tracer = new Tracer({ db, clock, log, sink: (t, s) => exporter.export(t, s) });
      const summary = recordRun(tracer, clock);
      await tracer.flush();
      const traces = col.received.filter((r) => r.path === '/v1/traces');
      expect(traces).toHaveLength(1);
      const spans = spansOf(traces[0].body);
      expect(spans.map((s) => s.name).sort()).toEqual(['chat m1', 'execute_tool execute_device_command', 'governance.decision', 'invoke_agent operator-agent']);
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([summary.traceId]));
      const tool = spans.find((s) => s.name.startsWith('execute_tool'))!;
      expect(attr(tool, 'gen_ai.tool.name')).toEqual({ stringValue: 'execute_device_command' });
      expect(tool.kind).toBe(3);
      expect(tool.status.code).toBe(2);
      expect(spans.find((s) => s.name === 'governance.decision')!.parentSpanId).toBe(tool.spanId);
      const resourceAttrs = (traces[0].body.resourceSpans as Array<{ resource: { attributes: Array<{ key: string; value: unknown }> } }>)[0].resource
        .attributes;
      expect(resourceAttrs).toContainEqual({ key: 'service.name', value: { stringValue: 'aegisflow-test' } });
      const metrics = col.received.find((r) => r.path === '/v1/metrics')!;
      const m = (
        metrics.body.resourceMetrics as Array<{
          scopeMetrics: Array<{
            metrics: Array<{
              name: string;
              histogram: { dataPoints: Array<{ sum: number; attributes: Array<{ key: string; value: { stringValue?: string } }> }> };
            }>;
          }>;
        }>
      )[0].scopeMetrics[0].metrics;
      const usage = m.find((x) => x.name === 'gen_ai.client.token.usage')!;
      const byType = Object.fromEntries(
        usage.histogram.dataPoints.map((p) => [p.attributes.find((a) => a.key === 'gen_ai.token.type')!.value.stringValue, p.sum]),
      );
      expect(byType).toEqual({ input: 1200, output: 80 });
      expect(exporter.stats()).toEqual({ exported: 2, failed: 0 });
    } finally {
      await col.close();
    }
  });

  it('keeps the trace locally and counts the failure when the collector is down or refuses', async () => {
    const clock = manualClock(0);
    const refusing = await startCollector(503);
    const closedPort = await startCollector();
    await closedPort.close();
    try {
      for (const endpoint of [refusing.url, closedPort.url]) {
        const exporter = createOtlpTraceExporter({ endpoint, timeoutMs: 1000, resource: { serviceName: 't' }, metrics: false, log });
        const tracer = new Tracer({ db, clock, log, sink: (t, s) => exporter.export(t, s) });
        const t = recordRun(tracer, clock);
        await tracer.flush();
        expect(exporter.stats()).toEqual({ exported: 0, failed: 1 });
        expect(tracer.get(t.traceId)?.spans).toHaveLength(4);
      }
    } finally {
      await refusing.close();
    }
  });

  it('masks secrets in attributes, events, status messages and the summary before storing or exporting them', async () => {
    const clock = manualClock(1_800_000_000_000);
    const collector = await startCollector();
    try {
      const exporter = createOtlpTraceExporter({ endpoint: collector.url, timeoutMs: 2000, resource: { serviceName: 't' }, metrics: false, log });
      const tracer = new Tracer({ db, clock, log, sink: (t, s) => exporter.export(t, s) });
      const t = tracer.startTrace({
        agentName: 'operator-agent',
        agentId: 'operator-agent',
        attributes: { 'aegisflow.anomaly_id': 'line-1/compressor-01@1767227600000' },
      });
      const span = t.startSpan('execute_tool log_incident_report', {
        attributes: { 'gen_ai.tool.call.arguments': { note: 'card 4111 1111 1111 1111', password: 'hunter2' } },
      });
      span.addEvent('gen_ai.choice', { text: 'use sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s' });
      span.end('error', 'refused: password=hunter2-Orchid-77');
      t.end({ outcome: 'failed', summary: 'ssn 512-44-3187 in the report' });
      await tracer.flush();
      const stored = JSON.stringify(tracer.get(t.traceId)) + JSON.stringify(tracer.list());
      const exported = JSON.stringify(collector.received);
      for (const text of [stored, exported]) {
        for (const secret of ['4111 1111 1111 1111', 'hunter2', 'sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s', '512-44-3187']) expect(text).not.toContain(secret);
        expect(text).toContain('line-1/compressor-01@1767227600000');
      }
      expect(tracer.get(t.traceId)!.trace.summary).toBe('ssn [masked] in the report');
    } finally {
      await collector.close();
    }
  });

  it('prices tokens from the table and leaves unlisted (local) models at zero', () => {
    const prices = { 'gpt-4o-mini': { inputPer1M: 0.15, outputPer1M: 0.6 }, llama3: { inputPer1M: 1, outputPer1M: 2 } };
    expect(costOf(prices, 'gpt-4o-mini', 1_000_000, 500_000)).toBeCloseTo(0.45, 10);
    expect(costOf(prices, 'llama3:8b', 1000, 1000)).toBeCloseTo(0.003, 10);
    expect(costOf(prices, 'qwen2.5', 5000, 5000)).toBe(0);
  });
});
