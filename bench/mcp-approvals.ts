// bench:mcp's end-to-end approval checks (issue 20), run on the bench's own core with real SDK 1.x
// clients over Streamable HTTP; each is 1 when every step holds, else 0 (the failing step is printed):
//   retry_exactly_once  a client whose request times out while the operator decides retries the same
//                       call: one approval, one command on the device's MQTT topic, the outcome replayed;
//   tasks_2025_ok       MCP Tasks 2025-11-25: a task-augmented call returns a working task; approve →
//                       executed result, reject → isError naming the rule and the operator, tasks/cancel →
//                       the approval withdrawn.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Core } from '../electron/core';
import type { Caller } from '../shared/operators';

const OPERATOR: Caller = Object.freeze({ operator: { id: 'op-bench', name: 'bench-operator', roles: ['admin'] }, via: 'internal' });

export interface ApprovalChecks {
  retry_exactly_once: 0 | 1;
  tasks_2025_ok: 0 | 1;
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
  await unsubscribe?.();
  return { retry_exactly_once: retry ? 1 : 0, tasks_2025_ok: tasks ? 1 : 0, notes };
}
