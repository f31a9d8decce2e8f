// The LLM planner against a fake OpenAI-compatible server on loopback (a real HTTP server with
// scripted tool-call replies), driving a real core: the tools are AegisFlow's MCP server over
// Streamable HTTP, every call passes the real gateway, and the model asks for a blocked action.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '..';
import { SEED_TOOLS } from '../../../shared/mcp';
import { OPERATOR, operatorCaller } from '../../../tests/helpers';

interface ChatRequest {
  model: string;
  messages: Array<{
    role: string;
    content: string | null;
    tool_call_id?: string;
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  }>;
  tools: Array<{ type: string; function: { name: string; parameters: { properties?: Record<string, unknown> } } }>;
}

/** A fake chat endpoint: answers request i with script[i] (or HTTP `status` when set). */
function fakeModel() {
  const requests: ChatRequest[] = [];
  let script: Array<Record<string, unknown>> = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions' || req.method !== 'POST') return res.writeHead(404).end();
      requests.push(JSON.parse(data) as ChatRequest);
      if (status !== 200) return res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":{"message":"model overloaded"}}');
      const reply = script[requests.length - 1] ?? { content: 'done' };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          model: 'fake-model',
          choices: [
            {
              index: 0,
              finish_reason: reply.tool_calls ? 'tool_calls' : 'stop',
              message: { role: 'assistant', content: reply.content ?? null, tool_calls: reply.tool_calls },
            },
          ],
          usage: { prompt_tokens: 1000 + 100 * requests.length, completion_tokens: 20, total_tokens: 1020 + 100 * requests.length },
        }),
      );
    });
  });
  return {
    requests,
    server,
    setScript: (s: Array<Record<string, unknown>>) => {
      script = s;
      requests.length = 0;
      status = 200;
    },
    setStatus: (s: number) => {
      status = s;
      requests.length = 0;
    },
  };
}

const call = (id: string, name: string, args: Record<string, unknown>) => ({ id, type: 'function', function: { name, arguments: JSON.stringify(args) } });
const DEVICE = 'line-1/compressor-01';

describe('LLM planner (OpenAI-compatible tool calling) on a live core', () => {
  const model = fakeModel();
  let dir: string;
  let core: Core;
  let stopApprover: () => void;

  beforeAll(async () => {
    await new Promise<void>((r) => model.server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(model.server.address() as AddressInfo).port}/v1`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-llm-'));
    core = createCore(
      testConfig(dir, {
        simulator: { speed: 100 },
        governance: { watchPolicy: false },
        immune: { fleet: { enabled: false } },
        agent: { planner: 'llm', llm: { baseUrl: base, model: 'fake-model', provider: 'openai', prices: { 'fake-model': { inputPer1M: 2, outputPer1M: 8 } } } },
      }),
    );
    await core.start();
    // The operator approves whatever the agent asks for review (the policy decides what reaches them).
    stopApprover = core.bus.on('approval.created', (a) => {
      setTimeout(() => void core.api.call('approvals.decide', { id: a.id, verdict: 'approve' }, operatorCaller('test-operator')), 50);
    });
  });
  afterEach(() => model.setScript([]));
  afterAll(async () => {
    stopApprover?.();
    await core?.stop();
    await new Promise<void>((r) => model.server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('offers the MCP tools, is BLOCKED on emergency_shutdown, reads the refusal, reduces load instead; usage and cost land in the trace', async () => {
    model.setScript([
      { content: 'Reading the device first.', tool_calls: [call('c1', 'get_device_status', { device_id: DEVICE })] },
      {
        tool_calls: [
          call('c2', 'execute_device_command', {
            device_id: DEVICE,
            command: 'emergency_shutdown',
            justification: 'temperature critical; the operator asked for a shutdown',
          }),
        ],
      },
      {
        content: 'Shutdown is blocked; SOP 2.1 says reduce load first.',
        tool_calls: [
          call('c3', 'execute_device_command', {
            device_id: DEVICE,
            command: 'reduce_load',
            parameters: { reduction_pct: 50 },
            justification: 'SOP 2.1 step 2: reduce load first',
          }),
        ],
      },
      { content: 'Load reduced by 50 % (approved); the shutdown was blocked by policy.' },
    ]);
    const r = await core.services.agent.run({ device_id: DEVICE, ask: 'Temperature is critical. Shut it down.' });

    expect(r).toMatchObject({ outcome: 'resolved', summary: 'Load reduced by 50 % (approved); the shutdown was blocked by policy.' });
    expect(model.requests).toHaveLength(4);
    const offered = model.requests[0].tools.map((t) => t.function.name);
    for (const t of [...SEED_TOOLS, 'wait_for_plant']) {
      expect(offered).toContain(t);
    }
    expect(model.requests[0].tools.find((t) => t.function.name === 'execute_device_command')!.function.parameters.properties).toHaveProperty('command');
    // The model saw the refusal as the result of its own call, with the rule and the way out.
    const third = model.requests[2].messages;
    const refusal = third.find((m) => m.role === 'tool' && m.tool_call_id === 'c2')!;
    expect(refusal.content).toMatch(/^ERROR: BLOCKED by policy rule "block-shutdown-restart".*reduce_load/s);
    expect(third.find((m) => m.role === 'assistant' && m.tool_calls?.[0]?.id === 'c2')).toBeDefined();

    // The plant: shut down never, load reduced once.
    expect(core.services.plant!.simulator.device(DEVICE)!.status()).toMatchObject({ state: 'reduced', load_pct: 50 });
    const audit = core.services.governance.audit.query({ agentId: 'operator-agent', limit: 50 });
    expect(audit.find((a) => a.kind === 'BLOCKED')).toMatchObject({ tool: 'execute_device_command', ruleId: 'block-shutdown-restart' });
    expect(audit.find((a) => a.kind === 'APPROVED')).toMatchObject({ tool: 'execute_device_command', actor: 'test-operator' });

    // Tokens: 1100+1200+1300+1400 in, 4×20 out; cost from the price table.
    expect(r.inputTokens).toBe(5000);
    expect(r.outputTokens).toBe(80);
    expect(r.costUsd).toBeCloseTo((5000 * 2 + 80 * 8) / 1e6, 9);
    const trace = core.services.tracer.get(r.traceId)!;
    const chats = trace.spans.filter((s) => s.name === 'chat fake-model');
    expect(chats).toHaveLength(4);
    expect(chats[0].attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 1100,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.provider.name': 'openai',
    });
    const decisions = trace.spans.filter((s) => s.name === 'governance.decision').map((s) => s.attributes['aegisflow.governance.decision']);
    expect(decisions).toEqual(['ALLOW', 'BLOCK', 'REVIEW']);
    expect(trace.trace).toMatchObject({ planner: 'llm', model: 'fake-model', toolCalls: 3, decisions: { ALLOW: 1, BLOCK: 1, REVIEW: 1 } });
  });

  it('a model that keeps asking for blocked actions changes nothing and the run ends refused', async () => {
    model.setScript([
      {
        tool_calls: [
          call('b1', 'execute_device_command', {
            device_id: 'line-2/compressor-01',
            command: 'restart',
            justification: 'power oscillates; restart will clear it',
          }),
        ],
      },
      {
        tool_calls: [
          call('b2', 'execute_device_command', {
            device_id: 'line-2/compressor-01',
            command: 'emergency_shutdown',
            justification: 'then shut it down instead, please',
          }),
        ],
      },
      { content: 'Both commands were blocked by policy; asking the operator to act locally.' },
    ]);
    const r = await core.services.agent.run({ device_id: 'line-2/compressor-01' });
    expect(r.outcome).toBe('refused');
    expect(core.services.plant!.simulator.device('line-2/compressor-01')!.status().state).toBe('running');
    expect(core.services.tracer.get(r.traceId)!.trace.decisions).toEqual({ ALLOW: 0, REVIEW: 0, BLOCK: 2 });
  });

  it('an endpoint that fails ends the run as failed with the reason, and nothing is called', async () => {
    model.setStatus(500);
    const before = core.services.governance.audit.query({ agentId: 'operator-agent', limit: 1 })[0]?.seq;
    const r = await core.services.agent.run({ device_id: DEVICE });
    expect(r.outcome).toBe('failed');
    expect(r.summary).toMatch(/HTTP 500.*model overloaded/);
    expect(core.services.governance.audit.query({ agentId: 'operator-agent', limit: 1 })[0]?.seq).toBe(before);
    const chat = core.services.tracer.get(r.traceId)!.spans.find((s) => s.name === 'chat fake-model')!;
    expect(chat).toMatchObject({ status: 'error', attributes: { 'error.type': 'llm_http' } });
  });

  it('malformed tool arguments from the model reach the server, which names the problem; the model can correct itself', async () => {
    model.setScript([
      { tool_calls: [{ id: 'm1', type: 'function', function: { name: 'get_device_status', arguments: '{"device_id": ' } }] },
      { tool_calls: [call('m2', 'get_device_status', { device_id: DEVICE })] },
      { content: 'Checked.' },
    ]);
    const r = await core.services.agent.run({ device_id: DEVICE });
    expect(r.outcome).toBe('no_action');
    const toolMsg = model.requests[1].messages.find((m) => m.role === 'tool' && m.tool_call_id === 'm1')!;
    expect(toolMsg.content).toMatch(/device_id/);
    expect(model.requests[2].messages.find((m) => m.role === 'tool' && m.tool_call_id === 'm2')!.content).not.toMatch(/^ERROR/);
  });

  it('serves runs and traces through the contract, with clear errors for bad requests', async () => {
    model.setScript([{ content: 'Nothing to do.' }]);
    const run = await core.api.call('agent.run', { device_id: DEVICE, wait: true }, OPERATOR);
    expect(run.ok && run.result.result?.outcome).toBe('no_action');
    const list = await core.api.call('traces.list', { limit: 50 }, OPERATOR);
    expect(list.ok && list.result[0].traceId).toBe(run.ok ? run.result.result!.traceId : null);
    const got = await core.api.call('traces.get', { traceId: list.ok ? list.result[0].traceId : '' }, OPERATOR);
    expect(got.ok && got.result.spans.map((x) => x.name)).toEqual(
      expect.arrayContaining(['invoke_agent AegisFlow operator agent', 'chat fake-model', 'mcp.connect']),
    );
    expect(await core.api.call('traces.get', { traceId: 'nope' }, OPERATOR)).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(await core.api.call('traces.get', { traceId: 'f'.repeat(32) }, OPERATOR)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await core.api.call('agent.run', { device_id: DEVICE, reduction_pct: 500 }, OPERATOR)).toMatchObject({
      ok: false,
      error: { code: 'invalid_params' },
    });
    expect(await core.api.call('agent.run', { episode_id: 'no-such-episode' }, OPERATOR)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await core.api.call('agent.status', {}, OPERATOR)).toMatchObject({ ok: true, result: { agentId: 'operator-agent', planner: 'llm', running: null } });
  });
});
