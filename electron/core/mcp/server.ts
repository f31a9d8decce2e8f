// createMcpServer(deps, caller): one McpServer with every tool, resource and prompt, for one caller.
// Separate from the transports (../http/mcp-streamable-http.ts, transports/stdio.ts) that serve it, as in
// the MCP reference server "everything". Cheap to build: zod schemas are built once at import time.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DEVICE_TYPES } from '../../../shared/domain';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { governedCall, governedTaskCall, type Extra } from './call';
import { GOVERNANCE_META } from './outcome';
import { recordInvalidCall } from './record';
import { governedRead, mayRead, promptTool, resourceTool } from './reads';
import { toolAnnotations, toolIcons } from './metadata';
import { createTaskStore, GATED_TOOLS, TASKS_CAPABILITY, toTask } from './tasks';
import { ALL_TOOLS, TOOL_REGISTRY } from './tools';
import { requireKnownDevice, scopeFilter } from './tools/common';
import type { ModelIndex } from '../model';
import type { CallerIdentity, McpDeps } from './types';

export const SERVER_NAME = 'aegisflow';
export const SERVER_VERSION = '0.1.0';

/** The server's instructions for the plant model in force: its devices come from the model, not from code. */
export function instructionsFor(model: ModelIndex): string {
  const m = model.model;
  const ids = m.assets.map((a) => a.id);
  const devices = ids.length <= 12 ? ids.join(', ') : `${ids.slice(0, 12).join(', ')}, … (list_devices lists all)`;
  return `AegisFlow plant control room for ${m.site.name}: ${ids.length} devices in ${m.areas.length} area${m.areas.length === 1 ? '' : 's'} (${devices}).
Every tool call passes the operator's governance gateway. Reads are allowed. execute_device_command and
acknowledge_anomaly wait for an operator's approval (declare Tasks, or send a progressToken to wait inside the
call; otherwise retry the same call, or poll get_approval_status with the approval id). Commands the plant
policy blocks are refused: follow the device manual (query_device_manual) and prefer the safer command it
names. Cite manual sections and log an incident report after every handled anomaly.`;
}

export function createMcpServer(deps: McpDeps, caller: CallerIdentity): McpServer {
  const server = new McpServer(
    { name: deps.serverInfo?.name ?? SERVER_NAME, version: deps.serverInfo?.version ?? SERVER_VERSION },
    {
      capabilities: { logging: {}, tasks: TASKS_CAPABILITY },
      instructions: instructionsFor(deps.model()),
      taskStore: createTaskStore(deps, caller),
      defaultTaskPollInterval: deps.config.tasks.pollIntervalMs,
    },
  );
  for (const spec of ALL_TOOLS) {
    server.registerTool(
      spec.name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: spec.input,
        outputSchema: spec.output,
        annotations: toolAnnotations(spec),
      },
      (args: Record<string, unknown>, extra) => governedCall(deps, caller, spec, args, extra, TOOL_REGISTRY),
    );
  }
  const resources = registerResources(server, deps, caller);
  registerPrompts(server, deps, caller);
  showOnlyReadable(server, deps, caller, resources);
  acceptTasks(server, deps, caller);
  countRefusedCalls(server, deps, caller);
  return server;
}

type Handler = (request: { method: string; params?: Record<string, unknown> }, extra: unknown) => Promise<Record<string, unknown>>;

/** The SDK's request handlers by method. SDK-internal (1.x keeps them here); null if that changed. */
function handlersOf(server: McpServer): Map<string, Handler> | null {
  return (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers ?? null;
}

/** A refusal our own code made (a governed read): recorded by governedCall already, not an invalid call. */
const isGovernanceError = (err: unknown) => err instanceof McpError && typeof err.data === 'object' && err.data !== null && GOVERNANCE_META in err.data;

/** Transport errors that are the client's fault (nodeStreamableHttp's 4xx answers), not the server's. */
const CLIENT_FAULT = /^(Invalid Request|Bad Request|Not Acceptable|Unsupported Media Type|Parse error)/;

/**
 * Every request the SDK or the transport refuses before any tool code runs is an invalid call of this
 * agent: recorded (tool_calls row with status "invalid", mcp.call event, a rate-limited warning) and
 * reported to the immune system, where a stream of them is abuse (immune/abuse.ts). That covers
 * arguments failing a tool's input schema and unknown tools (the SDK answers those with an isError
 * result), requests whose params do not fit their method (thrown), unknown methods (the fallback
 * handler), unknown resources and prompts, and JSON-RPC the transport rejects (not JSON-RPC 2.0,
 * oversized batches, a second initialize). The handler map is SDK-internal: if it is not where 1.x
 * keeps it, calls still work, only these counts are lost (logged once per server).
 */
function countRefusedCalls(server: McpServer, deps: McpDeps, caller: CallerIdentity): void {
  const invalid = (what: string, params: unknown, message: string) => recordInvalidCall(deps, caller, what, params, message);
  server.server.onerror = (err) => {
    if (CLIENT_FAULT.test(err.message)) invalid('(rpc) malformed', undefined, err.message);
  };
  server.server.fallbackRequestHandler = async (request) => {
    invalid(`(rpc) ${String(request.method).slice(0, 100)}`, request.params, 'Method not found');
    throw new McpError(ErrorCode.MethodNotFound, 'Method not found');
  };
  const handlers = handlersOf(server);
  if (!handlers) {
    deps.log.debug('SDK internals changed: invalid MCP calls are not counted');
    return;
  }
  for (const [method, original] of handlers) {
    if (method === 'initialize' || method === 'ping') continue;
    handlers.set(method, async (request, extra) => {
      let result: Record<string, unknown>;
      try {
        result = await original(request, extra);
      } catch (err) {
        if (!isGovernanceError(err)) {
          const name = method === 'tools/call' && typeof request.params?.name === 'string' ? request.params.name : `(rpc) ${method}`;
          invalid(name, request.params, (err as Error).message ?? String(err));
        }
        // Params that do not fit the method's schema (e.g. tool arguments that are not an object) are
        // the client's fault: -32602 Invalid params, not -32603 Internal error (issue 19).
        if ((err as Error)?.name === 'ZodError' || Array.isArray((err as { issues?: unknown }).issues)) {
          const issues = ((err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues ?? []).slice(0, 3);
          throw new McpError(
            ErrorCode.InvalidParams,
            `Invalid params: ${issues.map((i) => `${i.path.map(String).join('.') || 'params'}: ${i.message}`).join('; ')}`,
          );
        }
        throw err;
      }
      if (method === 'tools/call' && result?.isError && !result._meta) {
        const content = result.content as Array<{ type: string; text?: string }> | undefined;
        const text = content?.[0]?.type === 'text' ? (content[0].text ?? '') : '';
        if (
          /^(Input validation error|MCP error -32602: (Input validation error|Tool .* not found|Invalid arguments))/.test(text) ||
          /Tool .* not found/.test(text)
        )
          invalid(typeof request.params?.name === 'string' ? request.params.name : '(none)', request.params?.arguments, text);
      }
      return result;
    });
  }
}

/**
 * MCP Tasks for the gated tools (tasks.ts): tools/list gives them execution.taskSupport "optional" (and
 * every tool its icon, metadata.ts), and a
 * task-augmented tools/call of one is answered here with its pending call as a task (the SDK would run
 * such a tool only through its own in-memory task polling). Any other tools/call goes on to the SDK.
 */
function acceptTasks(server: McpServer, deps: McpDeps, caller: CallerIdentity): void {
  const handlers = handlersOf(server);
  const list = handlers?.get('tools/list');
  const call = handlers?.get('tools/call');
  if (!handlers || !list || !call) {
    deps.log.debug('SDK internals changed: tools do not advertise task support');
    return;
  }
  handlers.set('tools/list', async (request, extra) => {
    const result = await list(request, extra);
    const tools = result.tools;
    if (!Array.isArray(tools)) return result;
    return {
      ...result,
      tools: tools.map((t: Record<string, unknown>) => {
        const name = String(t.name);
        const withIcons = { ...t, icons: toolIcons(name, t.annotations ?? {}) };
        return GATED_TOOLS.has(name) ? { ...withIcons, execution: { taskSupport: 'optional' } } : withIcons;
      }),
    };
  });
  handlers.set('tools/call', async (request, extra) => {
    const p = request.params ?? {};
    const task = p.task as { ttl?: unknown } | undefined;
    const spec = typeof p.name === 'string' && GATED_TOOLS.has(p.name) ? TOOL_REGISTRY.get(p.name) : undefined;
    if (!task || typeof task !== 'object' || !spec) return call(request, extra);
    const parsed = spec.input.safeParse(p.arguments ?? {});
    if (!parsed.success)
      throw new McpError(
        ErrorCode.InvalidParams,
        `Input validation error: Invalid arguments for tool ${spec.name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const ttl = typeof task.ttl === 'number' && Number.isFinite(task.ttl) ? task.ttl : undefined;
    const rec = await governedTaskCall(deps, caller, spec, parsed.data, extra as Extra, TOOL_REGISTRY, ttl);
    return { task: toTask(deps, rec) };
  });
}

/** A registered resource and how a URI of it becomes a governed read (pseudo-tool name and arguments). */
interface ResourceEntry {
  tool: string;
  /** The read's arguments for this URI, or null when the URI is not this resource's. */
  argsOf(uri: string): Record<string, unknown> | null;
}

/**
 * resources/list, resources/templates/list and prompts/list show only what the agent may read: each
 * entry is probed with the gateway's pure decision (judge: nothing audited) and hidden when BLOCKed.
 * Entries that need an operator's review stay listed, like tools that do.
 */
function showOnlyReadable(server: McpServer, deps: McpDeps, caller: CallerIdentity, resources: ResourceEntry[]): void {
  const handlers = handlersOf(server);
  if (!handlers) return; // reads stay governed; only the lists are unfiltered (logged by countRefusedCalls)
  const filter = (method: string, key: string, keep: (item: Record<string, unknown>) => boolean) => {
    const original = handlers.get(method);
    if (!original) return;
    handlers.set(method, async (request, extra) => {
      const result = await original(request, extra);
      const items = result[key];
      return Array.isArray(items) ? { ...result, [key]: items.filter((i) => keep(i as Record<string, unknown>)) } : result;
    });
  };
  const byName = new Map(resources.map((r) => [r.tool, r]));
  filter('resources/list', 'resources', (r) => {
    const uri = String(r.uri);
    for (const e of resources) {
      const args = e.argsOf(uri);
      if (args) return mayRead(deps, caller, e.tool, args);
    }
    return false;
  });
  filter(
    'resources/templates/list',
    'resourceTemplates',
    (t) => byName.has(resourceTool(String(t.name))) && mayRead(deps, caller, resourceTool(String(t.name))),
  );
  filter('prompts/list', 'prompts', (p) => mayRead(deps, caller, promptTool(String(p.name))));
}

function registerResources(server: McpServer, deps: McpDeps, caller: CallerIdentity): ResourceEntry[] {
  const entries: ResourceEntry[] = [];
  const fixed = (name: string, uri: string) => entries.push({ tool: resourceTool(name), argsOf: (u) => (u === uri ? {} : null) });
  const template = (name: string, t: ResourceTemplate, argsOf: (vars: Record<string, string | string[]>) => Record<string, unknown>) =>
    entries.push({
      tool: resourceTool(name),
      argsOf: (u) => {
        const vars = t.uriTemplate.match(u);
        return vars ? argsOf(vars) : null;
      },
    });
  const read = <T>(name: string, args: Record<string, unknown>, extra: Extra, produce: () => T, precheck?: () => void) =>
    governedRead(deps, caller, resourceTool(name), args, extra, produce, precheck ? { precheck } : {});
  const json = (uri: URL, body: unknown) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] });

  server.registerResource(
    'devices',
    'aegisflow://devices',
    { title: 'Plant devices', description: 'Every device with its line, type, state and latest reading', mimeType: 'application/json' },
    (uri, extra) =>
      read('devices', {}, extra, () => {
        // Like get_sensor_stream "all": the answer holds the devices in the agent's scope only.
        const visible = scopeFilter({ deps, agentId: caller.agentId });
        const statuses = new Map(deps.deviceStatuses().map((d) => [d.device_id, d]));
        const ids = visible ? deps.knownDevices().filter(visible) : deps.knownDevices();
        return json(uri, { devices: ids.map((id) => ({ device_id: id, status: statuses.get(id) ?? null, latest: deps.live.latest(id) })) });
      }),
  );
  fixed('devices', 'aegisflow://devices');

  const deviceTemplate = new ResourceTemplate('aegisflow://devices/{line}/{device}', {
    // Listed per device; showOnlyReadable drops the ones outside the agent's scope or policy.
    list: () => ({ resources: deps.knownDevices().map((id) => ({ uri: `aegisflow://devices/${id}`, name: id, mimeType: 'application/json' })) }),
  });
  const deviceOf = (vars: Record<string, string | string[]>) => `${String(vars.line)}/${String(vars.device)}`;
  server.registerResource(
    'device',
    deviceTemplate,
    { title: 'One device', description: "A device's state, recent readings (last 60) and open anomalies", mimeType: 'application/json' },
    (uri, vars, extra) => {
      const id = deviceOf(vars);
      return read(
        'device',
        { device_id: id },
        extra,
        () =>
          json(uri, {
            device_id: id,
            status: deps.deviceStatuses().find((d) => d.device_id === id) ?? null,
            recent: deps.live.recent(id, 60),
            open_anomalies: deps.detection.active().filter((e) => e.device_id === id),
          }),
        () => requireKnownDevice(deps, id),
      );
    },
  );
  template('device', deviceTemplate, (vars) => ({ device_id: deviceOf(vars) }));

  server.registerResource(
    'device-manual',
    'aegisflow://manual',
    {
      title: 'Equipment manual and SOPs',
      description: 'The whole device manual (markdown); query_device_manual searches it by section',
      mimeType: 'text/markdown',
    },
    (uri, extra) => read('device-manual', {}, extra, () => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: deps.manual.markdown }] })),
  );
  fixed('device-manual', 'aegisflow://manual');

  const sectionTemplate = new ResourceTemplate('aegisflow://manual/{section}', {
    list: () => ({
      resources: deps.manual.sections.map((s) => ({ uri: `aegisflow://manual/${s.number}`, name: `${s.number} ${s.title}`, mimeType: 'text/markdown' })),
    }),
  });
  server.registerResource(
    'manual-section',
    sectionTemplate,
    { title: 'Manual section', description: 'One numbered section of the manual, e.g. aegisflow://manual/2.1', mimeType: 'text/markdown' },
    (uri, vars, extra) =>
      read('manual-section', { section: String(vars.section) }, extra, () => {
        const s = deps.manual.section(String(vars.section));
        const text = s ? `## ${s.number} ${s.title}\n\n${s.text}` : `No section ${String(vars.section)}.`;
        return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
      }),
  );
  template('manual-section', sectionTemplate, (vars) => ({ section: String(vars.section) }));

  server.registerResource(
    'policy',
    'aegisflow://policy',
    {
      title: 'Active governance policy',
      description: 'Which tools are allowed, need review or are blocked, and why (the policy in force)',
      mimeType: 'application/json',
    },
    (uri, extra) =>
      read('policy', {}, extra, () => {
        const g = deps.governance;
        const p = g.policy.current;
        return json(uri, { ...g.policyInfo(), tool_groups: p.doc.tool_groups, rules: p.doc.rules });
      }),
  );
  fixed('policy', 'aegisflow://policy');
  return entries;
}

function registerPrompts(server: McpServer, deps: McpDeps, caller: CallerIdentity): void {
  // Each prompts/get is a governed read of prompt:NAME with the prompt's arguments (a device_id is
  // checked against the agent's scope, as for a tool).
  const get = (name: string, args: Record<string, unknown>, extra: Extra, text: () => string) =>
    governedRead(deps, caller, promptTool(name), args, extra, () => ({
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: text() } }],
    }));
  server.registerPrompt(
    'diagnose_device',
    {
      title: 'Diagnose a device',
      description: 'Step-by-step diagnosis of one device, grounded in readings, the manual and past incidents',
      argsSchema: { device_id: z.string().describe('Device id, e.g. line-1/compressor-01') },
    },
    ({ device_id }, extra) =>
      get(
        'diagnose_device',
        { device_id },
        extra,
        () =>
          `Diagnose ${device_id}.\n` +
          `1. get_device_status {"device_id": "${device_id}"}: state, latest reading, z-scores, open anomalies.\n` +
          `2. get_sensor_stream {"device_id": "${device_id}", "last_n": 120, "max_points": 24}: the trend of the last 10 minutes.\n` +
          `3. query_device_manual with the symptoms and the device type: find the SOP.\n` +
          `4. get_incident_reports {"device_id": "${device_id}"}: has this happened before?\n` +
          `Report: anomalous sensors with z-scores, severity (SOP 1.4), likely root cause citing the manual section, and the recommended action. ` +
          `Propose execute_device_command only if the SOP calls for it (reduce_load first; emergency_shutdown and restart are blocked). ` +
          `Consider sensor drift (SOP 2.4) before recommending any command.`,
      ),
  );
  server.registerPrompt(
    'plant_overview',
    { title: 'Plant overview', description: 'Summarise the plant: every device, open anomalies, anything that needs an operator' },
    // Without an argsSchema the SDK calls back with extra alone; its typings do not say so.
    ((extra: Extra) =>
      get(
        'plant_overview',
        {},
        extra,
        () =>
          'Give me a plant overview: call get_sensor_stream {"device_id": "all"} and get_active_anomalies, then summarise each line in two sentences and list anything an operator should look at, most urgent first.',
      )) as never,
  );
  server.registerPrompt(
    'incident_report',
    {
      title: 'Write an incident report',
      description: 'Draft and log an incident report for a handled anomaly',
      argsSchema: { device_id: z.string().describe('Device id'), device_type: z.enum(DEVICE_TYPES).optional().describe('compressor, motor or pump') },
    },
    ({ device_id, device_type }, extra) =>
      get(
        'incident_report',
        { device_id, ...(device_type ? { device_type } : {}) },
        extra,
        () =>
          `Log an incident report for ${device_id} with log_incident_report: title, severity, anomaly type, root cause, actions taken with approval ids, outcome and lessons learned; cite the manual sections you followed (SOP 4.3).`,
      ),
  );
}
