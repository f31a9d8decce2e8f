// pino, injected: components take a child logger with their name. In stdio MCP mode the
// destination is stderr so stdout carries only protocol messages.
//
// Every line is masked before it is written (observability/mask.ts): messages, errors and their
// stacks quote agent input, and no path list could name them all. Members named like secrets
// (authorization, token, password, ...) are also redacted by pino itself.
import pino from 'pino';
import { defaultMasker } from './mask';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  destination?: 'stdout' | 'stderr';
  /** Custom stream (tests capture logs this way). */
  stream?: pino.DestinationStream;
  /** Masks one serialised log line (default: the default patterns). */
  mask?: (line: string) => string;
}

const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  '*.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
];

/** A destination that masks each line on its way to `dest` (its flush methods forwarded, bound to it). */
function maskingStream(dest: pino.DestinationStream, mask: (line: string) => string): pino.DestinationStream {
  const d = dest as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { write: (line: string) => dest.write(mask(line)) };
  for (const m of ['flush', 'flushSync', 'end']) if (typeof d[m] === 'function') out[m] = (d[m] as (...a: unknown[]) => unknown).bind(dest);
  return out as unknown as pino.DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? pino.destination({ fd: opts.destination === 'stderr' ? 2 : 1, sync: false });
  return pino(
    { level: opts.level ?? 'info', base: { app: 'aegisflow' }, redact: { paths: REDACT_PATHS, censor: '[masked]' } },
    maskingStream(stream, opts.mask ?? defaultMasker.text),
  );
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
