// The governed MCP server through the real SDK Client over InMemoryTransport, on a live core:
// real broker, simulator, detection, governance gateway and SQLite in a temp dir.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { decideNext, injectAnomaly, inMemoryClient, reduceLoadHalf, startRig, textOf, waitFor, type McpRig } from '../../../tests/mcp-helpers';
import { SEED_TOOLS } from './tools';
import { GOVERNANCE_META } from './outcome';
import { OPERATOR, operatorCaller } from '../../../tests/helpers';

let rig: McpRig;
let client: Client;

beforeAll(async () => {
  rig = await startRig({ mcp: { review: { waitWithoutProgressMs: 300 } } });
  client = await inMemoryClient(rig);
  await waitFor(() => rig.core.services.live.devices().length === 9, 'readings from all nine devices');
}, 60_000);
afterAll(async () => {
  await client?.close();
  await rig?.close();
});

const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });

describe('MCP server (in-memory client, live plant)', () => {
  it('lists the nine seed tools by their exact names, with schemas and annotations', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of SEED_TOOLS) expect(names).toContain(n);
    expect(names).toEqual(expect.arrayContaining(['propose_plan', 'get_approval_status', 'list_devices']));
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
      expect(t.description!.length).toBeGreaterThan(20);
    }
    const exec = tools.find((t) => t.name === 'execute_device_command')!;
    expect(exec.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(Object.keys(exec.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['device_id', 'command', 'parameters', 'justification']));
    expect(tools.find((t) => t.name === 'get_sensor_stream')!.annotations).toMatchObject({ readOnlyHint: true });
    // Honest metadata: all four hints and an icon on every tool; a gated tool is never read-only.
    for (const t of tools) {
      expect(Object.keys(t.annotations ?? {}).sort()).toEqual(['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint', 'title']);
      expect(t.icons?.[0]).toMatchObject({ mimeType: 'image/svg+xml', src: expect.stringMatching(/^data:image\/svg\+xml;base64,/) });
      if (t.execution?.taskSupport === 'optional') expect(t.annotations?.readOnlyHint).toBe(false);
    }
    expect(
      tools
        .filter((t) => t.execution?.taskSupport === 'optional')
        .map((t) => t.name)
        .sort(),
    ).toEqual(['acknowledge_anomaly', 'execute_device_command']);
  });

  it("get_sensor_stream returns every device's latest reading, and downsamples long windows", async () => {
    const all = await call('get_sensor_stream', { device_id: 'all' });
    expect(all.isError).toBeFalsy();
    const s = all.structuredContent as { devices: Array<{ device_id: string; readings: Array<Record<string, number>> }> };
    expect(s.devices).toHaveLength(9);
    expect(s.devices.every((d) => d.readings.length === 1 && typeof d.readings[0].temperature === 'number')).toBe(true);
    expect(textOf(all)).toContain('line-1/compressor-01');
    await waitFor(() => rig.core.services.live.recent('line-2/pump-03', 12).length === 12, '12 readings of line-2/pump-03');
    const long = await call('get_sensor_stream', { device_id: 'line-2/pump-03', last_n: 12, max_points: 4, sensors: ['pressure'] });
    const ls = long.structuredContent as { devices: Array<{ readings: Array<Record<string, unknown>>; downsampled: boolean }> };
    expect(ls.devices[0].readings).toHaveLength(4);
    expect(ls.devices[0].downsampled).toBe(true);
    expect(Object.keys(ls.devices[0].readings[0]).sort()).toEqual(['pressure', 'timestamp']);
  });

  it('get_device_status gives state, z-scores and alarms; list_devices lists the plant', async () => {
    const r = await call('get_device_status', { device_id: 'line-1/compressor-01' });
    const s = r.structuredContent as { state: string; load_pct: number; device_type: string; sensors: Array<{ sensor: string; value: number }> };
    expect(s).toMatchObject({ state: 'running', load_pct: 100, device_type: 'compressor' });
    expect(s.sensors.map((x) => x.sensor)).toEqual(['temperature', 'pressure', 'vibration', 'humidity', 'power']);
    const list = await call('list_devices');
    expect((list.structuredContent as { devices: unknown[] }).devices).toHaveLength(9);
    const unknown = await call('get_device_status', { device_id: 'line-7/compressor-01' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/unknown device "line-7\/compressor-01".*line-1\/compressor-01/);
  });

  it('query_device_manual cites the thermal runaway SOP', async () => {
    const r = await call('query_device_manual', { query: 'thermal runaway compressor' });
    const s = r.structuredContent as { results: Array<{ section: string; citation: string }> };
    expect(s.results[0]).toMatchObject({ section: '2.1', citation: 'SOP 2.1 Thermal runaway (compressors)' });
    expect(textOf(r)).toContain('reduce_load');
  });

  it('answers invalid arguments with a validation error naming the field', async () => {
    const r = await call('get_device_status', { device_id: 42 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/device_id/);
    const c = await call('execute_device_command', { device_id: 'line-1/compressor-01', command: 'explode', justification: 'testing validation' });
    expect(c.isError).toBe(true);
    expect(textOf(c)).toMatch(/command/);
    const refused = rig.core.services.mcp.recentCalls({ limit: 2 });
    expect(refused.map((r) => [r.tool, r.status, r.decision])).toEqual([
      ['execute_device_command', 'invalid', 'NONE'],
      ['get_device_status', 'invalid', 'NONE'],
    ]);
    const nothing = await call('no_such_tool');
    expect(nothing.isError).toBe(true);
    expect(rig.core.services.mcp.recentCalls({ limit: 1 })[0]).toMatchObject({ tool: 'no_such_tool', status: 'invalid' });
  });

  it('logs an incident report and finds it again by device, line and words', async () => {
    const r = await call('log_incident_report', {
      device_id: 'line-1/compressor-01',
      title: 'Thermal runaway on line-1/compressor-01',
      severity: 'high',
      anomaly_type: 'thermal_runaway',
      root_cause: 'fouled intercooler',
      actions_taken: 'reduce_load 50% approved by alice',
      lessons_learned: 'clean the intercooler monthly',
      manual_sections: ['2.1'],
    });
    expect(r.isError).toBeFalsy();
    const id = (r.structuredContent as { incident: { id: string } }).incident.id;
    const byDevice = await call('get_incident_reports', { device_id: 'line-1/compressor-01' });
    expect((byDevice.structuredContent as { incidents: Array<{ id: string }> }).incidents.map((i) => i.id)).toContain(id);
    const byLine = await call('get_incident_reports', { device_id: 'line-1', query: 'intercooler monthly' });
    expect((byLine.structuredContent as { total: number }).total).toBe(1);
    const none = await call('get_incident_reports', { device_id: 'line-2', query: 'intercooler' });
    expect((none.structuredContent as { total: number }).total).toBe(0);
  });

  it('lists active anomalies and history, and acknowledges one only after an operator approves', async () => {
    injectAnomaly(rig, 'line-9/compressor-01');
    const active = await call('get_active_anomalies', { device_id: 'line-9/compressor-01' });
    const list = (active.structuredContent as { anomalies: Array<{ id: string; type_hint: string }> }).anomalies;
    expect(list).toHaveLength(1);
    const history = await call('get_anomaly_history', { device_id: 'line-9/compressor-01' });
    expect((history.structuredContent as { total: number }).total).toBe(1);
    const decided = decideNext(rig, 'approve');
    const ack = await client.callTool({
      name: 'acknowledge_anomaly',
      arguments: { anomaly_id: list[0].id, note: 'test: operator is on it' },
      _meta: { progressToken: 'ack-1' },
    });
    await decided;
    expect(ack.isError).toBeFalsy();
    expect(ack.structuredContent).toMatchObject({ status: 'acknowledged', approved_by: 'alice' });
    expect(rig.core.services.detection.get(list[0].id)!.acknowledged_by).toMatch(/^agent:diag/);
  });

  it('BLOCKs emergency_shutdown with a reason the agent can act on, and sends nothing', async () => {
    const r = await call('execute_device_command', {
      device_id: 'line-1/compressor-01',
      command: 'emergency_shutdown',
      justification: 'temperature is critical',
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/BLOCKED by policy rule "block-shutdown-restart".*reduce_load/s);
    expect(textOf(r)).not.toMatch(/\.\. /); // one full stop between the policy's reason and ours
    expect((r._meta as Record<string, { decision: string }>)[GOVERNANCE_META].decision).toBe('BLOCK');
    const st = rig.core.services.plant!.simulator.devices().find((d) => d.device_id === 'line-1/compressor-01')!;
    expect(st.state).toBe('running');
    const audit = await rig.core.api.call('audit.query', { kind: 'BLOCKED', tool: 'execute_device_command' }, OPERATOR);
    expect(audit.ok && audit.result.length).toBe(1);
  });

  it('REVIEW approved: waits with progress, executes through the executor, and the next readings show it', async () => {
    const device = 'line-3/motor-02';
    const before = rig.core.services.live.latest(device)!.values.power;
    const progress: number[] = [];
    const decided = decideNext(rig, 'approve');
    const r = await reduceLoadHalf(client, device, 'vibration high; SOP 2.3 says reduce load', (p) => progress.push(p.progress));
    await decided;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'executed', command: 'reduce_load', params: { reduction_pct: 50 }, approved_by: 'alice' });
    expect(progress.length).toBeGreaterThan(0);
    await waitFor(
      () => rig.core.services.plant!.simulator.devices().find((d) => d.device_id === device)!.state === 'reduced',
      'the device model to apply the command',
    );
    await waitFor(() => rig.core.services.live.latest(device)!.values.power < before * 0.75, `power of ${device} to drop below 75% of ${before}`);
    const rows = rig.core.services.mcp.recentCalls({ tool: 'execute_device_command', limit: 1 });
    expect(rows[0]).toMatchObject({ agent_id: 'diag', decision: 'REVIEW', status: 'ok', is_error: false });
    expect(rows[0].wait_ms).toBeGreaterThan(0);
  });

  it('REVIEW rejected: isError, nothing executed', async () => {
    const device = 'line-2/motor-02';
    const decided = decideNext(rig, 'reject', 'bob');
    const r = await client.callTool({
      name: 'execute_device_command',
      arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: 30 }, justification: 'testing a rejection path' },
      _meta: { progressToken: 'p-rej' },
    });
    await decided;
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^REJECTED by bob/);
    await new Promise((res) => setTimeout(res, 200));
    expect(rig.core.services.plant!.simulator.devices().find((d) => d.device_id === device)).toMatchObject({ state: 'running', load_pct: 100 });
    const executed = await rig.core.api.call('audit.query', { kind: 'EXECUTED' }, OPERATOR);
    expect(executed.ok && executed.result.every((row) => (row.detail as { device_id: string }).device_id !== device)).toBe(true);
  });

  it('without a progressToken answers PENDING, and get_approval_status runs the call once approved', async () => {
    const device = 'line-2/compressor-01';
    const r = await call('execute_device_command', {
      device_id: device,
      command: 'reduce_load',
      parameters: { reduction_pct: 20 },
      justification: 'power oscillating; SOP 2.5 first step',
    });
    expect(r.isError).toBe(true);
    const meta = (r._meta as Record<string, { status: string; approval_id: string }>)[GOVERNANCE_META];
    expect(meta.status).toBe('pending');
    expect(textOf(r)).toContain(meta.approval_id);
    const still = await call('get_approval_status', { approval_id: meta.approval_id });
    expect(still.structuredContent).toMatchObject({ status: 'pending', executed: false });
    await rig.core.api.call('approvals.decide', { id: meta.approval_id, verdict: 'approve' }, operatorCaller('carol'));
    const done = await call('get_approval_status', { approval_id: meta.approval_id });
    expect(done.structuredContent).toMatchObject({
      status: 'approved',
      executed: true,
      decided_by: 'carol',
      result: { status: 'executed', device_id: device },
    });
    // The call ran once, when approved: asking again replays that outcome, and so does the same call again.
    const again = await call('get_approval_status', { approval_id: meta.approval_id });
    expect(again.structuredContent).toMatchObject({ status: 'approved', executed: true, result: (done.structuredContent as { result: unknown }).result });
    const retry = await call('execute_device_command', {
      device_id: device,
      command: 'reduce_load',
      parameters: { reduction_pct: 20 },
      justification: 'power oscillating; SOP 2.5 first step',
    });
    expect(retry.structuredContent).toEqual((done.structuredContent as { result: unknown }).result);
    const executed = await rig.core.api.call('audit.query', { kind: 'EXECUTED' }, OPERATOR);
    expect(executed.ok && executed.result.filter((row) => (row.detail as { device_id: string }).device_id === device)).toHaveLength(1);
  });

  it('propose_plan: one approval, then the step runs with plan_id', async () => {
    const step = {
      device_id: 'line-3/pump-03',
      command: 'reduce_load',
      parameters: { reduction_pct: 10 },
      justification: 'pressure dropping; SOP 2.2 reduce load',
    };
    const decided = decideNext(rig, 'approve');
    const plan = await client.callTool({
      name: 'propose_plan',
      arguments: { steps: [{ tool: 'execute_device_command', args: step }], rationale: 'pressure leak suspected on line-3/pump-03' },
      _meta: { progressToken: 'plan-1' },
    });
    await decided;
    expect(plan.structuredContent).toMatchObject({ status: 'approved', approved_by: 'alice' });
    const planId = (plan.structuredContent as { plan_id: string }).plan_id;
    const run = await call('execute_device_command', { ...step, plan_id: planId });
    expect(run.isError).toBeFalsy();
    expect(run.structuredContent).toMatchObject({ status: 'executed', device_id: 'line-3/pump-03' });
    const twice = await call('execute_device_command', { ...step, plan_id: planId });
    expect(twice.isError).toBe(true);
    const blocked = await call('propose_plan', {
      steps: [{ tool: 'execute_device_command', args: { ...step, command: 'emergency_shutdown' } }],
      rationale: 'a plan with a blocked step',
    });
    expect(blocked.isError).toBe(true);
    expect(textOf(blocked)).toMatch(/^BLOCKED: step 1 \(execute_device_command\) is blocked/);
    expect(rig.core.services.mcp.recentCalls({ limit: 1 })[0]).toMatchObject({ tool: 'propose_plan', status: 'blocked', decision: 'BLOCK' });
  });

  it('the kill switch during a pending approval cancels the call; nothing runs', async () => {
    rig.core.services.governance.addAgent({ id: 'pz', name: 'Paused mid-call' });
    const pz = await inMemoryClient(rig, 'pz');
    const created = new Promise<void>((resolve) => {
      const off = rig.core.bus.on('approval.created', (a) => {
        if (a.agentId !== 'pz') return;
        off();
        rig.core.services.governance.pauseAgent('pz', 'operator pulled the plug');
        resolve();
      });
    });
    const r = await pz.callTool({
      name: 'execute_device_command',
      arguments: {
        device_id: 'line-3/compressor-01',
        command: 'reduce_load',
        parameters: { reduction_pct: 25 },
        justification: 'will be cancelled by the kill switch',
      },
      _meta: { progressToken: 'kill' },
    });
    await created;
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^CANCELLED/);
    expect(rig.core.services.plant!.simulator.devices().find((d) => d.device_id === 'line-3/compressor-01')).toMatchObject({ load_pct: 100 });
    await pz.close();
  });

  it('keeps a whole-plant stream model-sized', async () => {
    const r = await call('get_sensor_stream', { device_id: 'all', last_n: 500, max_points: 200 });
    const devices = (r.structuredContent as { devices: Array<{ readings: unknown[] }> }).devices;
    expect(devices.reduce((n, d) => n + d.readings.length, 0)).toBeLessThanOrEqual(540);
  });

  it('refuses every call of a paused agent', async () => {
    rig.core.services.governance.addAgent({ id: 'other', name: 'Other' });
    const other = await inMemoryClient(rig, 'other');
    rig.core.services.governance.pauseAgent('other', 'drill');
    const r = await other.callTool({ name: 'get_active_anomalies', arguments: {} });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/REFUSED: agent other is paused/);
    // Even a call that could never work is answered by the gateway (and audited) for a paused agent.
    const probe = await other.callTool({ name: 'get_device_status', arguments: { device_id: 'line-8/pump-01' } });
    expect(textOf(probe)).toMatch(/REFUSED: agent other is paused/);
    await other.close();
  });

  it('records every call: tool_calls rows and mcp.call events', async () => {
    const seen: string[] = [];
    const off = rig.core.bus.on('mcp.call', (e) => seen.push(`${e.tool}:${e.status}`));
    await call('list_devices');
    off();
    expect(seen).toEqual(['list_devices:ok']);
    const rows = rig.core.services.mcp.recentCalls({ limit: 500 });
    expect(rows.some((r) => r.tool === 'execute_device_command' && r.status === 'blocked')).toBe(true);
    expect(rows.some((r) => r.status === 'rejected')).toBe(true);
    expect(rows[0].tool).toBe('list_devices');
    // The immune system gets one vitals record per run of calls (closed here instead of waiting 5 s of silence).
    rig.core.services.mcp.deps.runVitals!.flush(true);
    const immune = await rig.core.api.call('immune.agent', { agent_id: 'diag' }, OPERATOR);
    expect(immune.ok).toBe(true);
    if (immune.ok) {
      expect(immune.result.agent.executions).toBeGreaterThanOrEqual(1);
      expect(immune.result.agent.source).toBe('governed');
    }
  });

  it('serves resources (devices, manual, policy) and the diagnose_device prompt', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['aegisflow://devices', 'aegisflow://manual', 'aegisflow://policy']));
    const manual = await client.readResource({ uri: 'aegisflow://manual/2.1' });
    expect((manual.contents[0] as { text: string }).text).toContain('Thermal runaway');
    const policy = await client.readResource({ uri: 'aegisflow://policy' });
    expect((policy.contents[0] as { text: string }).text).toContain('block-shutdown-restart');
    const prompt = await client.getPrompt({ name: 'diagnose_device', arguments: { device_id: 'line-1/compressor-01' } });
    expect((prompt.messages[0].content as { text: string }).text).toContain('get_device_status');
  });
});

describe('mcp.info for the "Connect an agent" panel', () => {
  it('gives the endpoint and copy-paste configs', async () => {
    const r = await rig.core.api.call('mcp.info', {}, OPERATOR);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.result.url).toBe(rig.mcpUrl);
    expect(
      r.result.tools
        .filter((t) => t.gated)
        .map((t) => t.name)
        .sort(),
    ).toEqual(['acknowledge_anomaly', 'execute_device_command']);
    expect(JSON.stringify(r.result.examples.claudeDesktop)).toContain('AEGISFLOW_AGENT_TOKEN');
    const calls = await rig.core.api.call('mcp.calls', { limit: 3 }, OPERATOR);
    expect(calls.ok && calls.result.length).toBe(3);
  });
});

describe('an agent scoped to line 2 sees and touches line 2 only', () => {
  it('filters fleet-wide reads and resources to its scope, and refuses an anomaly on another line', async () => {
    rig.core.services.governance.addAgent({ id: 'line2-bot', name: 'line 2 bot', scope: { lines: ['line-2'] } });
    // Devices the live plant does not feed, so the injected episodes stay open.
    injectAnomaly(rig, 'line-1/compressor-09');
    injectAnomaly(rig, 'line-2/compressor-09');
    const fleet = (await call('get_active_anomalies', { limit: 100 })).structuredContent as { anomalies: Array<{ device_id: string; id: string }> };
    const line1 = fleet.anomalies.find((a) => a.device_id === 'line-1/compressor-09')!;
    expect(line1).toBeDefined(); // the unscoped agent sees both lines
    const scoped = await inMemoryClient(rig, 'line2-bot');
    try {
      const sc = (name: string, args: Record<string, unknown> = {}) => scoped.callTool({ name, arguments: args });
      const mine = (await sc('get_active_anomalies', { limit: 100 })).structuredContent as { anomalies: Array<{ device_id: string }> };
      expect(mine.anomalies.map((a) => a.device_id)).toContain('line-2/compressor-09');
      expect(mine.anomalies.every((a) => a.device_id.startsWith('line-2/'))).toBe(true);
      const hist = (await sc('get_anomaly_history', { limit: 100 })).structuredContent as { anomalies: Array<{ device_id: string }> };
      expect(hist.anomalies.map((a) => a.device_id)).toContain('line-2/compressor-09');
      expect(hist.anomalies.every((a) => a.device_id.startsWith('line-2/'))).toBe(true);
      const stream = (await sc('get_sensor_stream', { device_id: 'all' })).structuredContent as { devices: Array<{ device_id: string }> };
      expect(stream.devices.map((d) => d.device_id)).toEqual(['line-2/compressor-01', 'line-2/motor-02', 'line-2/pump-03']);
      const devices = (await sc('list_devices')).structuredContent as { devices: Array<{ device_id: string }> };
      expect(devices.devices.map((d) => d.device_id)).toEqual(['line-2/compressor-01', 'line-2/motor-02', 'line-2/pump-03']);
      const res = await scoped.readResource({ uri: 'aegisflow://devices' });
      expect((JSON.parse((res.contents[0] as { text: string }).text) as { devices: Array<{ device_id: string }> }).devices).toHaveLength(3);
      await expect(scoped.readResource({ uri: 'aegisflow://devices/line-1/pump-03' })).rejects.toThrow(/scope/);
      const otherLine = await sc('get_sensor_stream', { device_id: 'line-1' });
      expect(otherLine.isError).toBe(true);
      expect(textOf(otherLine)).toMatch(/line line-1 is outside/);
      // Acknowledging names only an anomaly id: the gateway checks the anomaly's device.
      const ack = await sc('acknowledge_anomaly', { anomaly_id: line1.id, note: 'not my line' });
      expect(ack.isError).toBe(true);
      expect((ack._meta as Record<string, { decision: string; rule_id: string }>)[GOVERNANCE_META]).toMatchObject({ decision: 'BLOCK', rule_id: 'scope' });
      expect(rig.core.services.detection.get(line1.id)!.acknowledged_by).toBeNull();
      // Incident reports: line 1's exist (an earlier test logged one) but are not line 2's to read.
      expect(((await call('get_incident_reports', { device_id: 'line-1' })).structuredContent as { total: number }).total).toBeGreaterThan(0);
      const rep = await sc('get_incident_reports', { limit: 50 });
      expect(rep.isError, textOf(rep)).toBeFalsy();
      const reports = rep.structuredContent as { incidents: Array<{ device_id: string }> };
      expect(reports.incidents.filter((i) => !i.device_id.startsWith('line-2/'))).toEqual([]);
    } finally {
      await scoped.close();
    }
  });
});
