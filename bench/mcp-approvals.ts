// bench:mcp's end-to-end approval checks (issue 20), run on the bench's own core with real SDK 1.x
// clients over Streamable HTTP; each is 1 when every step holds, else 0 (the failing step is printed):
//   retry_exactly_once  a client whose request times out while the operator decides retries the same
//                       call: one approval, one command on the device's MQTT topic, the outcome replayed;
//   tasks_2025_ok       MCP Tasks 2025-11-25: a task-augmented call returns a working task; approve →
//                       executed result, reject → isError naming the rule and the operator, tasks/cancel →
//                       the approval withdrawn.
//   tasks_2026_ok       revision 2026-07-28 with the Tasks extension (SDK 2.x Client, stateless): a gated
//                       call comes back as a server-directed task; approve → executed once, reject →
//                       isError naming the rule and the operator, aborting the call → tasks/cancel, the
//                       approval withdrawn and nothing sent.
import { Client as Client2026, StreamableHTTPClientTransport as Http2026 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Core } from '../electron/core';
import { TasksExtensionTransport, type TaskSeen } from '../electron/core/mcp/transports/tasksExtClient';
import type { Caller } from '../shared/operators';

const OPERATOR: Caller = Object.freeze({ operator: { id: 'op-bench', name: 'bench-operator', roles: ['admin'] }, via: 'internal' });

export interface ApprovalChecks {
  retry_exactly_once: 0 | 1;
  tasks_2025_ok: 0 | 1;
  tasks_2026_ok: 0 | 1;
  notes: string[];
}

export async function approvalChecks(core: Core, url: string, token: string): Promise<ApprovalChecks> {
  const notes: string[] = [];
  const received = new Map<string, number>();
  const subscribe = core.services.broker.subscribeLocal;
  const unsubscribe = subscribe
    ? await subscribe('aegisflow/commands/#', (topic) => {
        const d = topic.replace('aegisflow/commands/', '');
        received.set(d, (received.get(d) ?? 0) + 1);
      })
    : null;
  const nextApproval = () =>
    new Promise<string>((resolve) => {
      const off = core.bus.on('approval.created', (a) => {
        off();
        resolve(a.id);
      });
    });
  const decide = async (id: string, verdict: 'approve' | 'reject') => {
    const r = await core.api.call('approvals.decide', { id, verdict }, OPERATOR);
    if (!r.ok) throw new Error(r.error.message);
  };
  const check = (ok: boolean, what: string) => {
    if (!ok) notes.push(what);
    return ok;
  };
  const client = new Client({ name: 'bench-approvals', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  const command = (device: string, pct: number) => ({
    name: 'execute_device_command',
    arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: pct }, justification: 'bench: SOP 2.3 reduce load first' },
  });

  let retry = false;
  try {
    const device = 'line-1/motor-02';
    const approval = nextApproval();
    const timedOut = (p: Promise<unknown>) =>
      p.then(
        () => false,
        (e: unknown) => /timed out/i.test(String(e)),
      );
    const first = await timedOut(client.callTool(command(device, 30), undefined, { timeout: 300 }));
    const id = await approval;
    const second = await timedOut(client.callTool(command(device, 30), undefined, { timeout: 300 }));
    await decide(id, 'approve');
    const third = await client.callTool(command(device, 30), undefined, { timeout: 30_000 });
    const fourth = await client.callTool(command(device, 30));
    const executed = (third.structuredContent as { status?: string } | undefined)?.status === 'executed';
    retry =
      check(first && second, 'the first two calls should time out on the client') &&
      check(executed, `the retry after approval should return the executed command: ${JSON.stringify(third.content)}`) &&
      check(JSON.stringify(fourth.structuredContent) === JSON.stringify(third.structuredContent), 'a later retry should replay the outcome') &&
      check(received.get(device) === 1, `the device should receive one command, got ${received.get(device) ?? 0}`);
  } catch (err) {
    notes.push(`retry: ${(err as Error).message}`);
  }

  let tasks = false;
  try {
    const start = async (device: string, pct: number) => {
      const approval = nextApproval();
      const r = await client.request({ method: 'tools/call', params: { ...command(device, pct), task: { ttl: 60_000 } } }, CreateTaskResultSchema);
      return { task: r.task, id: await approval };
    };
    const a = await start('line-2/motor-02', 20);
    await decide(a.id, 'approve');
    const ar = await client.experimental.tasks.getTaskResult(a.task.taskId, CallToolResultSchema);
    const r = await start('line-2/pump-03', 20);
    await decide(r.id, 'reject');
    const rr = await client.experimental.tasks.getTaskResult(r.task.taskId, CallToolResultSchema);
    const c = await start('line-3/motor-02', 20);
    const cancelled = await client.experimental.tasks.cancelTask(c.task.taskId);
    const text = (x: { content: Array<{ type: string; text?: string }> }) => x.content.map((p) => p.text ?? '').join(' ');
    tasks =
      check(a.task.status === 'working', 'a gated task starts working') &&
      check((ar.structuredContent as { status?: string } | undefined)?.status === 'executed', 'approve → executed') &&
      check(
        rr.isError === true && /^REJECTED by bench-operator: .*rule review-device-commands/.test(text(rr)),
        `reject → isError naming rule and operator: ${text(rr)}`,
      ) &&
      check(cancelled.status === 'cancelled' && core.services.governance.approval(c.id)?.status === 'cancelled', 'cancel → approval withdrawn') &&
      check(
        received.get('line-2/motor-02') === 1 && !received.get('line-2/pump-03') && !received.get('line-3/motor-02'),
        'only the approved task reaches its device',
      );
  } catch (err) {
    notes.push(`tasks: ${(err as Error).message}`);
  }
  await client.close();

  let tasks2026 = false;
  try {
    const seen: TaskSeen[] = [];
    let onTask: (t: TaskSeen) => void = () => {};
    const modern = new Client2026({ name: 'bench-approvals-2026', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    const http2026 = new Http2026(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    await modern.connect(new TasksExtensionTransport(http2026, { onTask: (t) => (seen.push(t), onTask(t)) }));
    const decidedOnTask = (verdict: 'approve' | 'reject') => {
      const approval = nextApproval();
      onTask = () => {
        onTask = () => {};
        void approval.then((id) => decide(id, verdict));
      };
    };
    decidedOnTask('approve');
    const a = await modern.callTool(command('line-1/pump-03', 20));
    const first = seen[0];
    decidedOnTask('reject');
    const r = await modern.callTool(command('line-3/pump-03', 20));
    const ac = new AbortController();
    const approvalC = nextApproval();
    let cTask = '';
    onTask = (t) => {
      cTask = t.taskId;
      ac.abort();
    };
    await modern.callTool(command('line-1/compressor-01', 20), { signal: ac.signal }).catch(() => null);
    const cId = await approvalC;
    for (let i = 0; i < 100 && core.services.mcp.deps.pending.get(cTask)?.status !== 'cancelled'; i++) await new Promise((res) => setTimeout(res, 50));
    const text = (x: { content?: unknown }) => ((x.content ?? []) as Array<{ text?: string }>).map((p) => p.text ?? '').join(' ');
    tasks2026 =
      check(modern.getProtocolEra() === 'modern', '2026: the client negotiated revision 2026-07-28') &&
      check(first?.status === 'working' && /awaiting operator approval/.test(first.statusMessage ?? ''), '2026: a gated call is a working task') &&
      check((a.structuredContent as { status?: string } | undefined)?.status === 'executed', `2026: approve → executed: ${text(a)}`) &&
      check(
        r.isError === true && /^REJECTED by bench-operator: .*rule review-device-commands/.test(text(r)),
        `2026: reject → isError naming rule and operator: ${text(r)}`,
      ) &&
      check(
        core.services.mcp.deps.pending.get(cTask)?.status === 'cancelled' && core.services.governance.approval(cId)?.status === 'cancelled',
        '2026: abort → tasks/cancel → approval withdrawn',
      ) &&
      check(
        received.get('line-1/pump-03') === 1 && !received.get('line-3/pump-03') && !received.get('line-1/compressor-01'),
        '2026: only the approved task reaches its device, once',
      );
    await modern.close();
  } catch (err) {
    notes.push(`tasks 2026: ${(err as Error).message}`);
  }
  await unsubscribe?.();
  return { retry_exactly_once: retry ? 1 : 0, tasks_2025_ok: tasks ? 1 : 0, tasks_2026_ok: tasks2026 ? 1 : 0, notes };
}
