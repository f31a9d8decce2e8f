// Types of the immune system, from zod schemas so one definition validates input and types the code.
// Vocabulary follows seed 001: vitals → baseline → sentinel (anomalies, severity 0–10) → diagnosis →
// quarantine → (approval) → healing ladder → immune memory.
import { z } from 'zod';

const count = z.number().int().min(0).max(1e9);
const nonNeg = z.number().finite().min(0);
const AgentIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@/-]+$/, 'agent_id: letters, digits and ._:@/- only');
const TsSchema = z.number().int().positive().optional();

/** One agent run or governed call, as reported by the MCP gateway, the SDK or the simulated fleet. */
export const VitalsSchema = z
  .object({
    agent_id: AgentIdSchema,
    /** Epoch ms; the service stamps its clock when absent. */
    ts: TsSchema,
    latency_ms: nonNeg.max(86_400_000),
    input_tokens: count,
    output_tokens: count,
    /** Defaults to input + output. */
    total_tokens: count.optional(),
    cost_usd: nonNeg.max(1e6).default(0),
    tool_calls: count.default(0),
    retries: count.default(0),
    /** Hash of the system prompt in force; absent for callers that cannot know it (MCP clients). */
    prompt_hash: z.string().min(1).max(128).nullable().optional(),
    errors: count.default(0),
    model: z.string().max(128).default('unknown'),
    mcp_servers: z.array(z.string().min(1).max(128)).max(64).default([]),
    /** Names of tools called in this run, when known (used to pick tools to revoke). */
    tools: z.array(z.string().min(1).max(128)).max(256).optional(),
  })
  .strict();
export type VitalsInput = z.input<typeof VitalsSchema>;
/** Normalised vitals: ts and total_tokens always set. */
export type Vitals = Omit<z.infer<typeof VitalsSchema>, 'ts' | 'total_tokens'> & { ts: number; total_tokens: number };

/** One governed call's outcome, reported as it happens (the abuse signal; see abuse.ts). */
export const CallOutcomeSchema = z
  .object({
    agent_id: AgentIdSchema,
    /** Epoch ms; the service stamps its clock when absent. */
    ts: TsSchema,
    outcome: z.enum(['served', 'blocked', 'invalid', 'rate_limited']),
    tool: z.string().min(1).max(128).optional(),
  })
  .strict();
export type CallOutcomeInput = z.input<typeof CallOutcomeSchema>;

export function normaliseVitals(v: z.infer<typeof VitalsSchema>, now: number): Vitals {
  return { ...v, ts: v.ts ?? now, total_tokens: v.total_tokens ?? v.input_tokens + v.output_tokens };
}

export * from '../../../shared/immune';
