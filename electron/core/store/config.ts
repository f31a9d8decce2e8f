import { z } from 'zod';

/** The store's config section. */
export const StoreConfigSchema = z.object({
  /** Database file; default <dataDir>/aegisflow.db. */
  file: z.string().optional(),
  /** Readings older than this are deleted (0 keeps everything). */
  retentionDays: z.number().min(0).default(30),
  /** Run WAL checkpoints on a worker thread (every this many ms) instead of inside a main-thread commit; 0 leaves them to SQLite. */
  checkpointWorkerMs: z.number().int().min(0).default(250),
});
export type StoreConfig = z.infer<typeof StoreConfigSchema>;
