// The 'mcp' config section: the governed MCP server's HTTP endpoint, how calls wait for operators, and
// the fairness limits between agents (sessions per agent, batch size, rate limits). Unknown keys are
// errors, so a misspelt limit is not silently ignored.
import { z } from 'zod';

/** The tools a per-tool rate limit can name (a test checks this list against the registered tools). */
export const RATE_LIMITED_TOOLS = [
  'get_sensor_stream',
  'get_device_status',
  'list_devices',
  'get_active_anomalies',
  'get_anomaly_history',
  'acknowledge_anomaly',
  'execute_device_command',
  'get_approval_status',
  'propose_plan',
  'query_device_manual',
  'log_incident_report',
  'get_incident_reports',
] as const;

/** A token bucket: `burst` calls at once, refilled at `perSecond` calls per second. */
export const RateBucketSchema = z.strictObject({
  perSecond: z.number().positive().max(1_000_000),
  burst: z.number().int().min(1).max(1_000_000),
});
export type RateBucket = z.infer<typeof RateBucketSchema>;

const toolBuckets = Object.fromEntries(RATE_LIMITED_TOOLS.map((t) => [t, RateBucketSchema.optional()])) as Record<
  (typeof RATE_LIMITED_TOOLS)[number],
  z.ZodOptional<typeof RateBucketSchema>
>;

export const RateLimitsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Every tools/call of one agent, whatever the tool. */
  perAgent: RateBucketSchema.default({ perSecond: 20, burst: 60 }),
  /** Calls of one agent to one tool, for tools without their own entry in `tools`. */
  perTool: RateBucketSchema.default({ perSecond: 10, burst: 30 }),
  /** Per-tool buckets (still per agent) that replace `perTool`; the heavy reads get smaller ones. */
  tools: z.strictObject(toolBuckets).default({
    get_sensor_stream: { perSecond: 2, burst: 10 },
    get_anomaly_history: { perSecond: 2, burst: 10 },
    get_incident_reports: { perSecond: 2, burst: 10 },
  }),
});
export type RateLimits = z.infer<typeof RateLimitsSchema>;

/** A body size limit in bytes (at most 16 MiB). */
const byteLimit = (dflt: number) =>
  z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024)
    .default(dflt);

export const McpConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Path of the Streamable HTTP endpoint on the core's HTTP server (127.0.0.1:8787 by default). */
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9/_-]*$/)
    .default('/mcp'),
  /**
   * Browser origins allowed besides the server itself and loopback pages (MCP Inspector runs on
   * http://localhost:6274). Requests without an Origin header (CLI and SDK clients) are allowed;
   * any other origin gets 403, which stops DNS-rebinding attacks from web pages.
   */
  allowedOrigins: z.array(z.string().url()).default([]),
  /**
   * Host names accepted in the Host header besides loopback ones while the server is bound to
   * loopback. A page that rebinds its own DNS name to 127.0.0.1 sends its own name as Host (and as
   * Origin, which then looks same-origin), so this check is what stops DNS rebinding.
   */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /** Accept loopback origins (http://localhost:*, http://127.0.0.1:*). */
  allowLoopbackOrigins: z.boolean().default(true),
  /** Largest JSON-RPC request body on /mcp (bytes); tool arguments are small. */
  maxBodyBytes: byteLimit(256 * 1024),
  /** Largest tool arguments (bytes of JSON) /api/v1/governance/check accepts; larger ones get 413 before the gateway sees them. */
  maxCheckArgsBytes: byteLimit(64 * 1024),
  /** Sessions idle this long are closed (the client re-initialises transparently). */
  sessionIdleMs: z
    .number()
    .int()
    .positive()
    .default(30 * 60_000),
  /**
   * At most this many open sessions in all. A new session beyond it closes the same agent's oldest
   * idle session, or is refused (503): another agent's session is never closed to make room.
   */
  maxSessions: z.number().int().min(1).max(100_000).default(256),
  /** At most this many open sessions per agent (an SDK client holds one; bench:mcp opens 20). */
  maxSessionsPerAgent: z.number().int().min(1).max(100_000).default(32),
  /**
   * A new session beyond the agent's own cap: 'evict-idle' closes that agent's least recently used
   * session that has no call in flight (a client that lost its session id starts over), or refuses
   * with 429 when all are busy; 'refuse' always answers 429.
   */
  sessionOverflow: z.enum(['evict-idle', 'refuse']).default('evict-idle'),
  /** Most messages in one JSON-RPC batch (batches exist only before protocol 2025-06-18). */
  maxBatch: z.number().int().min(1).max(1000).default(100),
  /** Token-bucket rate limits on tools/call, per agent and per agent and tool, on the core's clock. */
  rateLimits: RateLimitsSchema.prefault({}),
  review: z
    .strictObject({
      /**
       * A client that sent no progressToken cannot keep its request alive (the SDK's default request
       * timeout is 60 s), so after this long the call returns "pending" with the approval id to poll.
       */
      waitWithoutProgressMs: z.number().int().min(0).max(600_000).default(45_000),
      /** With a progressToken the call waits up to this long (the approval's own timeout usually ends it first). */
      maxWaitMs: z.number().int().min(0).max(3_600_000).default(600_000),
      /** A progress notification this often while a call waits for an operator. */
      progressIntervalMs: z.number().int().min(10).max(60_000).default(5000),
      /** The same call again replays a settled pending call's outcome for this long (after that it is a new request). */
      replayMs: z
        .number()
        .int()
        .min(0)
        .max(24 * 3_600_000)
        .default(10 * 60_000),
    })
    .prefault({}),
  /** MCP Tasks (2025-11-25 tasks, 2026-07-28 io.modelcontextprotocol/tasks): how long a task's record is kept, how often to poll. */
  tasks: z
    .strictObject({
      defaultTtlMs: z.number().int().min(1000).default(3_600_000),
      minTtlMs: z.number().int().min(1000).default(60_000),
      maxTtlMs: z
        .number()
        .int()
        .min(1000)
        .default(24 * 3_600_000),
      /** The pollInterval tasks carry (and tasks/result's own re-check while the task works). */
      pollIntervalMs: z.number().int().min(10).max(60_000).default(2000),
    })
    .prefault({}),
  /** Immune vitals are recorded per agent run: a burst of calls ended by this much silence (ms)... */
  vitals: z
    .strictObject({
      runIdleMs: z.number().int().min(100).max(3_600_000).default(5000),
      /** ...or cut after this long, so a never-idle (looping) agent still reports. */
      maxRunMs: z.number().int().min(1000).max(3_600_000).default(60_000),
    })
    .prefault({}),
  /** Tool results above this many characters of text are cut (models have small windows). */
  maxResultChars: z.number().int().min(1000).max(1_000_000).default(60_000),
});
export type McpConfig = z.infer<typeof McpConfigSchema>;
