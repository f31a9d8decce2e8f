// The 'http' config section.
import { z } from 'zod';

/** The HTTP server's config section. */
export const HttpConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8787),
    /**
     * Host names (beyond localhost, 127.0.0.1 and [::1]) that clients may use to reach this server,
     * e.g. a wall display's name for the workstation. Every request and upgrade is checked against
     * this exact list (DNS rebinding); "name" allows the server's port, "name:port" exactly that.
     */
    allowedHosts: z.array(z.string().min(1).max(253)).default([]),
    /** Built renderer to serve (default <repo>/out/renderer). */
    staticDir: z.string().optional(),
    /** Largest accepted request body. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    /**
     * Every request is answered within this: a client that sends its headers or body too slowly (or
     * stops halfway) gets 408 and its connection is closed, instead of holding a socket for Node's 5 minutes.
     */
    requestTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
  })
  .strict();
export type HttpConfig = z.infer<typeof HttpConfigSchema>;
