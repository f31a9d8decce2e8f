// AegisFlow immune SDK: a small reporter for external agents written in TypeScript/JavaScript.
// It registers the agent on first use, reports one vitals record per run to POST /api/v1/ingest,
// and runs the control channel: healing commands (reset memory, rollback prompt, …) arrive in the
// answers, the agent's handlers run them, and the results go back as acknowledgements.
// No dependencies beyond fetch (Node ≥ 18, browsers, Deno, Bun). Self-contained on purpose: it
// imports only types from the app.
import type { ControlCommand, HealingAction } from '../../shared/immune';

export type { ControlCommand, HealingAction };

/** What one agent run reports. ts, total_tokens and labels are filled in when omitted. */
export interface RunVitals {
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens?: number;
  cost_usd?: number;
  tool_calls?: number;
  retries?: number;
  errors?: number;
  prompt_hash?: string | null;
  model?: string;
  mcp_servers?: string[];
  tools?: string[];
  ts?: number;
}

export type CommandHandler = (
  cmd: ControlCommand,
) => void | boolean | { ok: boolean; detail?: string } | Promise<void | boolean | { ok: boolean; detail?: string }>;

export interface ImmuneReporterOptions {
  /** e.g. http://127.0.0.1:8787 */
  baseUrl: string;
  /** The ingest token (Settings → Immune) or the agent's own governance token. */
  token: string;
  agentId: string;
  model?: string;
  mcpServers?: string[];
  /** Current prompt hash, or a function returning it (use promptHash() below). */
  promptHash?: string | (() => string | null);
  /** Healing actions this agent can perform. Unhandled actions are acknowledged as failed. */
  handlers?: Partial<Record<HealingAction, CommandHandler>>;
  /** How often to poll for commands while started (ms). */
  pollIntervalMs?: number;
  path?: string;
  fetch?: typeof fetch;
  /** Called when the immune system quarantines or releases this agent. */
  onQuarantine?: (quarantined: boolean, state: string) => void;
}

export interface ReportAnswer {
  accepted: number;
  rejected: Array<{ index: number; agent_id: string | null; reasons: string[] }>;
  state: string | null;
  quarantined: boolean;
  commands: ControlCommand[];
}

export class ImmuneSdkError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImmuneSdkError';
  }
}

/** SHA-256 (hex, first 16 chars) of a prompt text, for prompt_hash. */
export async function promptHash(text: string): Promise<string> {
  const data = new TextEncoder().encode(text);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, 16);
}

export class ImmuneReporter {
  private readonly url: string;
  private readonly fetchFn: typeof fetch;
  private acks: Array<{ agent_id: string; id: string; ok: boolean; detail: string }> = [];
  private registered = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight: Promise<unknown> = Promise.resolve();
  private handling = new Set<string>();
  /** True while the immune system holds this agent in quarantine: the agent should not act. */
  quarantined = false;
  state: string | null = null;

  constructor(private readonly opts: ImmuneReporterOptions) {
    this.url = opts.baseUrl.replace(/\/+$/, '') + (opts.path ?? '/api/v1/ingest');
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Registers the agent (idempotent; report() does it on first use). */
  async register(): Promise<ReportAnswer> {
    const answer = await this.send({ agents: [{ agent_id: this.opts.agentId, model: this.opts.model, mcp_servers: this.opts.mcpServers }] });
    this.registered = true;
    return answer;
  }

  /** Report one run. Answers with the agent's state and any healing commands (already being handled). */
  async report(v: RunVitals): Promise<ReportAnswer> {
    const ph = typeof this.opts.promptHash === 'function' ? this.opts.promptHash() : this.opts.promptHash;
    const record = {
      agent_id: this.opts.agentId,
      model: this.opts.model,
      mcp_servers: this.opts.mcpServers,
      ...(ph !== undefined ? { prompt_hash: ph } : {}),
      ...v,
    };
    const body: Record<string, unknown> = { records: [record] };
    if (!this.registered) body.agents = [{ agent_id: this.opts.agentId, model: this.opts.model, mcp_servers: this.opts.mcpServers }];
    const answer = await this.send(body);
    this.registered = true;
    return answer;
  }

  /** Time a run and report it: the callback returns its token counts and tool use. */
  async track<T>(run: () => Promise<{ result: T; vitals: Omit<RunVitals, 'latency_ms'> }>): Promise<T> {
    const t0 = Date.now();
    try {
      const { result, vitals } = await run();
      await this.report({ ...vitals, latency_ms: Date.now() - t0 });
      return result;
    } catch (err) {
      await this.report({ latency_ms: Date.now() - t0, input_tokens: 0, output_tokens: 0, errors: 1 }).catch(() => undefined);
      throw err;
    }
  }

  /** Ask for commands without reporting (what a quarantined agent does). */
  poll(): Promise<ReportAnswer> {
    return this.send({ poll: [this.opts.agentId] });
  }

  /** Start polling for commands every pollIntervalMs. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll().catch(() => undefined), this.opts.pollIntervalMs ?? 2000);
    (this.timer as { unref?: () => void }).unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight.catch(() => undefined);
    if (this.acks.length) await this.poll().catch(() => undefined);
  }

  private async send(body: Record<string, unknown>): Promise<ReportAnswer> {
    const acks = this.acks;
    this.acks = [];
    const payload = { control: true, ...body, acks };
    const p = (async () => {
      const res = await this.fetchFn(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
        body: JSON.stringify(payload),
      });
      const json = (await res.json().catch(() => null)) as {
        error?: { message: string };
        accepted?: number;
        rejected?: ReportAnswer['rejected'];
        agents?: Record<string, { state: string; quarantined: boolean; commands: ControlCommand[] }>;
      } | null;
      if (!res.ok && res.status !== 422) {
        this.acks.push(...acks); // not delivered: try again next time
        throw new ImmuneSdkError(res.status, json?.error?.message ?? `ingest answered ${res.status}`);
      }
      const mine = json?.agents?.[this.opts.agentId];
      const answer: ReportAnswer = {
        accepted: json?.accepted ?? 0,
        rejected: json?.rejected ?? [],
        state: mine?.state ?? null,
        quarantined: mine?.quarantined ?? false,
        commands: mine?.commands ?? [],
      };
      if (mine) {
        if (mine.quarantined !== this.quarantined) this.opts.onQuarantine?.(mine.quarantined, mine.state);
        this.quarantined = mine.quarantined;
        this.state = mine.state;
      }
      for (const cmd of answer.commands) void this.handle(cmd);
      return answer;
    })();
    this.inFlight = p.catch(() => undefined);
    return p;
  }

  private async handle(cmd: ControlCommand): Promise<void> {
    if (this.handling.has(cmd.id)) return;
    this.handling.add(cmd.id);
    const h = this.opts.handlers?.[cmd.action];
    let ack: { ok: boolean; detail: string };
    if (!h) ack = { ok: false, detail: `agent has no handler for ${cmd.action}` };
    else {
      try {
        const r = await h(cmd);
        ack =
          r === undefined || r === true
            ? { ok: true, detail: `${cmd.action} done` }
            : r === false
              ? { ok: false, detail: `${cmd.action} refused by agent` }
              : { ok: r.ok, detail: r.detail ?? '' };
      } catch (err) {
        ack = { ok: false, detail: `${cmd.action} threw: ${(err as Error).message}` };
      }
    }
    this.acks.push({ agent_id: this.opts.agentId, id: cmd.id, ...ack });
    this.handling.delete(cmd.id);
    // Deliver the acknowledgement at once: healing waits for it.
    await this.poll().catch(() => undefined);
  }
}
