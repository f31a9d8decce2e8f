// Contract handlers (shared/contract.ts) for the operator agent, the demo and the Traces view.
import { z } from 'zod';
import type { DemoStatus } from '../../../shared/agent';
import { CoreError, type CoreApi } from '../api';
import type { Tracer } from '../observability';
import { AgentRunError, type OperatorAgent } from './agent';
import { runDemo, type DemoDeps } from './demo';

const RunSchema = z
  .object({
    device_id: z.string().min(3).max(128).optional(),
    episode_id: z.string().min(1).max(512).optional(),
    ask: z.string().max(2000).optional(),
    try_command: z.enum(['emergency_shutdown', 'restart', 'reduce_load', 'schedule_maintenance', 'restore_load']).optional(),
    reduction_pct: z.number().int().min(1).max(90).optional(),
    planner: z.enum(['rule', 'llm']).optional(),
    wait: z.boolean().optional(),
  })
  .strict();

function invalid(e: z.ZodError): CoreError {
  return new CoreError('invalid', e.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; '));
}

export function registerAgentApi(api: CoreApi, deps: { agent: OperatorAgent; tracer: Tracer; demo: DemoDeps | null }): void {
  const { agent, tracer } = deps;
  let demo: DemoStatus = { running: false, startedAt: null, finishedAt: null, ok: null, steps: [] };

  api.register('agent.run', async (p) => {
    const parsed = RunSchema.safeParse(p ?? {});
    if (!parsed.success) throw invalid(parsed.error);
    const { wait, ...req } = parsed.data;
    const run = agent.run(req, { trigger: 'operator' });
    try {
      if (wait) return { accepted: true as const, result: await run };
      // Refused requests (unknown anomaly, LLM planner off) are refused now, not after other runs.
      await Promise.race([run, new Promise((r) => setImmediate(r))]);
      run.catch(() => {});
      return { accepted: true as const, result: null };
    } catch (err) {
      if (err instanceof AgentRunError) throw new CoreError(err.code, err.message);
      throw err;
    }
  });
  api.register('agent.status', () => agent.status());
  api.register('traces.list', (p) => {
    const parsed = z.object({ limit: z.number().int().min(1).max(500).optional(), before: z.number().finite().optional() }).safeParse(p ?? {});
    if (!parsed.success) throw invalid(parsed.error);
    return tracer.list(parsed.data.limit ?? 50, parsed.data.before);
  });
  api.register('traces.get', (p) => {
    const parsed = z.object({ traceId: z.string().regex(/^[0-9a-f]{32}$/, 'a 32-hex-digit trace id') }).safeParse(p ?? {});
    if (!parsed.success) throw invalid(parsed.error);
    const t = tracer.get(parsed.data.traceId);
    if (!t) throw new CoreError('not_found', `no trace ${parsed.data.traceId}`);
    return t;
  });
  api.register('demo.status', () => demo);
  api.register('demo.run', (p, caller) => {
    const parsed = z.object({ approve: z.enum(['auto', 'operator']).optional() }).safeParse(p ?? {});
    if (!parsed.success) throw invalid(parsed.error);
    if (!deps.demo || !deps.demo.plant) return { accepted: false, reason: 'the demo needs the replay simulator and the MCP server' };
    if (demo.running) return { accepted: false, reason: 'the demo is already running' };
    const d = deps.demo;
    demo = { running: true, startedAt: d.clock.now(), finishedAt: null, ok: null, steps: [] };
    const status = demo;
    void runDemo(d, { approve: parsed.data.approve ?? 'operator', operator: caller, status, print: (line) => d.log.info({ demo: true }, line) }).catch(
      (err) => {
        d.log.error({ err }, 'demo crashed');
        Object.assign(status, { running: false, ok: false, finishedAt: d.clock.now() });
      },
    );
    return { accepted: true, reason: null };
  });
}
