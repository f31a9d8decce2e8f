// Issue 20: revision 2026-07-28 (stateless) from the same /mcp as the 2025-11-25 sessions. Real SDK 2.x
// clients (@modelcontextprotocol/client 2.4, pinned to 2026-07-28: server/discover, no initialize, no
// session) over real HTTP on port 0: with the Tasks extension (approve, reject, cancel), without it (its
// request timeout passes while the operator decides, then it retries and collects the executed call
// exactly once), and one whose connection drops mid-wait. The device counts the commands it receives.
import { Client, SdkError, SdkErrorCode, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOVERNANCE_META } from '../electron/core/mcp';
import { TasksExtensionTransport, type TaskSeen } from '../electron/core/mcp/transports/tasksExtClient';
import { decide, executedOn, httpClient, nextApproval, reduceLoadCall, startCommandRig, textOf, waitFor, type CommandRig } from './mcp-helpers';

let rig: CommandRig;

beforeAll(async () => {
  // A call without a progressToken is held 20 s by the server: the clients here give up long before.
  rig = await startCommandRig({ mcp: { review: { waitWithoutProgressMs: 20_000 } } });
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

const V2026 = { versionNegotiation: { mode: { pin: '2026-07-28' } } };

async function modernClient(o: { tasks?: boolean; onTask?: (t: TaskSeen) => void; token?: string } = {}): Promise<Client> {
  const http = new StreamableHTTPClientTransport(new URL(rig.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${o.token ?? rig.token}` } } });
  const client = new Client({ name: 'aegis-2026-test', version: '1.0.0' }, V2026);
  await client.connect(o.tasks ? new TasksExtensionTransport(http, { onTask: o.onTask }) : http);
  return client;
}

/** One raw 2026-07-28 POST (what a client without the SDK sends), answered as JSON. */
async function rawPost(body: Record<string, unknown>, token: string | null = rig.token) {
  const res = await fetch(rig.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } } };
}
const envelope = (extensions: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { extensions },
});

describe('revision 2026-07-28 beside 2025-11-25 on the one /mcp', () => {
  it('negotiates per request: a stateless SDK 2.x client and a session-based SDK 1.x client side by side', async () => {
    const modern = await modernClient();
    expect(modern.getProtocolEra()).toBe('modern');
    const discovered = modern.getDiscoverResult();
    expect(discovered?.supportedVersions).toEqual(['2026-07-28']);
    expect(discovered?.capabilities).toMatchObject({ tools: { listChanged: true }, extensions: { 'io.modelcontextprotocol/tasks': {} } });
    const legacy = await httpClient(rig.mcpUrl, rig.token);
    const [a, b] = await Promise.all([modern.listTools(), legacy.listTools()]);
    expect(a.tools.map((t) => t.name)).toEqual(b.tools.map((t) => t.name));
    // The 2025 client still sees task support on gated tools; the 2026 era has no `execution`.
    expect(b.tools.find((t) => t.name === 'execute_device_command')?.execution).toEqual({ taskSupport: 'optional' });
    const read = await modern.callTool({ name: 'get_device_status', arguments: { device_id: 'line-1/pump-03' } });
    expect(read.isError).toBeFalsy();
    expect((read._meta as Record<string, { decision: string }>)[GOVERNANCE_META].decision).toBe('ALLOW');
    expect(rig.core.services.mcp.http?.sessions.size).toBe(1); // the stateless client opened none
    expect(rig.core.services.mcp.recentCalls({ limit: 1 })[0]).toMatchObject({ tool: 'get_device_status', agent_id: 'diag', transport: 'http' });
    await legacy.close();
    await modern.close();
  });

  it('authenticates every stateless request on its own; a bad version, a batch and a missing extension are refused', async () => {
    const discover = { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: envelope() } };
    expect((await rawPost(discover, null)).status).toBe(401);
    expect((await rawPost(discover, 'not-a-token')).status).toBe(401);
    const ok = await rawPost(discover);
    expect(ok.body.result).toMatchObject({ resultType: 'complete', supportedVersions: ['2026-07-28'] });
    const future = await rawPost({ ...discover, params: { _meta: { ...envelope(), 'io.modelcontextprotocol/protocolVersion': '2027-01-01' } } });
    expect(future.body.error?.code).toBe(-32022);
    const batch = await fetch(rig.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${rig.token}` },
      body: JSON.stringify([discover, { ...discover, id: 2 }]),
    });
    expect(batch.status).toBe(400);
    // Each refusal is the agent's invalid call (the abuse signal), as on a 2025 session.
    const invalid = rig.core.services.mcp.recentCalls({ agentId: 'diag', limit: 2 });
    expect(invalid.map((r) => [r.tool, r.status])).toEqual([
      ['(rpc) malformed', 'invalid'],
      ['(rpc) server/discover', 'invalid'],
    ]);
    const noExt = await rawPost({ jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { taskId: 'x', _meta: envelope() } });
    expect(noExt.body.error?.code).toBe(-32021);
    const unknownTask = await rawPost({
      jsonrpc: '2.0',
      id: 3,
      method: 'tasks/get',
      params: { taskId: 'x', _meta: envelope({ 'io.modelcontextprotocol/tasks': {} }) },
    });
    expect(unknownTask.body.error?.code).toBe(-32602);
    const paused = rig.core.services.governance.addAgent({ id: 'paused-2026', name: 'Paused', role: 'assistant' });
    expect((await rawPost(discover, paused.token)).status).toBe(200);
    rig.core.services.governance.pauseAgent('paused-2026', 'test');
    expect((await rawPost(discover, paused.token)).status).toBe(403);
  });

  it('with the Tasks extension: a gated call is a task at once; approved it runs once, rejected it names rule and operator', async () => {
    const device = 'line-1/motor-02';
    const seen: TaskSeen[] = [];
    let onFirst: (t: TaskSeen) => void = () => {};
    const client = await modernClient({ tasks: true, onTask: (t) => (seen.push(t), onFirst(t)) });
    const approval = nextApproval(rig);
    const approved = new Promise<void>((resolve) => {
      onFirst = () => {
        onFirst = () => {};
        void approval.then((id) => decide(rig, id, 'approve', 'dana')).then(resolve);
      };
    });
    const r = await client.callTool(reduceLoadCall(device, 30));
    await approved;
    expect(seen[0]).toMatchObject({ status: 'working' });
    expect(seen[0].statusMessage).toMatch(/awaiting operator approval — rule review-device-commands/);
    expect(seen.at(-1)?.status).toBe('completed');
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'executed', device_id: device, approved_by: 'dana' });
    expect(rig.core.services.mcp.deps.pending.get(seen[0].taskId)).toMatchObject({ status: 'completed', agentId: 'diag' });
    expect(rig.received.get(device)).toBe(1);
    expect(await executedOn(rig, device)).toBe(1);
    // The task as tasks/get shows it on the wire: the tool result inline, resultType "complete".
    const ext = envelope({ 'io.modelcontextprotocol/tasks': {} });
    const got = await rawPost({ jsonrpc: '2.0', id: 7, method: 'tasks/get', params: { taskId: seen[0].taskId, _meta: ext } });
    expect(got.body.result).toMatchObject({
      resultType: 'complete',
      taskId: seen[0].taskId,
      status: 'completed',
      pollIntervalMs: 50,
      result: { structuredContent: { status: 'executed', approved_by: 'dana' } },
    });
    const updated = await rawPost({ jsonrpc: '2.0', id: 8, method: 'tasks/update', params: { taskId: seen[0].taskId, inputResponses: {}, _meta: ext } });
    expect(updated.body.result).toMatchObject({ resultType: 'complete' });
    // Another agent cannot see it.
    const other2 = rig.core.services.governance.addAgent({ id: 'other-2026', name: 'Other', role: 'assistant' });
    const foreign = await rawPost({ jsonrpc: '2.0', id: 9, method: 'tasks/get', params: { taskId: seen[0].taskId, _meta: ext } }, other2.token);
    expect(foreign.body.error?.code).toBe(-32602);

    // Rejected: the task completes with an isError tool result naming the rule and the operator.
    const other = 'line-2/motor-02';
    seen.length = 0;
    const rejection = nextApproval(rig);
    onFirst = () => {
      onFirst = () => {};
      void rejection.then((id) => decide(rig, id, 'reject', 'bob'));
    };
    const denied = await client.callTool(reduceLoadCall(other, 30));
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/^REJECTED by bob: .*rule review-device-commands/);
    expect(seen.at(-1)).toMatchObject({ status: 'completed' });
    expect(rig.received.get(other) ?? 0).toBe(0);
    await client.close();
  });

  it('with the Tasks extension: aborting the call cancels the task (tasks/cancel), the approval is withdrawn and nothing runs', async () => {
    const device = 'line-3/motor-02';
    const seen: TaskSeen[] = [];
    const ac = new AbortController();
    const client = await modernClient({ tasks: true, onTask: (t) => (seen.push(t), ac.abort()) });
    const approval = nextApproval(rig);
    const call = await client.callTool(reduceLoadCall(device, 30), { signal: ac.signal }).catch((e: unknown) => e);
    expect(call).toBeInstanceOf(Error);
    const approvalId = await approval;
    await waitFor(() => rig.core.services.mcp.deps.pending.get(seen[0].taskId)?.status === 'cancelled', 'the task to be cancelled');
    expect(rig.core.services.governance.approval(approvalId)?.status).toBe('cancelled');
    expect(rig.received.get(device) ?? 0).toBe(0);
    await client.close();
  });

  it("without tasks: the client's own request timeout passes while the operator decides; the retry collects the call, executed exactly once", async () => {
    // The real clients' limit is 60 s; this client's is 2 s. The decision is made only after the client
    // gave up (its RequestTimeout is the event), so nothing here races a timer.
    const device = 'line-2/pump-03';
    const client = await modernClient();
    const approval = nextApproval(rig);
    const first = await client.callTool(reduceLoadCall(device, 25), { timeout: 2000 }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(SdkError);
    expect((first as SdkError).code).toBe(SdkErrorCode.RequestTimeout);
    const approvalId = await approval;
    // Closing the response stream cancelled the request, not the pending call.
    expect(rig.core.services.mcp.deps.pending.byApproval(approvalId)).toMatchObject({ status: 'working' });
    await decide(rig, approvalId, 'approve', 'erin');
    await waitFor(() => rig.core.services.mcp.deps.pending.byApproval(approvalId)?.status === 'completed', 'the pending call to run');
    expect(rig.received.get(device)).toBe(1);
    const again = await client.callTool(reduceLoadCall(device, 25));
    expect(again.isError, textOf(again)).toBeFalsy();
    expect(again.structuredContent).toMatchObject({ status: 'executed', device_id: device, approval_id: approvalId, approved_by: 'erin' });
    const replay = await client.callTool(reduceLoadCall(device, 25));
    expect(replay.structuredContent).toEqual(again.structuredContent);
    expect(rig.received.get(device)).toBe(1);
    expect(await executedOn(rig, device)).toBe(1);
    await client.close();
  });

  it('a client whose connection drops mid-wait comes back, retries and collects the call', async () => {
    const device = 'line-3/pump-03';
    const progress: string[] = [];
    const gone = await modernClient();
    const approval = nextApproval(rig);
    let sawProgress: () => void = () => {};
    const progressed = new Promise<void>((resolve) => (sawProgress = resolve));
    const waiting = gone
      .callTool(reduceLoadCall(device, 20), { onprogress: (p) => (progress.push(p.message ?? ''), sawProgress()), timeout: 60_000 })
      .catch((e: unknown) => e);
    const approvalId = await approval;
    await progressed;
    expect(progress[0]).toMatch(/awaiting operator approval — rule review-device-commands/);
    await gone.close();
    expect(await waiting).toBeInstanceOf(Error);
    expect(rig.core.services.mcp.deps.pending.byApproval(approvalId)).toMatchObject({ status: 'working' });
    const back = await modernClient();
    let started: () => void = () => {};
    const backWaiting = new Promise<void>((resolve) => (started = resolve));
    const decided = backWaiting.then(() => decide(rig, approvalId, 'approve', 'frank'));
    const r = await back.callTool(reduceLoadCall(device, 20), { onprogress: () => started(), resetTimeoutOnProgress: true });
    await decided;
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'executed', approval_id: approvalId, approved_by: 'frank' });
    expect(rig.received.get(device)).toBe(1);
    expect(await executedOn(rig, device)).toBe(1);
    await back.close();
  });

  it('subscriptions/listen delivers list changes: a new policy changes what the agent may read', async () => {
    const client = await modernClient();
    let changed: () => void = () => {};
    const resourcesChanged = new Promise<void>((resolve) => (changed = resolve));
    client.setNotificationHandler('notifications/resources/list_changed', () => changed());
    const sub = await client.listen({ resourcesListChanged: true, toolsListChanged: true, resourceSubscriptions: ['aegisflow://devices'] });
    expect(sub.honoredFilter).toEqual({ resourcesListChanged: true, toolsListChanged: true });
    rig.core.services.governance.policy.load();
    await resourcesChanged;
    await sub.close();
    expect(await sub.closed).toBe('local');
    await client.close();
  });
});
