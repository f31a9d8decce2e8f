// The built-in operator agent: an MCP client of AegisFlow's own governed server, with its own
// identity and bearer token in the governance registry. Each run is one trace: the planner decides,
// the runner calls tools over MCP (every call passes the gateway), records each call and its
// governance decision as spans, and stops at once when the kill switch refuses it.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { AgentRunRequest, AgentRunResult, AgentStepView, RunOutcome } from '../../../shared/agent';
import type { Episode } from '../../../shared/anomalies';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Gateway } from '../governance';
import type { Logger, Tracer, TraceHandle } from '../observability';
import type { AgentConfig } from './config';
import { LlmPlanner } from './llm-planner';
import { connectAgentMcp, type AgentMcpClient } from './mcp-client';
import type { AgentTask, Decision, Planner, PlannerContext, ToolCallRequest, ToolResult, Turn } from './planner';
import { RulePlanner } from './rule-planner';
import { severityAtLeast } from './sop';

export interface AgentIdentity {
  agentId: string;
  name: string;
  token: string;
}

export interface OperatorAgentDeps {
  config: AgentConfig;
  /** Only what the agent needs for its own identity: it reaches the plant through /mcp like any agent. */
  governance: Pick<Gateway, 'agents' | 'addAgent' | 'rotateToken'>;
  tracer: Tracer;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  dataDir: string;
  /** URL of the governed MCP endpoint; null while the HTTP server is not listening. */
  mcpUrl: () => string | null;
  /** Look up an anomaly episode by id (detection service). */
  episode?: (id: string) => Episode | null;
  /** For the LLM planner (tests point it at a loopback fake). */
  fetch?: typeof fetch;
}

export interface RunOptions {
  trigger?: AgentTask['trigger'];
  onStep?: (s: AgentStepView) => void | Promise<void>;
  signal?: AbortSignal;
  /** Run under another identity (the demo's narrower-scope agent). */
  as?: AgentIdentity;
  /** Use this planner instead of the configured one. */
  planner?: Planner;
}

export class AgentRunError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AgentRunError';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export class OperatorAgent {
  private identityCache: AgentIdentity | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private current: { runId: string; traceId: string; deviceId: string | null } | null = null;
  private readonly lastRunAt = new Map<string, number>();
  private readonly abort = new AbortController();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: OperatorAgentDeps) {}

  get config(): AgentConfig {
    return this.deps.config;
  }

  /**
   * The agent's registry entry and bearer token. The token lives in this process's memory only (no
   * agent bearer token is stored in clear anywhere): a new process rotates it once, like the demo's
   * narrow agent. A token file an older version wrote is removed.
   */
  identity(): AgentIdentity {
    if (this.identityCache && this.deps.governance.agents.byToken(this.identityCache.token)) return this.identityCache;
    const { id, name } = this.deps.config;
    fs.rmSync(path.join(this.deps.dataDir, 'agent', `${id}.token`), { force: true });
    const g = this.deps.governance;
    let token: string;
    if (g.agents.get(id)) {
      token = g.rotateToken(id, 'operator-agent');
    } else {
      const model = this.deps.config.planner === 'llm' ? this.deps.config.llm.model : 'rule-planner';
      token = g.addAgent({ id, name, role: 'operator-agent', model }, 'operator-agent').token;
    }
    this.identityCache = { agentId: id, name, token };
    return this.identityCache;
  }

  start(): void {
    if (!this.deps.config.enabled) return;
    this.identity();
    if (this.deps.config.onAnomaly) {
      this.unsubscribe = this.deps.bus.on('anomaly.opened', (ep) => this.onAnomaly(ep));
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.abort.abort();
    await this.queue.catch(() => {});
  }

  status() {
    const c = this.deps.config;
    return {
      enabled: c.enabled,
      agentId: c.id,
      planner: c.planner,
      model: c.planner === 'llm' ? c.llm.model : null,
      onAnomaly: c.onAnomaly,
      running: this.current ? { ...this.current } : null,
      queued: this.queued,
    };
  }

  private onAnomaly(ep: Episode): void {
    const c = this.deps.config;
    if (!severityAtLeast(ep.severity, c.minSeverity)) return;
    const last = this.lastRunAt.get(ep.device_id);
    const now = this.deps.clock.now();
    if (last !== undefined && now - last < c.cooldownS * 1000) return;
    this.lastRunAt.set(ep.device_id, now);
    void this.run({ device_id: ep.device_id, episode_id: ep.id }, { trigger: 'anomaly' }).catch((err) =>
      this.deps.log.error({ err, device: ep.device_id }, 'anomaly-triggered run failed'),
    );
  }

  /** Choose the planner for a run: the rule planner unless the LLM planner is configured or allowed and asked for. */
  plannerFor(req: AgentRunRequest): Planner {
    const c = this.deps.config;
    const want = req.planner ?? c.planner;
    if (want === 'llm') {
      if (c.planner !== 'llm' && !c.llm.enabled)
        throw new AgentRunError('llm_disabled', 'the LLM planner is off; set agent.planner: llm or agent.llm.enabled: true');
      return new LlmPlanner({ ...c.llm, fetch: this.deps.fetch });
    }
    return new RulePlanner({ verifyIntervalMs: c.verify.intervalMs, verifyAttempts: c.verify.attempts });
  }

  /** Runs are serialised: one agent identity, one conversation with the plant at a time. */
  run(req: AgentRunRequest, o: RunOptions = {}): Promise<AgentRunResult> {
    if (!this.deps.config.enabled && !o.as) return Promise.reject(new AgentRunError('disabled', 'the operator agent is disabled (agent.enabled: false)'));
    let planner: Planner;
    let task: AgentTask;
    try {
      planner = o.planner ?? this.plannerFor(req);
      // Checked before queueing, so a bad request is refused at once rather than after other runs.
      task = this.task(req, o.trigger ?? 'operator');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.queued++;
    const p = this.queue.then(() => {
      this.queued--;
      return this.execute(task, planner, o);
    });
    this.queue = p.catch(() => {});
    return p;
  }

  private task(req: AgentRunRequest, trigger: AgentTask['trigger']): AgentTask {
    const ep = req.episode_id ? (this.deps.episode?.(req.episode_id) ?? null) : null;
    if (req.episode_id && !ep) throw new AgentRunError('not_found', `no anomaly ${req.episode_id}`);
    return {
      deviceId: req.device_id ?? ep?.device_id ?? null,
      anomaly: ep ? { id: ep.id, device_id: ep.device_id, type_hint: ep.type_hint, severity: ep.severity, sensors: ep.sensors } : null,
      ask: req.ask ?? null,
      tryCommand: req.try_command ?? null,
      reductionPct: req.reduction_pct ?? null,
      trigger,
    };
  }

  private async execute(task: AgentTask, planner: Planner, o: RunOptions): Promise<AgentRunResult> {
    const { tracer, bus, clock, log } = this.deps;
    const who = o.as ?? this.identity();
    const trigger = task.trigger;
    const runId = `run_${randomBytes(6).toString('hex')}`;
    const trace = tracer.startTrace({
      agentName: who.name,
      agentId: who.agentId,
      planner: planner.name,
      model: planner.model,
      trigger,
      deviceId: task.deviceId,
      attributes: { 'aegisflow.run_id': runId },
    });
    this.current = { runId, traceId: trace.traceId, deviceId: task.deviceId };
    bus.emit('agent.run.started', { runId, traceId: trace.traceId, agentId: who.agentId, deviceId: task.deviceId, trigger, planner: planner.name });
    // A signal per run: the SDK adds a listener per request, and they die with the run.
    const runAc = new AbortController();
    setMaxListeners(0, runAc.signal);
    const cancel = () => runAc.abort();
    this.abort.signal.addEventListener('abort', cancel, { once: true });
    o.signal?.addEventListener('abort', cancel, { once: true });
    const signal = runAc.signal;
    const history: Turn[] = [];
    let index = 0;
    let deviceId = task.deviceId;
    const step = async (s: Omit<AgentStepView, 'runId' | 'traceId' | 'index' | 'ts'>) => {
      const view: AgentStepView = { runId, traceId: trace.traceId, index: index++, ts: clock.now(), ...s };
      bus.emit('agent.step', view);
      try {
        await o.onStep?.(view);
      } catch (err) {
        log.warn({ err }, 'step callback failed');
      }
    };
    let outcome: RunOutcome;
    let summary = '';
    let client: AgentMcpClient | null = null;
    let calls = 0;
    try {
      const url = this.deps.mcpUrl();
      if (!url) throw new AgentRunError('no_mcp', 'the MCP server is not reachable (http disabled or not started)');
      const connect = trace.startSpan('mcp.connect', {
        kind: 'client',
        attributes: { 'server.address': url, 'network.transport': 'tcp', 'mcp.transport': 'streamable-http' },
      });
      try {
        client = await connectAgentMcp(url, who.token, `aegisflow-${who.agentId}`);
        connect.setAttributes({ 'aegisflow.tools': client.tools.map((t) => t.name) }).end('ok');
      } catch (err) {
        connect.end('error', (err as Error).message);
        throw new AgentRunError('mcp_connect', `could not connect to ${url}: ${(err as Error).message}`);
      }
      const ctx: PlannerContext = { task, history, tools: client.tools, trace, signal };
      for (;;) {
        if (signal.aborted) {
          outcome = 'failed';
          summary = 'run cancelled';
          break;
        }
        const d: Decision = await planner.next(ctx);
        if (d.kind === 'finish') {
          outcome = d.outcome;
          summary = d.summary;
          await step({ kind: 'finish', text: d.summary });
          break;
        }
        if (d.kind === 'wait') {
          await step({ kind: 'wait', text: `${d.thought ? `${d.thought} ` : ''}(waiting ${Math.round(d.ms / 100) / 10} s)` });
          const w = trace.startSpan('wait_for_plant', { attributes: { 'aegisflow.wait_ms': d.ms } });
          await sleep(d.ms, signal);
          w.end('ok');
          history.push({ kind: 'waited', ms: d.ms });
          continue;
        }
        const reqs: ToolCallRequest[] = d.calls.map((c, i) => ({ id: c.id ?? `call_${runId}_${calls + i}`, tool: c.tool, args: c.args }));
        history.push({ kind: 'calls', thought: d.thought, calls: reqs });
        if (d.thought) await step({ kind: 'thought', text: d.thought });
        let stop: RunOutcome | null = null;
        for (const call of reqs) {
          if (calls >= this.deps.config.maxSteps) {
            stop = 'failed';
            summary = `stopped after ${calls} tool calls (agent.maxSteps)`;
            break;
          }
          calls++;
          if (typeof call.args.device_id === 'string' && call.args.device_id.includes('/')) {
            deviceId ??= call.args.device_id;
            trace.update({ deviceId });
          }
          const result = await this.callTool(client, trace, call, signal);
          history.push({ kind: 'result', call, result });
          await step({ kind: 'tool', tool: call.tool, args: call.args, decision: result.decision, isError: result.isError, text: result.text.slice(0, 1000) });
          // The kill switch (or quarantine) refuses every further call: the run ends here.
          if (result.ruleId === 'kill-switch' || result.ruleId === 'quarantine' || result.status === 'refused') {
            stop = 'paused';
            summary = `agent ${who.agentId} was stopped mid-run: ${result.text.slice(0, 300)}`;
            break;
          }
        }
        if (stop) {
          outcome = stop;
          await step({ kind: 'finish', text: summary });
          break;
        }
      }
    } catch (err) {
      outcome = 'failed';
      summary = (err as Error).message;
      log.warn({ err, runId }, 'agent run failed');
      await step({ kind: 'finish', text: `run failed: ${summary}` });
    } finally {
      await client?.close();
      this.current = null;
      this.abort.signal.removeEventListener('abort', cancel);
      o.signal?.removeEventListener('abort', cancel);
    }
    const t = trace.end({ outcome, summary, status: outcome === 'failed' ? 'error' : 'ok' });
    const result: AgentRunResult = {
      runId,
      traceId: trace.traceId,
      agentId: who.agentId,
      deviceId,
      outcome,
      summary,
      steps: index,
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      costUsd: t.costUsd,
    };
    bus.emit('agent.run.finished', result);
    log.info({ runId, traceId: trace.traceId, outcome, device: deviceId, calls }, 'agent run finished');
    return result;
  }

  /** One governed tool call as `execute_tool {name}` with a child span for the gateway's decision. */
  private async callTool(client: AgentMcpClient, trace: TraceHandle, call: ToolCallRequest, signal: AbortSignal): Promise<ToolResult> {
    const { clock } = this.deps;
    const span = trace.startSpan(`execute_tool ${call.tool}`, {
      kind: 'client',
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': call.tool,
        'gen_ai.tool.call.id': call.id,
        'gen_ai.tool.type': 'function',
        'gen_ai.tool.call.arguments': JSON.stringify(call.args),
      },
    });
    const t0 = clock.now();
    let waiting = false;
    const result = await client.call(call.tool, call.args, {
      timeoutMs: this.deps.config.callTimeoutMs,
      signal,
      onProgress: (message) => {
        if (!waiting) span.addEvent('approval.waiting', { message });
        waiting = true;
      },
    });
    trace.countToolCall();
    if (result.decision) {
      trace.countDecision(result.decision);
      const gov = trace.startSpan('governance.decision', {
        parent: span,
        startMs: t0,
        attributes: {
          'aegisflow.governance.decision': result.decision,
          'aegisflow.governance.rule_id': result.ruleId ?? undefined,
          'aegisflow.governance.status': result.status ?? undefined,
          'aegisflow.governance.approval_id': result.approvalId ?? undefined,
          'aegisflow.governance.decided_by': result.decidedBy ?? undefined,
          'gen_ai.tool.name': call.tool,
        },
      });
      if (result.decision === 'REVIEW') gov.addEvent('approval.decided', { status: result.status ?? 'unknown', decided_by: result.decidedBy ?? 'none' });
      gov.end(result.decision === 'BLOCK' ? 'error' : 'ok', result.decision === 'BLOCK' ? result.text.slice(0, 300) : undefined);
    }
    span.setAttributes({ 'aegisflow.is_error': result.isError, 'aegisflow.status': result.status ?? undefined, 'aegisflow.result_chars': result.text.length });
    if (result.isError) span.setAttributes({ 'error.type': result.status ?? 'tool_error' });
    span.end(result.isError ? 'error' : 'ok', result.isError ? result.text.slice(0, 300) : undefined);
    return result;
  }
}
