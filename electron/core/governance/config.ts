// The governance section of the config (config.ts assembles every subsystem's section) and the
// gateway's options derived from it. Governance takes this section, and only the few app-wide values it
// needs (where data and resources live, the masking section), never the whole Config.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { maskOptionsFromConfig, type MaskingConfig, type MaskOptions } from '../observability';

export const GovernanceConfigSchema = z.object({
  /** Policy YAML; default <resourcesDir>/policies/default.yaml. */
  policyFile: z.string().optional(),
  /** Reload the policy when the file changes (a bad edit is refused, the old policy stays). */
  watchPolicy: z.boolean().default(true),
  reloadDebounceMs: z.number().int().min(0).max(60_000).default(250),
  /** Lifetime of an intent token (seconds). */
  tokenTtlS: z.number().int().positive().max(3600).default(60),
  /**
   * An approved call must be collected (its intent token issued) within this many seconds of the
   * operator's decision, or within the rule's own timeout_s when that is shorter; otherwise the
   * approval lapses (expired, audited). Restarts, pauses and quarantines void approvals too.
   */
  collectWindowS: z.number().int().positive().max(86_400).default(120),
  /** How long the executor waits for a device's acknowledgement of a command before auditing NO_ACK (ms). */
  ackTimeoutMs: z.number().int().positive().max(600_000).default(5000),
  /** How often pending approvals are checked against their deadline (ms). */
  sweepIntervalMs: z.number().int().positive().default(1000),
  /** How often a waiting agent gets a progress callback (ms); MCP turns these into progress notifications. */
  progressIntervalMs: z.number().int().positive().default(5000),
  /** Arguments left out of promoted rules (free text that would never match again). */
  promoteIgnoreArgs: z.array(z.string()).default(['justification', 'reason', 'notes', 'comment']),
  audit: z
    .object({
      /** Sign the chain head every this many rows (0: only on shutdown and export). */
      signEvery: z.number().int().min(0).default(1000),
      /** Also sign it when rows have waited this long unsigned (0: off): after a crash, at most this much of the chain's end is unprovable. */
      signIntervalMs: z.number().int().min(0).default(60_000),
      /** Older, audit-only name: regexes added to masking.patterns (prefer the masking section). */
      maskPatterns: z.array(z.string()).optional(),
      /** Older, audit-only name: replaces masking.keys (prefer the masking section). */
      maskKeys: z.string().optional(),
    })
    .prefault({}),
});
export type GovernanceConfig = z.infer<typeof GovernanceConfigSchema>;

export interface GovernanceOptions {
  dataDir: string;
  policyFile: string;
  /** Promoted rules go here when policyFile is the bundled default (see PolicyStore.appendRule). */
  policyCopy?: string;
  watchPolicy: boolean;
  reloadDebounceMs: number;
  tokenTtlS: number;
  /** An approved call must be collected within this many seconds of its decision (or the rule's timeout, when shorter). */
  collectWindowS?: number;
  sweepIntervalMs: number;
  progressIntervalMs: number;
  promoteIgnoreArgs: string[];
  audit: { signEvery: number; signIntervalMs?: number; maskPatterns?: string[]; maskKeys?: string };
  /** Secret masking (config `masking`); absent: the defaults plus audit.maskPatterns / maskKeys. */
  masking?: MaskOptions;
}

/** Where the app keeps its data and resources, and its masking section: the app-wide values governance needs. */
export interface GovernancePlace {
  dataDir: string;
  resourcesDir: string;
  masking?: MaskingConfig;
}

export function governanceOptions(g: GovernanceConfig, place: GovernancePlace): GovernanceOptions {
  return {
    dataDir: place.dataDir,
    // An explicit file wins; else the data dir's copy (made by the first promote); else the bundled default.
    policyFile: g.policyFile
      ? path.resolve(g.policyFile)
      : fs.existsSync(path.join(place.dataDir, 'policy.yaml'))
        ? path.join(place.dataDir, 'policy.yaml')
        : path.join(place.resourcesDir, 'policies', 'default.yaml'),
    policyCopy: g.policyFile ? undefined : path.join(place.dataDir, 'policy.yaml'),
    watchPolicy: g.watchPolicy,
    reloadDebounceMs: g.reloadDebounceMs,
    tokenTtlS: g.tokenTtlS,
    collectWindowS: g.collectWindowS,
    sweepIntervalMs: g.sweepIntervalMs,
    progressIntervalMs: g.progressIntervalMs,
    promoteIgnoreArgs: g.promoteIgnoreArgs,
    audit: g.audit,
    masking: place.masking ? maskOptionsFromConfig(place.masking, g.audit) : undefined,
  };
}
