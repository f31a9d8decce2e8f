// Contract handlers for the Immune pane (shared/contract.ts 'immune.*'). Parameters come from the
// UI transports, so they are validated here; errors leave as CoreError codes.
import { z } from 'zod';
import { CoreError, operatorOf, type CoreApi } from '../api';
import { CHAOS_TYPES } from './schemas';
import type { ImmuneService } from './service';

const verdict = z.enum(['approve', 'reject']);
const P = {
  overview: z.object({ limit: z.number().int().min(1).max(1000).optional() }).prefault({}),
  agent: z.object({ agent_id: z.string().min(1).max(128) }),
  decide: z.object({ id: z.number().int().positive(), verdict }),
  decideAll: z.object({ verdict }),
  healNow: z.object({ agent_id: z.string().min(1).max(128) }),
  healAll: z.object({}).prefault({}),
  chaos: z.object({ type: z.enum(CHAOS_TYPES), agent_id: z.string().min(1).max(128).optional() }),
};

function parse<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const r = schema.safeParse(params ?? {});
  if (!r.success) throw new CoreError('bad_request', r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; '));
  return r.data;
}

export function registerImmuneApi(api: CoreApi, immune: ImmuneService): void {
  api.register('immune.overview', (p) => immune.overview(parse(P.overview, p).limit));
  api.register('immune.agent', (p) => immune.agentDetail(parse(P.agent, p).agent_id));
  api.register('immune.approvals.decide', (p, c) => {
    const q = parse(P.decide, p);
    return immune.decide(q.id, q.verdict, operatorOf(c).name);
  });
  api.register('immune.approvals.decideAll', (p, c) => {
    const q = parse(P.decideAll, p);
    const done = immune.decideAll(q.verdict, operatorOf(c).name);
    return { decided: done.length, ids: done.map((a) => a.id) };
  });
  api.register('immune.healNow', (p, c) => {
    const q = parse(P.healNow, p);
    return immune.healNow(q.agent_id, operatorOf(c).name);
  });
  api.register('immune.healAll', (p, c) => (parse(P.healAll, p), immune.healAll(operatorOf(c).name)));
  api.register('immune.chaos', (p) => {
    const q = parse(P.chaos, p);
    return immune.chaos(q.type, q.agent_id);
  });
  api.register('immune.patterns', () => ({ patterns: immune.patterns(), memory: immune.memory() }));
}
