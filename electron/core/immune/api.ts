// Contract handlers for the Immune pane (shared/contract.ts 'immune.*'). The registry has validated
// the params against shared/schemas/immune.ts; errors leave through its one error mapper.
import { operatorOf, type CoreApi } from '../api';
import type { ImmuneService } from './service';

export function registerImmuneApi(api: CoreApi, immune: ImmuneService): void {
  api.register('immune.overview', (p) => immune.overview(p.limit));
  api.register('immune.agent', (p) => immune.agentDetail(p.agent_id));
  api.register('immune.approvals.decide', (p, c) => immune.decide(p.id, p.verdict, operatorOf(c).name));
  api.register('immune.approvals.decideAll', (p, c) => {
    const done = immune.decideAll(p.verdict, operatorOf(c).name);
    return { decided: done.length, ids: done.map((a) => a.id) };
  });
  api.register('immune.healNow', (p, c) => immune.healNow(p.agent_id, operatorOf(c).name));
  api.register('immune.healAll', (_p, c) => immune.healAll(operatorOf(c).name));
  api.register('immune.chaos', (p) => immune.chaos(p.type, p.agent_id));
  api.register('immune.patterns', () => ({ patterns: immune.patterns(), memory: immune.memory() }));
}
