// The 'agent' config section: the built-in operator agent. Offline by default: the rule planner,
// no model endpoint contacted unless the LLM planner is chosen or enabled.
import { z } from 'zod';
import { SEVERITIES } from '../../../shared/anomalies';

/** USD per million tokens, per model name. */
export const PriceSchema = z.object({
  inputPer1M: z.number().min(0),
  outputPer1M: z.number().min(0),
});
export type Price = z.infer<typeof PriceSchema>;

export const AgentConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** The agent's identity in the governance registry (created on first start). */
  id: z.string().min(1).max(64).default('operator-agent'),
  name: z.string().min(1).max(200).default('AegisFlow operator agent'),
  planner: z.enum(['rule', 'llm']).default('rule'),
  /** Start a run when the detector opens an anomaly episode. Off: runs start from the UI, CLI or demo. */
  onAnomaly: z.boolean().default(false),
  /** ...only for episodes at or above this severity. */
  minSeverity: z.enum(SEVERITIES).default('medium'),
  /** One run per device at a time, and not again for the same device within this many seconds. */
  cooldownS: z.number().min(0).default(300),
  /** A run stops after this many tool calls (a loop guard for models). */
  maxSteps: z.number().int().min(1).max(200).default(24),
  /** Each MCP call's timeout; a call that waits for an operator may take up to the approval timeout. */
  callTimeoutMs: z.number().int().positive().default(180_000),
  /** Verifying a command's effect: poll the device's readings this often, this many times. */
  verify: z
    .object({
      intervalMs: z.number().int().min(0).default(2000),
      attempts: z.number().int().min(1).max(100).default(10),
    })
    .prefault({}),
  llm: z
    .object({
      /** Allow LLM runs on request even when the default planner is 'rule'. */
      enabled: z.boolean().default(false),
      /** Any OpenAI-compatible endpoint with tool calling; Ollama's by default. */
      baseUrl: z.string().url().default('http://127.0.0.1:11434/v1'),
      model: z.string().min(1).default('llama3.2'),
      apiKey: z.string().optional(),
      temperature: z.number().min(0).max(2).default(0),
      maxTokens: z.number().int().positive().default(1024),
      timeoutMs: z.number().int().positive().default(120_000),
      /** Price table for cost figures; models not listed cost 0 (local models). */
      prices: z.record(z.string(), PriceSchema).default({}),
      /** Provider label on the chat spans (gen_ai.provider.name). */
      provider: z.string().default('ollama'),
    })
    .prefault({}),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;
