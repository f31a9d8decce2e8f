// The 'immune' config section. Every knob has an offline default; OTLP export stays off until an
// endpoint is set, and the ingest token is generated into the data dir when none is configured.
import { z } from 'zod';

export const ImmuneConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** Samples before an agent's baseline is trusted (seed 001: ~20). */
  baselineMinSamples: z.number().int().min(2).max(10_000).default(20),
  /** Infections at or above this severity wait for an operator's approval before healing (above 10: never). */
  severityThreshold: z.number().min(0).max(11).default(7),
  /** A healing approval nobody decides within this many seconds expires (timeout denies: the agent stays quarantined). */
  approvalTimeoutS: z.number().int().positive().max(86_400).default(600),
  sentinel: z
    .object({
      zThreshold: z.number().positive().default(4),
      minRatio: z.number().min(1).default(2),
      confirmHits: z.number().int().min(1).default(2),
      window: z.number().int().min(1).max(20).default(3),
      extremeZ: z.number().positive().default(8),
      extremeRatio: z.number().min(1).default(3),
      errorRateThreshold: z.number().min(0).max(1).default(0.6),
      errorRateWindow: z.number().int().min(2).max(100).default(10),
      promptChangeSeverity: z.number().min(0).max(10).default(3),
    })
    .prefault({}),
  /**
   * Abuse: calls refused on an agent's behalf (BLOCKed, invalid, rate-limited), judged against absolute
   * bounds no baseline can loosen (see abuse.ts). Defaults: flagged when refusals are more likely than
   * 1 in a million under "at most half the calls refused and 6 refusals a minute", over a minute and an hour.
   */
  abuse: z
    .object({
      enabled: z.boolean().default(true),
      halfLivesS: z
        .array(
          z
            .number()
            .positive()
            .max(7 * 86_400),
        )
        .min(1)
        .max(4)
        .default([60, 3600]),
      maxRefusedShare: z.number().gt(0).lt(1).default(0.5),
      maxRefusedPerMinute: z.number().positive().default(6),
      alpha: z.number().gt(0).lt(0.01).default(1e-6),
    })
    .prefault({}),
  healing: z
    .object({
      /** Fresh samples an agent must produce, clean, after an action before it counts as healed. */
      verifySamples: z.number().int().min(1).max(100).default(3),
      /** No samples within this time: released on probation, outcome not learned. */
      verifyTimeoutMs: z.number().int().positive().default(60_000),
      /** Pause before each rung so "healing in progress" is visible (seed: HEALING_STEP_DELAY). */
      stepDelayMs: z.number().int().min(0).default(500),
      /** How long an SDK agent has to acknowledge a control command. */
      ackTimeoutMs: z.number().int().positive().default(15_000),
    })
    .prefault({}),
  fleetLearning: z
    .object({
      minAttempts: z.number().int().min(1).default(3),
      minAgents: z.number().int().min(1).default(2),
      avoidBelow: z.number().min(0).max(1).default(0.1),
      preferAbove: z.number().min(0).max(1).default(0.8),
    })
    .prefault({}),
  fleet: z
    .object({
      /** The simulated fleet of seed 001 (10–15 agents). */
      enabled: z.boolean().default(true),
      size: z.number().int().min(0).max(2000).default(12),
      tickMs: z.number().int().min(10).default(1000),
      seed: z.number().int().default(7),
    })
    .prefault({}),
  vitals: z
    .object({
      /** Batch vitals, baselines and counters to SQLite this often. */
      flushMs: z.number().int().min(10).default(1000),
      retentionHours: z.number().min(0).default(24),
      /** Upper bound on stored vitals rows (newest kept). */
      maxRows: z.number().int().min(1000).default(500_000),
      /** Samples kept in memory per agent for the sentinel. */
      recent: z.number().int().min(3).max(200).default(12),
    })
    .prefault({}),
  ingest: z
    .object({
      /** Bearer token for POST /api/v1/ingest; default: generated into <dataDir>/immune-ingest.token. */
      token: z.string().min(16).optional(),
      maxBatch: z.number().int().min(1).max(100_000).default(1000),
    })
    .prefault({}),
  otlp: z
    .object({
      /** OTLP/HTTP endpoint (e.g. http://127.0.0.1:4318); export is off when unset. */
      endpoint: z.string().url().optional(),
      intervalMs: z.number().int().min(1000).default(10_000),
      serviceName: z.string().default('aegisflow-immune'),
    })
    .prefault({}),
});

export type ImmuneConfig = z.infer<typeof ImmuneConfigSchema>;
