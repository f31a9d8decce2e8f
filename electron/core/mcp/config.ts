// The 'mcp' config section: the governed MCP server's HTTP endpoint and how calls wait for operators.
import { z } from 'zod';

export const McpConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** Path of the Streamable HTTP endpoint on the core's HTTP server (127.0.0.1:8787 by default). */
  path: z.string().regex(/^\/[A-Za-z0-9/_-]*$/).default('/mcp'),
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
  maxBodyBytes: z.number().int().positive().max(16 * 1024 * 1024).default(256 * 1024),
  /** Sessions idle this long are closed (the client re-initialises transparently). */
  sessionIdleMs: z.number().int().positive().default(30 * 60_000),
  /** At most this many open sessions; beyond it the least recently used is closed. */
  maxSessions: z.number().int().min(1).max(100_000).default(256),
  review: z
    .object({
      /**
       * A client that sent no progressToken cannot keep its request alive (the SDK's default request
       * timeout is 60 s), so after this long the call returns "pending" with the approval id to poll.
       */
      waitWithoutProgressMs: z.number().int().min(0).max(600_000).default(45_000),
      /** With a progressToken the call waits up to this long (the approval's own timeout usually ends it first). */
      maxWaitMs: z.number().int().min(0).max(3_600_000).default(600_000),
    })
    .prefault({}),
  /** Immune vitals are recorded per agent run: a burst of calls ended by this much silence (ms)... */
  vitals: z
    .object({
      runIdleMs: z.number().int().min(100).max(3_600_000).default(5000),
      /** ...or cut after this long, so a never-idle (looping) agent still reports. */
      maxRunMs: z.number().int().min(1000).max(3_600_000).default(60_000),
    })
    .prefault({}),
  /** Tool results above this many characters of text are cut (models have small windows). */
  maxResultChars: z.number().int().min(1000).max(1_000_000).default(60_000),
});
export type McpConfig = z.infer<typeof McpConfigSchema>;
