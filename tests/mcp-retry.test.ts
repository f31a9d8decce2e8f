// Issue 20: the approval is the durable thing. A real SDK 1.x client over Streamable HTTP whose request
// times out while the operator decides retries the same call: it attaches to the one pending call,
// which runs once when approved; later retries replay the outcome. The device counts what it receives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { GOVERNANCE_META } from '../electron/core/mcp';
import { executedOn, httpClient, nextApproval, reduceLoadCall, startCommandRig, textOf, waitFor, type CommandRig } from './mcp-helpers';
import { operatorCaller } from './helpers';

let rig: CommandRig;
const created: string[] = [];

beforeAll(async () => {
  // The server would hold a call without a progressToken for 20 s: the clients here give up long before.
  rig = await startCommandRig({ mcp: { review: { waitWithoutProgressMs: 20_000 } } });
  rig.core.bus.on('approval.created', (a) => created.push(a.id));
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

const metaOf = (r: { _meta?: Record<string, unknown> }) =>
  (r._meta as Record<string, { status: string; approval_id?: string; task_id?: string }>)[GOVERNANCE_META];

describe('a client whose request times out while the operator decides', () => {
  it('retries the same call: one approval, one device command, the outcome replayed', async () => {
    const device = 'line-1/motor-02';
    const client = await httpClient(rig.mcpUrl, rig.token);
    const before = created.length;
    const approval = nextApproval(rig);
    // 1. The client's own timeout passes while nobody has decided yet.
    const first = await client.callTool(reduceLoadCall(device, 30), undefined, { timeout: 300 }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(McpError);
    expect((first as McpError).code).toBe(ErrorCode.RequestTimeout);
    const approvalId = await approval;
    // 2. A retry before the decision attaches to the same pending call (and times out again).
    const second = await client.callTool(reduceLoadCall(device, 30), undefined, { timeout: 300 }).catch((e: unknown) => e);
    expect((second as McpError).code).toBe(ErrorCode.RequestTimeout);
    expect(created.length - before).toBe(1);
    expect(rig.core.services.mcp.deps.pending.byApproval(approvalId)).toMatchObject({ status: 'working', tool: 'execute_device_command' });
    // 3. The operator approves with no request waiting: the pending call runs now, once.
    const decided = await rig.core.api.call('approvals.decide', { id: approvalId, verdict: 'approve' }, operatorCaller('dana'));
    expect(decided.ok).toBe(true);
    await waitFor(() => rig.core.services.mcp.deps.pending.byApproval(approvalId)?.status === 'completed', 'the pending call to run');
    expect(rig.received.get(device)).toBe(1);
    // 4. The retry collects the executed result; later retries replay it and send nothing.
    const third = await client.callTool(reduceLoadCall(device, 30));
    expect(third.isError).toBeFalsy();
    expect(third.structuredContent).toMatchObject({ status: 'executed', device_id: device, approval_id: approvalId, approved_by: 'dana' });
    const fourth = await client.callTool(reduceLoadCall(device, 30));
    expect(fourth.structuredContent).toEqual(third.structuredContent);
    expect(rig.received.get(device)).toBe(1);
    expect(await executedOn(rig, device)).toBe(1);
    expect(created.length - before).toBe(1);
    // A different call (another reduction) is a new request: a new approval.
    const other = nextApproval(rig);
    const fifth = await client.callTool(reduceLoadCall(device, 40), undefined, { timeout: 300 }).catch((e: unknown) => e);
    expect((fifth as McpError).code).toBe(ErrorCode.RequestTimeout);
    await rig.core.api.call('approvals.decide', { id: await other, verdict: 'reject' }, operatorCaller('dana'));
    await client.close();
  });

  it('a client whose connection drops mid-wait comes back on a new session and collects the call', async () => {
    const device = 'line-2/pump-03';
    const approval = nextApproval(rig);
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const gone = await httpClient(rig.mcpUrl, rig.token);
    const waiting = gone
      .callTool({ ...reduceLoadCall(device, 25), _meta: {} }, undefined, { onprogress: (p) => progress.push(p), timeout: 60_000 })
      .catch((e: unknown) => e);
    const approvalId = await approval;
    await waitFor(() => progress.length > 0, 'a progress notification');
    // The approval's deadline shows as the time left and as the total (seconds).
    expect(progress[0].message).toMatch(/^awaiting operator approval — rule review-device-commands.* \(\d+ s left\)$/);
    expect(progress[0].total).toBeGreaterThan(progress[0].progress);
    await gone.close();
    expect(await waiting).toBeInstanceOf(Error);
    const back: Client = await httpClient(rig.mcpUrl, rig.token);
    const decided = new Promise<void>((resolve) => {
      setTimeout(() => void rig.core.api.call('approvals.decide', { id: approvalId, verdict: 'approve' }, operatorCaller('erin')).then(() => resolve()), 100);
    });
    const r = await back.callTool(reduceLoadCall(device, 25), undefined, { onprogress: () => {}, resetTimeoutOnProgress: true });
    await decided;
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'executed', approval_id: approvalId, approved_by: 'erin' });
    expect(rig.received.get(device)).toBe(1);
    expect(await executedOn(rig, device)).toBe(1);
    await back.close();
  });

  it('without a progressToken, answers "pending; retry the same call" before its limit, and a rejection is replayed naming rule and operator', async () => {
    const device = 'line-3/compressor-01';
    rig.core.services.mcp.deps.config.review.waitWithoutProgressMs = 200;
    try {
      const client = await httpClient(rig.mcpUrl, rig.token);
      const r = await client.callTool(reduceLoadCall(device, 20));
      expect(r.isError).toBe(true);
      expect(metaOf(r)).toMatchObject({ status: 'pending' });
      expect(textOf(r)).toContain('pending; retry the same call to collect it');
      const approvalId = String(metaOf(r).approval_id);
      await rig.core.api.call('approvals.decide', { id: approvalId, verdict: 'reject', comment: 'not now' }, operatorCaller('frank'));
      await waitFor(() => rig.core.services.mcp.deps.pending.byApproval(approvalId)?.status === 'completed', 'the rejection to settle');
      const again = await client.callTool(reduceLoadCall(device, 20));
      expect(again.isError).toBe(true);
      expect(textOf(again)).toMatch(/^REJECTED by frank: .*rule review-device-commands/);
      expect(metaOf(again)).toMatchObject({ status: 'rejected', approval_id: approvalId });
      expect(rig.received.get(device) ?? 0).toBe(0);
      await client.close();
    } finally {
      rig.core.services.mcp.deps.config.review.waitWithoutProgressMs = 20_000;
    }
  });
});

describe('a pending call survives a restart of the app', () => {
  it('the approval given after the restart runs the call once, and the retry collects it', async () => {
    const device = 'line-3/pump-03';
    const approval = nextApproval(rig);
    const before = await httpClient(rig.mcpUrl, rig.token);
    const first = await before.callTool(reduceLoadCall(device, 35), undefined, { timeout: 300 }).catch((e: unknown) => e);
    expect((first as McpError).code).toBe(ErrorCode.RequestTimeout);
    const approvalId = await approval;
    await before.close();
    await rig.core.stop();
    await rig.core.start();
    expect(rig.core.services.mcp.deps.pending.byApproval(approvalId)).toMatchObject({ status: 'working' });
    let sent = 0;
    const subscribe = rig.core.services.broker.subscribeLocal;
    if (!subscribe) throw new Error('the rig runs the embedded broker');
    await subscribe(`aegisflow/commands/${device}`, () => sent++);
    await waitFor(() => rig.core.services.live.devices().length === 9, 'readings again after the restart');
    expect((await rig.core.api.call('approvals.decide', { id: approvalId, verdict: 'approve' }, operatorCaller('gus'))).ok).toBe(true);
    await waitFor(() => rig.core.services.mcp.deps.pending.byApproval(approvalId)?.status === 'completed', 'the resumed pending call to run');
    const after = await httpClient(`${rig.core.services.http?.url ?? ''}/mcp`, rig.token);
    const r = await after.callTool(reduceLoadCall(device, 35));
    expect(r.structuredContent).toMatchObject({ status: 'executed', device_id: device, approval_id: approvalId, approved_by: 'gus' });
    expect(sent).toBe(1);
    await after.close();
  }, 90_000);
});
