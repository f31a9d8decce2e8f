// The SDK agents' control channel. Healing actions for an SDK agent are queued here; the agent
// picks them up in the answer to its next ingest request (report or poll) and acknowledges them
// in a later one. An action counts as applied only when acknowledged ok before the deadline.
import type { ActionOutcome, HealingActuator } from './ports';
import type { ControlCommand, HealingAction } from './schemas';

interface Waiting {
  command: ControlCommand;
  delivered: boolean;
  resolve: (o: ActionOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ControlChannel extends HealingActuator {
  /** Mark an agent as reachable over the channel (an SDK agent that reported or polled). */
  attach(agentId: string): void;
  /** Commands not yet delivered to this agent; marks them delivered. */
  take(agentId: string): ControlCommand[];
  ack(agentId: string, commandId: string, ok: boolean, detail: string): boolean;
  pending(): ControlCommand[];
  close(): void;
}

export function createControlChannel(opts: { ackTimeoutMs: number; now: () => number }): ControlChannel {
  const attached = new Set<string>();
  const waiting = new Map<string, Waiting>();
  let seq = 0;

  return {
    attach: (agentId) => void attached.add(agentId),
    owns: (agentId) => attached.has(agentId),
    apply(agentId: string, action: HealingAction, params: { tools: string[]; reason: string }): Promise<ActionOutcome> {
      const command: ControlCommand = {
        id: `cmd-${opts.now().toString(36)}-${++seq}`,
        agent_id: agentId,
        action,
        tools: params.tools,
        reason: params.reason,
        issued_at: opts.now(),
      };
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(command.id);
          resolve({ ok: false, detail: `${action}: no acknowledgement from ${agentId} within ${opts.ackTimeoutMs} ms` });
        }, opts.ackTimeoutMs);
        timer.unref?.();
        waiting.set(command.id, { command, delivered: false, resolve, timer });
      });
    },
    take(agentId) {
      const out: ControlCommand[] = [];
      for (const w of waiting.values()) {
        if (w.command.agent_id === agentId && !w.delivered) {
          w.delivered = true;
          out.push(w.command);
        }
      }
      return out;
    },
    ack(agentId, commandId, ok, detail) {
      const w = waiting.get(commandId);
      if (!w || w.command.agent_id !== agentId) return false;
      clearTimeout(w.timer);
      waiting.delete(commandId);
      w.resolve({ ok, detail: detail || `${w.command.action} ${ok ? 'done' : 'failed'} (reported by ${agentId})` });
      return true;
    },
    pending: () => [...waiting.values()].map((w) => w.command),
    close() {
      for (const w of waiting.values()) {
        clearTimeout(w.timer);
        w.resolve({ ok: false, detail: 'immune system stopped' });
      }
      waiting.clear();
    },
  };
}
