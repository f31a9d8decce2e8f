// MCP Tasks (revision 2025-11-25, experimental in SDK 1.x) over the durable pending calls (pending.ts):
// a gated tool advertises execution.taskSupport "optional"; a task-augmented tools/call answers the
// pending record as a task at once; tasks/get shows it, tasks/result waits for and delivers its
// outcome, tasks/cancel withdraws the approval (audited as the agent's cancellation), tasks/list lists
// the agent's. A task belongs to the agent, not the session: a client that reconnects still reaches it.
import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import { ErrorCode, McpError, type Result, type Task } from '@modelcontextprotocol/sdk/types.js';
import { isSettled, type PendingCallRecord } from './pending';
import type { CallerIdentity, McpDeps } from './types';

/** Tools whose calls may wait for an operator: they accept tasks (the UI marks them gated too). */
export const GATED_TOOLS: ReadonlySet<string> = new Set(['execute_device_command', 'acknowledge_anomaly']);

/** The server's tasks capability (2025-11-25): tools/call may be task-augmented; tasks can be listed and cancelled. */
export const TASKS_CAPABILITY = { list: {}, cancel: {}, requests: { tools: { call: {} } } };

export function toTask(deps: McpDeps, r: PendingCallRecord): Task {
  return {
    taskId: r.id,
    status: r.status,
    statusMessage: r.statusMessage,
    createdAt: new Date(r.createdAt).toISOString(),
    lastUpdatedAt: new Date(r.updatedAt).toISOString(),
    ttl: r.ttlMs,
    pollInterval: deps.config.tasks.pollIntervalMs,
  };
}

const notFound = (taskId: string) => new McpError(ErrorCode.InvalidParams, `Task not found: ${taskId}`);

/** The SDK's task store for one caller's server: the agent's pending calls, nothing else. */
export function createTaskStore(deps: McpDeps, caller: CallerIdentity): TaskStore {
  const mine = (taskId: string) => {
    const r = deps.pending.get(taskId);
    return r && r.agentId === caller.agentId ? r : null;
  };
  return {
    createTask() {
      return Promise.reject(new McpError(ErrorCode.InvalidRequest, 'tasks are created by task-augmented calls of gated tools only'));
    },
    getTask(taskId) {
      const r = mine(taskId);
      return Promise.resolve(r ? toTask(deps, r) : null);
    },
    storeTaskResult() {
      return Promise.reject(new McpError(ErrorCode.InvalidRequest, 'a task settles when its operator decides'));
    },
    getTaskResult(taskId): Promise<Result> {
      const r = mine(taskId);
      if (!r) return Promise.reject(notFound(taskId));
      if (!isSettled(r) || !r.result) return Promise.reject(new McpError(ErrorCode.InvalidRequest, `task ${taskId} is still ${r.status}`));
      return Promise.resolve(r.result);
    },
    updateTaskStatus(taskId, status, statusMessage) {
      const r = mine(taskId);
      if (!r) return Promise.reject(notFound(taskId));
      // The SDK calls this for tasks/cancel only; no other status change is the client's to make.
      if (status !== 'cancelled') return Promise.reject(new McpError(ErrorCode.InvalidRequest, `a task's status is the server's: ${status} refused`));
      deps.pending.cancel(taskId, `agent:${caller.agentId}`, statusMessage ?? 'tasks/cancel');
      return Promise.resolve();
    },
    listTasks(cursor) {
      const before = cursor ? Number(cursor) : undefined;
      if (cursor && !Number.isFinite(before)) return Promise.reject(new McpError(ErrorCode.InvalidParams, 'invalid cursor'));
      const page = deps.pending.repo.ofAgent(caller.agentId, 50, before);
      const last = page.at(-1);
      return Promise.resolve({ tasks: page.map((r) => toTask(deps, r)), ...(page.length === 50 && last ? { nextCursor: String(last.createdAt) } : {}) });
    },
  };
}
