// Issue 20: MCP Tasks (revision 2025-11-25) with the real SDK 1.x client, over Streamable HTTP and over
// the stdio bridge (the CLI relaying to the app's /mcp). A gated call made as a task returns at once;
// the operator's decision settles it: approve runs the command once, reject and expiry complete it
// with an isError result naming the rule and the operator, tasks/cancel withdraws the approval (audited).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOVERNANCE_META } from '../electron/core/mcp';
import {
  decide,
  httpClient,
  nextApproval,
  policyWithReviewTimeout,
  reduceLoadCall,
  startCommandRig,
  stdioClient,
  textOf,
  type CommandRig,
} from './mcp-helpers';
import { OPERATOR } from './helpers';

let rig: CommandRig;

beforeAll(async () => {
  // Approvals wait 3 s for an operator here, so the expiry case ends quickly.
  rig = await startCommandRig({}, policyWithReviewTimeout(3));
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

async function stdioBridge(): Promise<Client> {
  const { client, transport } = stdioClient(['--agent', 'diag', '--url', rig.mcpUrl], rig.token);
  await client.connect(transport);
  return client;
}

/** A task-augmented tools/call: the CreateTaskResult at once, and the approval the gateway opened for it. */
async function startTask(client: Client, device: string, pct: number) {
  const created = nextApproval(rig);
  const r = await client.request({ method: 'tools/call', params: { ...reduceLoadCall(device, pct), task: { ttl: 120_000 } } }, CreateTaskResultSchema);
  return { task: r.task, approvalId: await created };
}

describe.each([
  ['Streamable HTTP', () => httpClient(rig.mcpUrl, rig.token), 'line-1'],
  ['the stdio bridge', stdioBridge, 'line-2'],
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
    await decide(rig, approvalId, 'approve', 'alice', 'approve from the test');
    const r = await result;
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'executed', device_id: device, approval_id: approvalId, approved_by: 'alice' });
    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({
      status: 'completed',
      statusMessage: expect.stringMatching(/approved by alice/),
    });
    // The same call again (a plain one) replays the outcome; the device got one command.
    const again = await client.callTool(reduceLoadCall(device, 30));
    expect(again.structuredContent).toEqual(r.structuredContent);
    expect(rig.received.get(device)).toBe(1);
  });

  it('reject: the task completes with an isError result naming the rule and the operator; nothing is sent', async () => {
    const device = `${line}/motor-02`;
    const { task, approvalId } = await startTask(client, device, 35);
    await decide(rig, approvalId, 'reject', 'bob', 'reject from the test');
    const r = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^REJECTED by bob: .*rule review-device-commands/);
    expect((r._meta as Record<string, { status: string }>)[GOVERNANCE_META]).toMatchObject({ status: 'rejected', decided_by: 'bob' });
    expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
    expect(rig.received.get(device) ?? 0).toBe(0);
  });

  it('expire: nobody decides, the task completes with an EXPIRED isError result naming the rule', async () => {
    const device = `${line}/pump-03`;
    const { task } = await startTask(client, device, 15);
    const r = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema, { timeout: 20_000 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^EXPIRED: .*rule review-device-commands/);
    expect(rig.received.get(device) ?? 0).toBe(0);
  }, 30_000);

  it('cancel: tasks/cancel withdraws the approval (audited as the agent), and a late approval cannot run it', async () => {
    const device = `${line}/compressor-01`;
    const { task, approvalId } = await startTask(client, device, 12);
    const cancelled = await client.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled.status).toBe('cancelled');
    expect(rig.core.services.governance.approval(approvalId)).toMatchObject({ status: 'cancelled', decidedBy: 'agent:diag' });
    const audit = await rig.core.api.call('audit.query', { kind: 'CANCELLED' }, OPERATOR);
    expect(audit.ok && audit.result.some((row) => row.approvalId === approvalId && row.actor === 'agent:diag')).toBe(true);
    await expect(decide(rig, approvalId, 'approve', 'alice', 'approve from the test')).rejects.toThrow(/already cancelled/);
    const r = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(textOf(r)).toMatch(/^CANCELLED/);
    expect(rig.received.get(device)).toBe(1); // the approve case's one command, nothing more
    const { tasks } = await client.experimental.tasks.listTasks();
    expect(tasks.map((t) => t.taskId)).toContain(task.taskId);
  });
});
