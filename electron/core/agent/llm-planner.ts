// The LLM planner: any OpenAI-compatible chat endpoint with tool calling (Ollama, llama.cpp server,
// vLLM, LM Studio, hosted APIs). The MCP tools are offered as functions; every model call becomes a
// `chat {model}` span with the GenAI usage attributes, and its cost comes from the price table.
import { z } from 'zod';
import type { RunOutcome } from '../../../shared/agent';
import { costOf } from '../observability';
import type { Decision, Planner, PlannerContext, Turn } from './planner';
import { PlannerError } from './planner';
import type { Price } from './config';

export interface LlmPlannerOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  prices: Record<string, Price>;
  provider: string;
  fetch?: typeof fetch;
}

/** A local pseudo-tool: lets the model give the plant time to react before reading it again. */
export const WAIT_TOOL = 'wait_for_plant';

export const SYSTEM_PROMPT = `You are AegisFlow, an AI operations engineer for an industrial plant with 3 production lines (line-1..3), each with compressor-01, motor-02 and pump-03.
Work only through the tools. Procedure for an anomaly:
1. Read the device: get_device_status and get_sensor_stream (last_n 60). Check past incident reports (get_incident_reports) for the same device or failure mode.
2. Diagnose the failure mode from the readings (cross-check two physically linked sensors) and look up its SOP with query_device_manual; cite the section (e.g. "SOP 2.1").
3. Act per the SOP with execute_device_command. Every command waits for an operator's approval; emergency_shutdown and restart are BLOCKED for agents. If a call is BLOCKED, do not retry it: choose the SOP's safer command (usually reduce_load). If a command is REJECTED, do not resubmit it unchanged.
4. After a command, call ${WAIT_TOOL} and read the sensors again to verify the effect.
5. Log an incident report (log_incident_report) with root cause, actions with approval ids, outcome, lessons.
Then answer with a short summary and no tool call.`;

const ChatResponseSchema = z.object({
  id: z.string().optional(),
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable().optional(),
        message: z.object({
          role: z.string().optional(),
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(
              z.object({
                id: z.string().optional(),
                type: z.string().optional(),
                function: z.object({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional() }),
              }),
            )
            .nullable()
            .optional(),
        }),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number().int().min(0).optional(), completion_tokens: z.number().int().min(0).optional() })
    .partial()
    .optional(),
});

type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> }
  | { role: 'tool'; tool_call_id: string; content: string };

const MAX_TOOL_TEXT = 6000;

/** The run so far as chat messages (re-encoded each turn: the planner keeps no hidden state). */
export function toMessages(ctx: PlannerContext): ChatMessage[] {
  const t = ctx.task;
  const ask = [
    t.anomaly
      ? `An anomaly is open: ${t.anomaly.id} on ${t.anomaly.device_id}, likely ${t.anomaly.type_hint}, severity ${t.anomaly.severity}, sensors ${t.anomaly.sensors.join('+')}.`
      : t.deviceId
        ? `Check device ${t.deviceId}.`
        : 'Check the plant for open anomalies (get_active_anomalies).',
    t.tryCommand ? `The operator asks you to execute ${t.tryCommand} on ${t.deviceId ?? 'the device'}.` : '',
    t.reductionPct ? `If you reduce load, use reduction_pct ${t.reductionPct}.` : '',
    t.ask ?? '',
    'Diagnose it, act per the SOP, verify, and log an incident report.',
  ]
    .filter(Boolean)
    .join(' ');
  const msgs: ChatMessage[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: ask },
  ];
  for (const turn of ctx.history as Turn[]) {
    if (turn.kind === 'calls') {
      msgs.push({
        role: 'assistant',
        content: turn.thought,
        tool_calls: turn.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.tool, arguments: JSON.stringify(c.args) } })),
      });
    } else if (turn.kind === 'result') {
      const r = turn.result;
      let body = r.text;
      if (r.structured) body += `\n${JSON.stringify(r.structured)}`;
      if (body.length > MAX_TOOL_TEXT) body = `${body.slice(0, MAX_TOOL_TEXT)} …(cut)`;
      msgs.push({ role: 'tool', tool_call_id: turn.call.id, content: `${r.isError ? 'ERROR: ' : ''}${body}` });
    }
  }
  return msgs;
}

/** What a run came to, from its tool results: used when the model just stops talking. */
export function outcomeFromHistory(history: readonly Turn[]): RunOutcome {
  let executed = false;
  let rejected = false;
  let blocked = false;
  for (const t of history) {
    if (t.kind !== 'result' || !['execute_device_command', 'acknowledge_anomaly'].includes(t.call.tool)) continue;
    if (!t.result.isError) executed = true;
    else if (['rejected', 'expired', 'cancelled'].includes(t.result.status ?? '')) rejected = true;
    else if (t.result.decision === 'BLOCK') blocked = true;
  }
  return executed ? 'resolved' : rejected ? 'rejected' : blocked ? 'refused' : 'no_action';
}

export class LlmPlanner implements Planner {
  readonly name = 'llm' as const;
  readonly model: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly o: LlmPlannerOptions) {
    this.model = o.model;
    this.doFetch = o.fetch ?? fetch;
  }

  async next(ctx: PlannerContext): Promise<Decision> {
    const tools = [
      ...ctx.tools.map((t) => ({
        type: 'function' as const,
        function: { name: t.name, description: t.description.slice(0, 1024), parameters: plainSchema(t.inputSchema) },
      })),
      {
        type: 'function' as const,
        function: {
          name: WAIT_TOOL,
          description: 'Wait this many seconds (1-60) so the plant can react to a command, then read the sensors again.',
          parameters: { type: 'object', properties: { seconds: { type: 'number', minimum: 1, maximum: 60 } }, required: ['seconds'] },
        },
      },
    ];
    const messages = toMessages(ctx);
    const span = ctx.trace.startSpan(`chat ${this.o.model}`, {
      kind: 'client',
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': this.o.provider,
        'gen_ai.request.model': this.o.model,
        'gen_ai.request.temperature': this.o.temperature,
        'gen_ai.request.max_tokens': this.o.maxTokens,
        'server.address': safeHost(this.o.baseUrl),
        'aegisflow.messages': messages.length,
      },
    });
    let body: z.infer<typeof ChatResponseSchema>;
    try {
      const res = await this.doFetch(`${this.o.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}) },
        body: JSON.stringify({
          model: this.o.model,
          messages,
          tools,
          tool_choice: 'auto',
          temperature: this.o.temperature,
          max_tokens: this.o.maxTokens,
          stream: false,
        }),
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(this.o.timeoutMs)]),
      });
      const text = await res.text();
      if (!res.ok) throw new PlannerError('llm_http', `model endpoint answered HTTP ${res.status}: ${text.slice(0, 300)}`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new PlannerError('llm_bad_reply', `model endpoint sent no JSON: ${text.slice(0, 200)}`);
      }
      const parsed = ChatResponseSchema.safeParse(json);
      if (!parsed.success)
        throw new PlannerError(
          'llm_bad_reply',
          `model reply is not a chat completion: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
        );
      body = parsed.data;
    } catch (err) {
      const e =
        err instanceof PlannerError ? err : new PlannerError('llm_unreachable', `model endpoint ${this.o.baseUrl} unreachable: ${(err as Error).message}`);
      span.setAttributes({ 'error.type': e.code });
      span.end('error', e.message);
      throw e;
    }
    const input = body.usage?.prompt_tokens ?? 0;
    const output = body.usage?.completion_tokens ?? 0;
    const cost = costOf(this.o.prices, this.o.model, input, output);
    const choice = body.choices[0];
    const calls = choice.message.tool_calls ?? [];
    span.setAttributes({
      'gen_ai.response.id': body.id,
      'gen_ai.response.model': body.model ?? this.o.model,
      'gen_ai.response.finish_reasons': [choice.finish_reason ?? (calls.length ? 'tool_calls' : 'stop')],
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': output,
      'aegisflow.cost_usd': cost,
      'aegisflow.tool_calls': calls.map((c) => c.function.name),
    });
    span.end('ok');
    ctx.trace.addUsage({ inputTokens: input, outputTokens: output, costUsd: cost });
    ctx.trace.update({ model: body.model ?? this.o.model });

    const thought = choice.message.content?.trim() || null;
    if (calls.length === 0) return { kind: 'finish', summary: thought ?? '(the model ended without a summary)', outcome: outcomeFromHistory(ctx.history) };
    const wait = calls.find((c) => c.function.name === WAIT_TOOL);
    if (wait && calls.length === 1) {
      const secs = Number(parseArgs(wait.function.arguments).seconds);
      return { kind: 'wait', ms: Math.min(Math.max(Number.isFinite(secs) ? secs : 5, 1), 60) * 1000, thought };
    }
    return {
      kind: 'calls',
      thought,
      calls: calls
        .filter((c) => c.function.name !== WAIT_TOOL)
        .map((c, i) => ({ id: c.id ?? `call_${ctx.history.length}_${i}`, tool: c.function.name, args: parseArgs(c.function.arguments) })),
    };
  }
}

/** Models send arguments as JSON text (sometimes as an object); anything else becomes {} and the server names the missing field. */
function parseArgs(a: string | Record<string, unknown> | undefined): Record<string, unknown> {
  if (a === undefined) return {};
  if (typeof a !== 'string') return a;
  try {
    const v = JSON.parse(a) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Some OpenAI-compatible servers (llama.cpp grammars) refuse JSON-Schema meta keys; the model needs none of them. */
function plainSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, ...rest } = schema;
  return rest;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}
