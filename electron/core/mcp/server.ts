// createMcpServer(deps, caller): one McpServer with every tool, resource and prompt, for one caller.
// Separate from the transports (transports/streamableHttp.ts, transports/stdio.ts) that serve it, as in
// the MCP reference server "everything". Cheap to build: zod schemas are built once at import time.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DEVICE_TYPES } from '../../../shared/domain';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { governedCall, recordInvalidCall } from './call';
import { ALL_TOOLS, TOOL_REGISTRY } from './tools';
import { scopeFilter } from './tools/common';
import type { CallerIdentity, McpDeps } from './types';

export const SERVER_NAME = 'aegisflow';
export const SERVER_VERSION = '0.1.0';

const INSTRUCTIONS = `AegisFlow plant control room. Nine devices on three lines (line-{1,2,3}/{compressor-01,motor-02,pump-03}).
Every tool call passes the operator's governance gateway. Reads are allowed. execute_device_command and
acknowledge_anomaly wait for an operator's approval (send a progressToken to wait inside the call; otherwise
poll get_approval_status with the approval id). emergency_shutdown and restart are blocked by plant policy:
follow the manual (query_device_manual) and use reduce_load first. Cite manual sections (e.g. SOP 2.1) and
log an incident report after every handled anomaly.`;

export function createMcpServer(deps: McpDeps, caller: CallerIdentity): McpServer {
  const server = new McpServer(
    { name: deps.serverInfo?.name ?? SERVER_NAME, version: deps.serverInfo?.version ?? SERVER_VERSION },
    { capabilities: { logging: {} }, instructions: INSTRUCTIONS },
  );
  for (const spec of ALL_TOOLS) {
    server.registerTool(
      spec.name,
      { title: spec.title, description: spec.description, inputSchema: spec.input, outputSchema: spec.output, annotations: { title: spec.title, ...spec.annotations } },
      (args: Record<string, unknown>, extra) => governedCall(deps, caller, spec, args, extra, TOOL_REGISTRY),
    );
  }
  registerResources(server, deps, caller);
  registerPrompts(server);
  countRefusedCalls(server, deps, caller);
  return server;
}

type CallHandler = (request: { params: { name: string; arguments?: unknown } }, extra: unknown) => Promise<CallToolResult>;

/**
 * The SDK validates arguments (and tool names) before our callback runs and answers with an isError
 * result; wrap its tools/call handler so those refusals are counted and recorded too. The handler map
 * is SDK-internal: if it is not where 1.x keeps it, calls still work, only this count is lost.
 */
function countRefusedCalls(server: McpServer, deps: McpDeps, caller: CallerIdentity): void {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, CallHandler> })._requestHandlers;
  const original = handlers?.get('tools/call');
  if (!handlers || !original) {
    deps.log.debug('SDK internals changed: invalid MCP calls are not counted');
    return;
  }
  handlers.set('tools/call', async (request, extra) => {
    const result = await original(request, extra);
    if (result?.isError && !result._meta) {
      const text = result.content?.[0]?.type === 'text' ? result.content[0].text : '';
      if (/^(Input validation error|MCP error -32602: (Input validation error|Tool .* not found|Invalid arguments))/.test(text) || /Tool .* not found/.test(text))
        recordInvalidCall(deps, caller, String(request.params?.name ?? '(none)'), request.params?.arguments, text);
    }
    return result;
  });
}

function registerResources(server: McpServer, deps: McpDeps, caller: CallerIdentity): void {
  // Resources are reads outside the gateway: they show only the devices in the caller's scope.
  const visibleDevices = () => {
    const visible = scopeFilter({ deps, agentId: caller.agentId });
    return visible ? deps.knownDevices().filter(visible) : deps.knownDevices();
  };
  server.registerResource(
    'devices',
    'aegisflow://devices',
    { title: 'Plant devices', description: 'Every device with its line, type, state and latest reading', mimeType: 'application/json' },
    (uri) => {
      const statuses = new Map(deps.deviceStatuses().map((d) => [d.device_id, d]));
      const devices = visibleDevices().map((id) => ({ device_id: id, status: statuses.get(id) ?? null, latest: deps.live.latest(id) }));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ devices }, null, 2) }] };
    },
  );
  server.registerResource(
    'device',
    new ResourceTemplate('aegisflow://devices/{line}/{device}', {
      list: () => ({ resources: visibleDevices().map((id) => ({ uri: `aegisflow://devices/${id}`, name: id, mimeType: 'application/json' })) }),
    }),
    { title: 'One device', description: 'A device\'s state, recent readings (last 60) and open anomalies', mimeType: 'application/json' },
    (uri, vars) => {
      const id = `${String(vars.line)}/${String(vars.device)}`;
      const visible = visibleDevices();
      if (!visible.includes(id)) throw new McpError(ErrorCode.InvalidParams, `no device ${id} in this agent's scope (known: ${visible.join(', ')})`);
      const body = {
        device_id: id,
        status: deps.deviceStatuses().find((d) => d.device_id === id) ?? null,
        recent: deps.live.recent(id, 60),
        open_anomalies: deps.detection.active().filter((e) => e.device_id === id),
      };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
    },
  );
  server.registerResource(
    'device-manual',
    'aegisflow://manual',
    { title: 'Equipment manual and SOPs', description: 'The whole device manual (markdown); query_device_manual searches it by section', mimeType: 'text/markdown' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: deps.manual.markdown }] }),
  );
  server.registerResource(
    'manual-section',
    new ResourceTemplate('aegisflow://manual/{section}', {
      list: () => ({ resources: deps.manual.sections.map((s) => ({ uri: `aegisflow://manual/${s.number}`, name: `${s.number} ${s.title}`, mimeType: 'text/markdown' })) }),
    }),
    { title: 'Manual section', description: 'One numbered section of the manual, e.g. aegisflow://manual/2.1', mimeType: 'text/markdown' },
    (uri, vars) => {
      const s = deps.manual.section(String(vars.section));
      const text = s ? `## ${s.number} ${s.title}\n\n${s.text}` : `No section ${String(vars.section)}.`;
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
    },
  );
  server.registerResource(
    'policy',
    'aegisflow://policy',
    { title: 'Active governance policy', description: 'Which tools are allowed, need review or are blocked, and why (the policy in force)', mimeType: 'application/json' },
    (uri) => {
      const g = deps.governance;
      const p = g.policy.current;
      const body = { ...g.policyInfo(), tool_groups: p.doc.tool_groups, rules: p.doc.rules };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
    },
  );
}

function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'diagnose_device',
    {
      title: 'Diagnose a device',
      description: 'Step-by-step diagnosis of one device, grounded in readings, the manual and past incidents',
      argsSchema: { device_id: z.string().describe('Device id, e.g. line-1/compressor-01') },
    },
    ({ device_id }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Diagnose ${device_id}.\n` +
              `1. get_device_status {"device_id": "${device_id}"}: state, latest reading, z-scores, open anomalies.\n` +
              `2. get_sensor_stream {"device_id": "${device_id}", "last_n": 120, "max_points": 24}: the trend of the last 10 minutes.\n` +
              `3. query_device_manual with the symptoms and the device type: find the SOP.\n` +
              `4. get_incident_reports {"device_id": "${device_id}"}: has this happened before?\n` +
              `Report: anomalous sensors with z-scores, severity (SOP 1.4), likely root cause citing the manual section, and the recommended action. ` +
              `Propose execute_device_command only if the SOP calls for it (reduce_load first; emergency_shutdown and restart are blocked). ` +
              `Consider sensor drift (SOP 2.4) before recommending any command.`,
          },
        },
      ],
    }),
  );
  server.registerPrompt(
    'plant_overview',
    { title: 'Plant overview', description: 'Summarise the plant: every device, open anomalies, anything that needs an operator' },
    () => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: 'Give me a plant overview: call get_sensor_stream {"device_id": "all"} and get_active_anomalies, then summarise each line in two sentences and list anything an operator should look at, most urgent first.',
          },
        },
      ],
    }),
  );
  server.registerPrompt(
    'incident_report',
    {
      title: 'Write an incident report',
      description: 'Draft and log an incident report for a handled anomaly',
      argsSchema: { device_id: z.string().describe('Device id'), device_type: z.enum(DEVICE_TYPES).optional().describe('compressor, motor or pump') },
    },
    ({ device_id }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Log an incident report for ${device_id} with log_incident_report: title, severity, anomaly type, root cause, actions taken with approval ids, outcome and lessons learned; cite the manual sections you followed (SOP 4.3).`,
          },
        },
      ],
    }),
  );
}
