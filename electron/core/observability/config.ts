// The 'observability' config section: local traces (always on) and the optional OTLP/HTTP export.
import { z } from 'zod';

export const ObservabilityConfigSchema = z.object({
  traces: z
    .object({
      /** Traces older than this are deleted at start (0 keeps everything). */
      retentionDays: z.number().min(0).default(30),
    })
    .prefault({}),
  otlp: z
    .object({
      /** Collector base URL, e.g. http://127.0.0.1:4318 (OTLP/HTTP, JSON). Unset: no export. */
      endpoint: z.string().url().optional(),
      /** Extra headers (e.g. an API key for a hosted collector). */
      headers: z.record(z.string(), z.string()).default({}),
      timeoutMs: z.number().int().positive().max(120_000).default(5000),
      serviceName: z.string().min(1).default('aegisflow'),
      /** Also export gen_ai.client.token.usage / operation.duration to /v1/metrics. */
      metrics: z.boolean().default(true),
    })
    .prefault({}),
});
export type ObservabilityConfig = z.infer<typeof ObservabilityConfigSchema>;

/** The 'log' config section. */
export const LogConfigSchema = z.object({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 'stderr' keeps stdout clean (stdio MCP mode). */
  destination: z.enum(['stdout', 'stderr']).default('stdout'),
});
