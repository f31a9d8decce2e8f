// Shared set-up for the MCP tests: a real core (broker on port 0, simulator, SQLite in a temp dir,
// HTTP on port 0), one registered agent, and real SDK clients over in-memory, HTTP or stdio.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { ProgressCallback } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { createCore, testConfig, type Core, type CoreDeps } from '../electron/core';
import type { TimedReading } from '../shared/domain';
import { OPERATOR, operatorCaller, waitFor, whenEvent } from './helpers';

export { waitFor };

export interface McpRig {
  core: Core;
  dir: string;
  /** Bearer token of agent "diag". */
  token: string;
  mcpUrl: string;
  close(): Promise<void>;
}

type Plain = Record<string, unknown>;
const isObj = (v: unknown): v is Plain => v !== null && typeof v === 'object' && !Array.isArray(v);
function merge(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObj(v) && isObj(out[k]) ? merge(out[k], v) : v;
  return out;
}

/** deps: e.g. a manual clock (createCore's), for tests that measure time on the core's own clock. */
export async function startRig(overrides: Parameters<typeof testConfig>[1] & Plain = {}, policyText?: string, deps: CoreDeps = {}): Promise<McpRig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-mcp-'));
  let policy: Plain = {};
  if (policyText) {
    const file = path.join(dir, 'policy.yaml');
    fs.writeFileSync(file, policyText);
    policy = { governance: { policyFile: file } };
  }
  const base: Plain = {
    simulator: { speed: 20 },
    governance: { watchPolicy: false, progressIntervalMs: 50, sweepIntervalMs: 50 },
    mcp: { review: { progressIntervalMs: 50 }, tasks: { pollIntervalMs: 50 } },
    immune: { fleet: { enabled: false } },
  };
  const core = createCore(testConfig(dir, merge(merge(base, policy), overrides)), deps);
  await core.start();
  const { token } = core.services.governance.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
  const http = core.services.http;
  return {
    core,
    dir,
    token,
    mcpUrl: http ? `${http.url}/mcp` : '',
    async close() {
      await core.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The bundled policy with `seconds` for an operator to decide a REVIEW (instead of 120), for the expiry cases. */
export function policyWithReviewTimeout(seconds: number): string {
  return fs
    .readFileSync(path.resolve(__dirname, '../resources/policies/default.yaml'), 'utf8')
    .replace('review_timeout_s: 120', `review_timeout_s: ${seconds}`);
}

/** Resolves once every one of the nine devices has sent readings. */
export function allDevicesLive(rig: McpRig): Promise<void> {
  return whenEvent(rig.core.bus, 'readings', () => rig.core.services.live.devices().length === 9);
}

/** A rig whose replay runs at 50x, once every one of the nine devices has sent readings. */
export async function startLiveRig(): Promise<McpRig> {
  const rig = await startRig({ simulator: { speed: 50 } });
  await allDevicesLive(rig);
  return rig;
}

export interface CommandRig extends McpRig {
  /** Commands each device received on its MQTT command topic (what really reached the plant). */
  received: Map<string, number>;
}

/** A rig with all nine devices live that counts the commands each device receives (startRig's arguments). */
export async function startCommandRig(overrides: Parameters<typeof startRig>[0] = {}, policyText?: string): Promise<CommandRig> {
  const rig = await startRig(overrides, policyText);
  await allDevicesLive(rig);
  const subscribe = rig.core.services.broker.subscribeLocal;
  if (!subscribe) throw new Error('the rig runs the embedded broker');
  const received = new Map<string, number>();
  await subscribe('aegisflow/commands/#', (topic) => {
    const device = topic.replace('aegisflow/commands/', '');
    received.set(device, (received.get(device) ?? 0) + 1);
  });
  return { ...rig, received };
}

/** A gated execute_device_command call: reduce the device's load by `pct` %. */
export const reduceLoadCall = (device: string, pct: number, justification = 'vibration rising; SOP 2.3 says reduce load') => ({
  name: 'execute_device_command',
  arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: pct }, justification },
});

/** The id of the next approval the gateway creates (for this agent only, if given). */
export function nextApproval(rig: McpRig, agentId?: string): Promise<string> {
  return new Promise((resolve) => {
    const off = rig.core.bus.on('approval.created', (a) => {
      if (agentId !== undefined && a.agentId !== agentId) return;
      off();
      resolve(a.id);
    });
  });
}

/** An operator decides an approval from the UI; throws if the decision is refused. */
export async function decide(rig: McpRig, id: string, verdict: 'approve' | 'reject', operator: string, comment?: string): Promise<void> {
  const r = await rig.core.api.call('approvals.decide', { id, verdict, comment }, operatorCaller(operator));
  if (!r.ok) throw new Error(r.error.message);
}

/** How many EXECUTED audit rows name this device. */
export async function executedOn(rig: McpRig, device: string): Promise<number> {
  const rows = await rig.core.api.call('audit.query', { kind: 'EXECUTED' }, OPERATOR);
  if (!rows.ok) throw new Error(rows.error.message);
  return rows.result.filter((row) => (row.detail as { device_id: string }).device_id === device).length;
}

export async function inMemoryClient(rig: McpRig, agentId = 'diag'): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = rig.core.services.mcp.createServer({ agentId, transport: 'in-memory' });
  await server.connect(serverSide);
  const client = new Client({ name: 'aegis-test', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

export async function httpClient(url: string, token: string, headers: Record<string, string> = {}): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}`, ...headers } } });
  const client = new Client({ name: 'aegis-http-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const BIN = path.resolve(__dirname, '../bin/aegisflow.mjs');

/** How an SDK stdio client (1.x or 2.x) spawns the real CLI, `aegisflow mcp <args>`, as the agent this token is of. */
export function cliServer(args: string[], token: string) {
  return { command: process.execPath, args: [BIN, 'mcp', ...args], env: { ...process.env, AEGISFLOW_AGENT_TOKEN: token }, stderr: 'pipe' as const };
}

/** An SDK 1.x client for the spawned CLI, not yet connected; `stderr()` is what the CLI wrote there so far. */
export function stdioClient(args: string[], token: string): { client: Client; transport: StdioClientTransport; stderr: () => string } {
  const transport = new StdioClientTransport(cliServer(args, token));
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { client: new Client({ name: 'aegis-stdio-test', version: '1.0.0' }), transport, stderr: () => err };
}

/** A data dir with agent "claude" registered (as `aegisflow agents add` leaves it), for `mcp --standalone`; its token. */
export async function standaloneAgent(dir: string): Promise<string> {
  const setup = createCore(testConfig(dir, { simulator: { enabled: false }, http: { enabled: false }, governance: { watchPolicy: false } }));
  await setup.start();
  const { token } = setup.services.governance.addAgent({ id: 'claude', name: 'Claude Desktop' });
  await setup.stop();
  return token;
}

/** Approve (or reject) the next approval the gateway creates, as an operator would from the UI. */
export async function decideNext(rig: McpRig, verdict: 'approve' | 'reject', operator = 'alice'): Promise<string> {
  const id = await nextApproval(rig);
  await new Promise((r) => setTimeout(r, 30));
  await decide(rig, id, verdict, operator);
  return id;
}

/**
 * Decide the next approval only once the waiting client has received a progress notification: the
 * "progress while waiting" tests then wait on that event instead of racing a timer against it.
 * Pass `onprogress` to the client's callTool; `decided` settles with the approval id.
 */
export function decideOnProgress(rig: McpRig, verdict: 'approve' | 'reject', operator: string) {
  const messages: string[] = [];
  const created = nextApproval(rig);
  let decided: Promise<string> | null = null;
  return {
    messages,
    onprogress: (p: { message?: string }) => {
      messages.push(p.message ?? '');
      decided ??= created.then(async (id) => {
        await decide(rig, id, verdict, operator);
        return id;
      });
    },
    decided: () => decided ?? Promise.reject(new Error('no progress notification reached the client')),
  };
}

/** A 50 % load reduction (a REVIEW command under the bundled policy), following progress while it waits for an operator. */
export function reduceLoadHalf(client: Client, device: string, justification: string, onprogress: ProgressCallback) {
  return client.callTool(
    { name: 'execute_device_command', arguments: { device_id: device, command: 'reduce_load', parameters: '{"reduction_pct": 50}', justification } },
    undefined,
    { onprogress, resetTimeoutOnProgress: true },
  );
}

/** Resolves once the device's live power is below `limit` (checked on every readings batch). */
export function powerBelow(rig: McpRig, device: string, limit: number): Promise<void> {
  return whenEvent(rig.core.bus, 'readings', () => (rig.core.services.live.latest(device)?.values.power ?? Infinity) < limit);
}

/** Feed the live detector a learned baseline and then a hot step, so one anomaly episode opens. */
export function injectAnomaly(rig: McpRig, deviceId: string): void {
  const t0 = Date.UTC(2026, 0, 1);
  const batch: TimedReading[] = [];
  const base = { temperature: 80, pressure: 110, vibration: 2.8, humidity: 40, power: 25 };
  for (let i = 0; i < 420; i++) {
    const ts = t0 + i * 5000;
    const hot = i >= 400;
    const n = Math.sin(i * 1.7) * 0.5;
    batch.push({
      device_id: deviceId,
      ts,
      timestamp: new Date(ts).toISOString(),
      values: {
        temperature: base.temperature + n + (hot ? 40 : 0),
        pressure: base.pressure + n,
        vibration: base.vibration + n * 0.1 + (hot ? 4 : 0),
        humidity: base.humidity + n,
        power: base.power + n * 0.3,
      },
    });
  }
  rig.core.services.detection.process(batch);
}

export function textOf(r: unknown): string {
  return (((r as { content?: unknown }).content as Array<{ type: string; text?: string }>) ?? []).map((c) => c.text ?? '').join('\n');
}

/**
 * Every seed tool's happy path through one client (any transport), on the live plant: reads, a report
 * logged and found again, and both gated tools approved by an operator and carried out. Returns the
 * tools that ran, so a caller can check that none was skipped.
 */
export async function seedToolsHappyPath(client: Client, rig: McpRig, anomalyDevice: string, tag: string): Promise<string[]> {
  const ran: string[] = [];
  const ok = async <T>(name: string, args: Record<string, unknown>): Promise<T> => {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError || !r.structuredContent) throw new Error(`${name} failed: ${textOf(r)}`);
    ran.push(name);
    return r.structuredContent as T;
  };
  injectAnomaly(rig, anomalyDevice);
  await waitFor(() => rig.core.services.live.recent('line-1/pump-03', 5).length === 5, '5 readings of line-1/pump-03');
  const stream = await ok<{ devices: Array<{ device_id: string; readings: unknown[] }> }>('get_sensor_stream', { device_id: 'line-1/pump-03', last_n: 5 });
  if (stream.devices[0]?.readings.length !== 5) throw new Error('get_sensor_stream: expected 5 readings');
  const status = await ok<{ device_id: string; sensors: unknown[] }>('get_device_status', { device_id: 'line-1/pump-03' });
  if (status.device_id !== 'line-1/pump-03' || status.sensors.length !== 5) throw new Error('get_device_status: wrong device or sensors');
  const active = await ok<{ anomalies: Array<{ id: string }> }>('get_active_anomalies', { device_id: anomalyDevice });
  const anomalyId = active.anomalies[0]?.id;
  if (!anomalyId) throw new Error('get_active_anomalies: the injected anomaly is missing');
  const history = await ok<{ total: number }>('get_anomaly_history', { device_id: anomalyDevice });
  if (history.total < 1) throw new Error('get_anomaly_history: empty');
  const manual = await ok<{ results: Array<{ section: string }> }>('query_device_manual', { query: 'thermal runaway compressor' });
  if (!manual.results[0]?.section) throw new Error('query_device_manual: no section cited');
  const logged = await ok<{ incident: { id: string } }>('log_incident_report', {
    device_id: 'line-1/pump-03',
    title: `Happy-path report ${tag}`,
    severity: 'low',
    root_cause: `test ${tag}`,
    actions_taken: 'none',
  });
  const found = await ok<{ incidents: Array<{ id: string }> }>('get_incident_reports', { query: tag });
  if (!found.incidents.some((i) => i.id === logged.incident.id)) throw new Error('get_incident_reports: the logged report is missing');
  const approveCommand = decideNext(rig, 'approve');
  const cmd = await ok<{ status: string; approved_by: string | null }>('execute_device_command', {
    device_id: 'line-1/pump-03',
    command: 'reduce_load',
    parameters: { reduction_pct: 10 },
    justification: `happy path ${tag}: shed a little load`,
  });
  await approveCommand;
  if (cmd.status !== 'executed' || cmd.approved_by !== 'alice') throw new Error('execute_device_command: not executed with the approval');
  const approveAck = decideNext(rig, 'approve');
  const ack = await ok<{ status: string }>('acknowledge_anomaly', { anomaly_id: anomalyId, note: `happy path ${tag}` });
  await approveAck;
  if (ack.status !== 'acknowledged') throw new Error('acknowledge_anomaly: not acknowledged');
  return ran;
}
