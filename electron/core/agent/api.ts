// Contract handlers (shared/contract.ts) for the operator agent, the demo and the Traces view.
import type { DemoStatus } from '../../../shared/agent';
import { CoreError, type CoreApi } from '../api';
import type { Tracer } from '../observability';
import type { OperatorAgent } from './agent';
import { runDemo, type DemoDeps } from './demo';

export function registerAgentApi(api: CoreApi, deps: { agent: OperatorAgent; tracer: Tracer; demo: DemoDeps | null }): void {
  const { agent, tracer } = deps;
  let demo: DemoStatus = { running: false, startedAt: null, finishedAt: null, ok: null, steps: [] };

  // An AgentRunError (unknown anomaly, LLM planner off) leaves with its own code through the registry's error mapper.
  api.register('agent.run', async (p) => {
    const { wait, ...req } = p;
    const run = agent.run(req, { trigger: 'operator' });
    if (wait) return { accepted: true as const, result: await run };
    // Refused requests are refused now, not after other runs.
    await Promise.race([run, new Promise((r) => setImmediate(r))]);
    run.catch(() => {});
    return { accepted: true as const, result: null };
  });
  api.register('agent.status', () => agent.status());
  api.register('traces.list', (p) => tracer.list(p.limit ?? 50, p.before));
  api.register('traces.get', (p) => {
    const t = tracer.get(p.traceId);
    if (!t) throw new CoreError('not_found', `no trace ${p.traceId}`);
    return t;
  });
  api.register('demo.status', () => demo);
  api.register('demo.run', (p, caller) => {
    if (!deps.demo || !deps.demo.plant) return { accepted: false, reason: 'the demo needs the replay simulator and the MCP server' };
    if (demo.running) return { accepted: false, reason: 'the demo is already running' };
    const d = deps.demo;
    demo = { running: true, startedAt: d.clock.now(), finishedAt: null, ok: null, steps: [] };
    const status = demo;
    void runDemo(d, { approve: p.approve ?? 'operator', operator: caller, status, print: (line) => d.log.info({ demo: true }, line) }).catch((err) => {
      d.log.error({ err }, 'demo crashed');
      Object.assign(status, { running: false, ok: false, finishedAt: d.clock.now() });
    });
    return { accepted: true, reason: null };
  });
}
