// Issue 20: MCP Tasks (revision 2025-11-25) with the real SDK 1.x client, over Streamable HTTP and over
// the stdio bridge (the CLI relaying to the app's /mcp). A gated call made as a task returns at once;
// the operator's decision settles it: approve runs the command once, reject and expiry complete it
// with an isError result naming the rule and the operator, tasks/cancel withdraws the approval (audited).
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOVERNANCE_META } from '../electron/core/mcp';
import { httpClient, startRig, textOf, waitFor, type McpRig } from './mcp-helpers';
import { OPERATOR, operatorCaller } from './helpers';

const BIN = path.resolve(__dirname, '../bin/aegisflow.mjs');
let rig: McpRig;
const received = new Map<string, number>();

beforeAll(async () => {
  // Approvals wait 3 s for an operator here, so the expiry case ends quickly.
  const policy = fs.readFileSync(path.resolve(__dirname, '../resources/policies/default.yaml'), 'utf8').replace('review_timeout_s: 120', 'review_timeout_s: 3');
  rig = await startRig({}, policy);
  await waitFor(() => rig.core.services.live.devices().length === 9, 'readings from all nine devices');
  const subscribe = rig.core.services.broker.subscribeLocal;
  if (!subscribe) throw new Error('the rig runs the embedded broker');
  await subscribe('aegisflow/commands/#', (topic) => {
    const device = topic.replace('aegisflow/commands/', '');
    received.set(device, (received.get(device) ?? 0) + 1);
  });
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

async function stdioClient(): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--agent', 'diag', '--url', rig.mcpUrl],
    env: { ...process.env, AEGISFLOW_AGENT_TOKEN: rig.token },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'aegis-tasks-stdio', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const command = (device: string, pct: number) => ({
  name: 'execute_device_command',
  arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: pct }, justification: 'bearing temperature rising; SOP 2.3' },
});

/** A task-augmented tools/call: the CreateTaskResult at once, and the approval the gateway opened for it. */
async function startTask(client: Client, device: string, pct: number) {
  const created = new Promise<string>((resolve) => {
    const off = rig.core.bus.on('approval.created', (a) => {
      off();
      resolve(a.id);
    });
  });
  const r = await client.request({ method: 'tools/call', params: { ...command(device, pct), task: { ttl: 120_000 } } }, CreateTaskResultSchema);
  return { task: r.task, approvalId: await created };
}

const decide = async (id: string, verdict: 'approve' | 'reject', who: string) => {
  const r = await rig.core.api.call('approvals.decide', { id, verdict, comment: `${verdict} from the test` }, operatorCaller(who));
  if (!r.ok) throw new Error(r.error.message);
};

describe.each([
  ['Streamable HTTP', () => httpClient(rig.mcpUrl, rig.token), 'line-1'],
  ['the stdio bridge', stdioClient, 'line-2'],
])('MCP Tasks 2025-11-25 over %s', (_how, connect, line) => {
  let client: Client;
  beforeAll(async () => {
    client = await connect();
  }, 30_000);
  afterAll(async () => {
    await client?.close();
  });

  it('advertises task support on the gated tools, which are never read-only', async () => {
    expect(client.getServerCapabilities()?.tasks).toMatchObject({ cancel: {}, list: {}, requests: { tools: { call: {} } } });
    const { tools } = await client.listTools();
    for (const t of tools.filter((x) => x.name === 'execute_device_command' || x.name === 'acknowledge_anomaly')) {
      expect(t.execution).toEqual({ taskSupport: 'optional' });
      expect(t.annotations?.readOnlyHint).toBe(false);
    }
    expect(tools.find((t) => t.name === 'list_devices')?.execution?.taskSupport ?? 'forbidden').toBe('forbidden');
  });

  it('approve: the task works until the operator approves, then completes with the executed command (sent once)', async () => {
    const device = `${line}/compressor-01`;
    const { task, approvalId } = await startTask(client, device, 30);
    expect(task.status).toBe('working');
    expect(task.statusMessage).toMatch(/^awaiting operator approval — rule review-device-commands/);
    expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    const result = client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    await decide(approvalId, 'approve', 'alice');
    const r = await result;
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'executed', device_id: device, approval_id: approvalId, approved_by: 'alice' });
    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({
      status: 'completed',
      statusMessage: expect.stringMatching(/approved by alice/),
    });
    // The same call again (a plain one) replays the outcome; the device got one command.
    const again = await client.callTool(command(device, 30));
    expect(again.structuredContent).toEqual(r.structuredContent);
    expect(received.get(device)).toBe(1);
  });

  it('reject: the task completes with an isError result naming the rule and the operator; nothing is sent', async () => {
    const device = `${line}/motor-02`;
    const { task, approvalId } = await startTask(client, device, 35);
    await decide(approvalId, 'reject', 'bob');
    const r = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^REJECTED by bob: .*rule review-device-commands/);
    expect((r._meta as Record<string, { status: string }>)[GOVERNANCE_META]).toMatchObject({ status: 'rejected', decided_by: 'bob' });
    expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
    expect(received.get(device) ?? 0).toBe(0);
  });

  it('expire: nobody decides, the task completes with an EXPIRED isError result naming the rule', async () => {
    const device = `${line}/pump-03`;
    const { task } = await startTask(client, device, 15);
    const r = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema, { timeout: 20_000 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^EXPIRED: .*rule review-device-commands/);
    expect(received.get(device) ?? 0).toBe(0);
  }, 30_000);

  it('cancel: tasks/cancel withdraws the approval (audited as the agent), and a late approval cannot run it', async () => {
    const device = `${line}/compressor-01`;
    const { task, approvalId } = await startTask(client, device, 12);
    const cancelled = await client.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled.status).toBe('cancelled');
    expect(rig.core.services.governance.approval(approvalId)).toMatchObject({ status: 'cancelled', decidedBy: 'agent:diag' });
    const audit = await rig.core.api.call('audit.query', { kind: 'CANCELLED' }, OPERATOR);
    expect(audit.ok && audit.result.some((row) => row.approvalId === approvalId && row.actor === 'agent:diag')).toBe(true);
    await expect(decide(approvalId, 'approve', 'alice')).rejects.toThrow(/already cancelled/);
    const r = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(textOf(r)).toMatch(/^CANCELLED/);
    expect(received.get(device)).toBe(1); // the approve case's one command, nothing more
    const { tasks } = await client.experimental.tasks.listTasks();
    expect(tasks.map((t) => t.taskId)).toContain(task.taskId);
  });
});
