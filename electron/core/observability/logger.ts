// pino, injected: components take a child logger with their name. In stdio MCP mode the
// destination is stderr so stdout carries only protocol messages.
import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  destination?: 'stdout' | 'stderr';
  /** Custom stream (tests capture logs this way). */
  stream?: pino.DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? pino.destination({ fd: opts.destination === 'stderr' ? 2 : 1, sync: false });
  return pino({ level: opts.level ?? 'info', base: { app: 'aegisflow' } }, stream);
}

/** Logs at most `perWindow` messages per key per window; counts what it drops and reports it. */
export function createRateLimitedLog(log: Logger, perWindow = 5, windowMs = 10_000, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number; dropped: number }>();
  return (key: string, obj: Record<string, unknown>, msg: string) => {
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= windowMs) {
      if (w && w.dropped > 0) log.warn({ key, dropped: w.dropped }, `suppressed ${w.dropped} similar messages`);
      w = { start: t, count: 0, dropped: 0 };
      windows.set(key, w);
    }
    if (w.count < perWindow) {
      w.count++;
      log.warn(obj, msg);
    } else {
      w.dropped++;
    }
  };
}
