// Commands sent and not yet answered, by token id (the device echoes the jti of a verified token): each
// waits for its device's acknowledgement, or gives up as no_ack after the timeout or when its channel
// stops. One helper for the MQTT command channel and the Sparkplug B connector, which repeated it.
import type { DeviceReply } from './command-channel';

export interface PendingAcks<T> {
  /** Waits for the reply to `jti`: what `settle` gives it, or no_ack after timeoutMs. */
  wait(jti: string, info: T, timeoutMs: number): Promise<DeviceReply>;
  /** What `wait` was given for a command still waiting. */
  get(jti: string): T | undefined;
  settle(jti: string, reply: DeviceReply): void;
  /** The command never went out (its publish failed): forgotten, no reply. */
  cancel(jti: string): void;
  /** Every waiting command gives up with no_ack (the channel stops). */
  abandonAll(): void;
}

export function createPendingAcks<T>(): PendingAcks<T> {
  const pending = new Map<string, { info: T; started: number; timer: NodeJS.Timeout; resolve(reply: DeviceReply): void }>();
  const settle = (jti: string, reply: DeviceReply) => {
    const p = pending.get(jti);
    if (!p) return;
    pending.delete(jti);
    clearTimeout(p.timer);
    p.resolve(reply);
  };
  return {
    wait: (jti, info, timeoutMs) =>
      new Promise<DeviceReply>((resolve) => {
        const started = Date.now();
        const timer = setTimeout(() => settle(jti, { status: 'no_ack', waitedMs: Date.now() - started }), timeoutMs);
        timer.unref?.();
        pending.set(jti, { info, started, timer, resolve });
      }),
    get: (jti) => pending.get(jti)?.info,
    settle,
    cancel(jti) {
      const p = pending.get(jti);
      if (p) clearTimeout(p.timer);
      pending.delete(jti);
    },
    abandonAll() {
      for (const [jti, p] of [...pending]) settle(jti, { status: 'no_ack', waitedMs: Date.now() - p.started });
    },
  };
}

/**
 * An acknowledgement (the verifier's CommandAck JSON) as the reply: anything but an explicit acceptance
 * is a refusal (fail closed), its code and reason cut to size; `noReason` when the device gave none.
 */
export function replyOf(ack: Record<string, unknown>, noReason: string): DeviceReply {
  if (ack.status === 'accepted') return { status: 'accepted' };
  return {
    status: 'refused',
    code: typeof ack.code === 'string' ? ack.code.slice(0, 64) : 'refused',
    reason: typeof ack.reason === 'string' && ack.reason ? ack.reason.slice(0, 500) : noReason,
  };
}
