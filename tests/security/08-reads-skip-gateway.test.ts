// Finding 8: reads that skip the gateway. MCP resources (aegisflow://devices/...) and prompts were
// served without asking governance: an agent whose scope is the `report` tool group read a device's
// last 60 readings, and nothing was audited. Now every resource read and prompt is a governed call
// under a pseudo-tool name the policy can match (`resource:<name>`, `prompt:<name>`): authorized with
// the same scope and policy as a tool, refused with an MCP error when BLOCKed, audited, recorded in
// tool_calls, and resources/list and prompts/list show only what the agent may read.
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../helpers';
import { httpClient, startRig, waitFor, type McpRig } from '../mcp-helpers';

// The policy format of resources/policies/default.yaml. Resources and prompts are reads here; the
// kiosk may read the manual but no live device data.
const POLICY = `
tool_groups:
  read: [get_sensor_stream, get_device_status, get_active_anomalies, get_anomaly_history, query_device_manual,
         get_incident_reports, list_devices, get_approval_status, 'resource:*', 'prompt:*']
  report: [log_incident_report]
  control: [execute_device_command]
rules:
  - id: kiosk-no-device-data
    agent: kiosk
    tool: ['resource:device', 'resource:devices']
    decision: BLOCK
    reason: the lobby kiosk shows the manual, not live device data
  - id: allow-reads
    tool: '@read'
    decision: ALLOW
  - id: allow-reports
    tool: '@report'
    decision: ALLOW
  - id: review-commands
    tool: '@control'
    decision: REVIEW
`;

const DEVICE = 'line-1/pump-03';

let rig: McpRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** What an attempt to read a resource got: the readings it leaked, or the refusal. */
async function attempt(read: Promise<{ contents: Array<Record<string, unknown>> }>): Promise<{ leaked: number } | { refused: string; code: number }> {
  try {
    const r = await read;
    const body = JSON.parse(typeof r.contents[0]?.text === 'string' ? r.contents[0].text : '{}') as { recent?: unknown[]; devices?: unknown[] };
    return { leaked: (body.recent ?? body.devices ?? []).length };
  } catch (err) {
    return { refused: (err as Error).message, code: err instanceof McpError ? err.code : NaN };
  }
}

const auditRows = async (r: McpRig, agentId: string) => {
  const q = await r.core.api.call('audit.query', { agentId, limit: 200 }, OPERATOR);
  if (!q.ok) throw new Error(q.error.message);
  return q.result;
};

describe('finding 8: every agent read passes the gateway', () => {
  it('an agent scoped to the report group cannot list, read or prompt device data; every attempt is refused and audited', async () => {
    rig = await startRig({ simulator: { speed: 100 } }, POLICY);
    const gov = rig.core.services.governance;
    const { token } = gov.addAgent({ id: 'reporter', name: 'Report writer', role: 'assistant', scope: { toolGroups: ['report'] } });
    await waitFor(() => rig!.core.services.live.recent(DEVICE, 60).length === 60, `60 readings of ${DEVICE}`);
    const reporter = await httpClient(rig.mcpUrl, token);
    try {
      // The attack of the finding: the device resource, and the fleet resource.
      const one = await attempt(reporter.readResource({ uri: `aegisflow://devices/${DEVICE}` }));
      expect(one).toEqual({
        refused: expect.stringMatching(/BLOCKED by policy rule "scope".*resource:device is outside agent reporter's scope/),
        code: expect.any(Number),
      });
      const all = await attempt(reporter.readResource({ uri: 'aegisflow://devices' }));
      expect(all).toMatchObject({ refused: expect.stringMatching(/BLOCKED by policy rule "scope"/) });
      // A refusal is not a malformed request: the code says governance refused it.
      expect((one as { code: number }).code).toBe((all as { code: number }).code);
      expect((one as { code: number }).code).not.toBe(-32602);

      // Discovery shows nothing it may not read.
      const listed = await reporter.listResources();
      expect(listed.resources.map((r) => r.uri)).toEqual([]);
      const templates = await reporter.listResourceTemplates();
      expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual([]);
      const prompts = await reporter.listPrompts();
      expect(prompts.prompts.map((p) => p.name)).toEqual([]);
      const prompt = await reporter.getPrompt({ name: 'diagnose_device', arguments: { device_id: DEVICE } }).then(
        () => 'served',
        (err: Error) => err.message,
      );
      expect(prompt).toMatch(/BLOCKED by policy rule "scope"/);

      // Its own group still works: the refusal is the scope, not a broken server.
      const report = await reporter.callTool({
        name: 'log_incident_report',
        arguments: { device_id: DEVICE, title: 'shift note', severity: 'low', root_cause: 'none', actions_taken: 'none' },
      });
      expect(report.isError).toBeFalsy();
    } finally {
      await reporter.close();
    }

    // Audited like a tool call, and recorded in tool_calls (what the immune system counts).
    const blocked = (await auditRows(rig, 'reporter')).filter((r) => r.kind === 'BLOCKED');
    expect(blocked.map((r) => `${r.tool}:${r.ruleId}`).sort()).toEqual(['prompt:diagnose_device:scope', 'resource:device:scope', 'resource:devices:scope']);
    expect(blocked.find((r) => r.tool === 'resource:device')!.args).toEqual({ device_id: DEVICE });
    const calls = rig.core.services.mcp.recentCalls({ agentId: 'reporter', limit: 50 });
    expect(
      calls
        .filter((c) => c.status === 'blocked')
        .map((c) => c.tool)
        .sort(),
    ).toEqual(['prompt:diagnose_device', 'resource:device', 'resource:devices']);
  });

  it('an agent allowed to read gets the resource through the gateway (ALLOWED, audited); a policy rule on the resource name and a line scope refuse it', async () => {
    rig = await startRig({ simulator: { speed: 100 } }, POLICY);
    const gov = rig.core.services.governance;
    await waitFor(() => rig!.core.services.live.recent(DEVICE, 10).length === 10, `10 readings of ${DEVICE}`);
    const reader = await httpClient(rig.mcpUrl, rig.token);
    const kiosk = await httpClient(rig.mcpUrl, gov.addAgent({ id: 'kiosk', name: 'Lobby kiosk', role: 'assistant' }).token);
    const line2 = await httpClient(rig.mcpUrl, gov.addAgent({ id: 'line2-bot', name: 'Line 2', role: 'assistant', scope: { lines: ['line-2'] } }).token);
    try {
      const ok = await attempt(reader.readResource({ uri: `aegisflow://devices/${DEVICE}` }));
      expect(ok).toMatchObject({ leaked: expect.any(Number) });
      expect((ok as { leaked: number }).leaked).toBeGreaterThanOrEqual(10);
      const allowed = (await auditRows(rig, 'diag')).filter((r) => r.kind === 'ALLOWED' && r.tool === 'resource:device');
      expect(allowed).toHaveLength(1);
      expect(allowed[0]).toMatchObject({ ruleId: 'allow-reads', args: { device_id: DEVICE } });
      expect(rig.core.services.mcp.recentCalls({ agentId: 'diag', tool: 'resource:device', limit: 5 }).map((c) => c.status)).toEqual(['ok']);

      // The policy matches the resource's own name: the kiosk reads the manual, not the devices.
      expect(await attempt(kiosk.readResource({ uri: `aegisflow://devices/${DEVICE}` }))).toMatchObject({
        refused: expect.stringMatching(/BLOCKED by policy rule "kiosk-no-device-data"/),
      });
      const manual = await kiosk.readResource({ uri: 'aegisflow://manual/2.1' });
      expect(String((manual.contents[0] as { text?: string }).text)).toContain('Thermal runaway');
      const kioskList = (await kiosk.listResources()).resources.map((r) => r.uri);
      expect(kioskList).toContain('aegisflow://manual');
      expect(kioskList.filter((u) => u.startsWith('aegisflow://devices'))).toEqual([]);

      // A line scope applies to the device the URI names, and to the list.
      expect(await attempt(line2.readResource({ uri: `aegisflow://devices/${DEVICE}` }))).toMatchObject({
        refused: expect.stringMatching(/BLOCKED by policy rule "scope".*outside the agent's scope/),
      });
      const line2List = (await line2.listResources()).resources.map((r) => r.uri).filter((u) => u.startsWith('aegisflow://devices/'));
      expect(line2List.sort()).toEqual([
        'aegisflow://devices/line-2/compressor-01',
        'aegisflow://devices/line-2/motor-02',
        'aegisflow://devices/line-2/pump-03',
      ]);
      const line2Blocked = (await auditRows(rig, 'line2-bot')).filter((r) => r.kind === 'BLOCKED');
      expect(line2Blocked.map((r) => `${r.tool}:${r.ruleId}`)).toEqual(['resource:device:scope']);
    } finally {
      await Promise.all([reader.close(), kiosk.close(), line2.close()]);
    }
  });
});
