// Contract handlers (shared/contract.ts) for the UI: approvals, agents, audit, policy.
// Domain errors become CoreError codes so the UI shows a clear message, never a stack.
import { CoreError, operatorOf, type CoreApi } from '../api';
import { AgentError } from './agents';
import { ApprovalError } from './approvals';
import { GovernanceError, type Gateway } from './gateway';
import { loadPublicKey } from './keys';

async function guard<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AgentError || err instanceof ApprovalError || err instanceof GovernanceError) throw new CoreError(err.code, err.message);
    if (err instanceof Error && err.name === 'ZodError') throw new CoreError('invalid', err.message);
    throw err;
  }
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new CoreError('invalid', `${name} must be a non-empty string`);
  return v;
}

export function registerGovernanceApi(api: CoreApi, g: Gateway): void {
  // Who decides or acts is the caller's authenticated operator, never a name in the params.
  api.register('approvals.list', (p) => guard(() => g.listApprovals(p?.status, p?.limit)));
  api.register('approvals.decide', (p, caller) => {
    const who = operatorOf(caller);
    return guard(() => g.decide(str(p?.id, 'id'), p.verdict, { operator: who.name, operatorId: who.id, roles: who.roles, comment: p.comment }));
  });
  api.register('approvals.decideAll', (p, caller) => {
    const who = operatorOf(caller);
    return guard(() => {
      const done = g.decideAll(p?.verdict, { operator: who.name, operatorId: who.id, roles: who.roles, comment: p.comment });
      return { decided: done.length, ids: done.map((a) => a.id) };
    });
  });
  api.register('agents.list', () => guard(() => g.agents.list()));
  api.register('agents.pause', (p, c) => guard(() => g.pauseAgent(str(p?.id, 'id'), p.reason ?? 'paused by operator', operatorOf(c).name)));
  api.register('agents.revive', (p, c) => guard(() => g.reviveAgent(str(p?.id, 'id'), operatorOf(c).name)));
  api.register('agents.killAll', (p, c) => guard(() => ({ paused: g.killAll(p?.reason ?? 'global kill switch', operatorOf(c).name) })));
  api.register('agents.setScope', (p, c) => guard(() => g.setScope(str(p?.id, 'id'), p.scope, operatorOf(c).name)));
  api.register('agents.restoreTrust', (p, c) => guard(() => g.restoreTrust(str(p?.id, 'id'), operatorOf(c).name)));
  api.register('audit.query', (p) => guard(() => g.audit.query(p ?? {})));
  api.register('agents.rotateToken', (p, c) => guard(() => ({ id: str(p?.id, 'id'), token: g.rotateToken(str(p?.id, 'id'), operatorOf(c).name) })));
  api.register('agents.remove', (p, c) => guard(() => (g.removeAgent(str(p?.id, 'id'), operatorOf(c).name), { removed: p.id })));
  api.register('agents.manifest', () => guard(() => g.manifest()));
  api.register('audit.export', (p) =>
    guard(() => {
      const lines: string[] = [];
      const r = g.audit.export(typeof p?.since === 'number' ? p.since : 0, (l) => lines.push(l));
      return { lines, rows: r.rows, headSeq: r.head?.seq ?? null };
    }),
  );
  api.register('audit.verify', () => guard(() => g.audit.verify(loadPublicKey(g.keysDir)?.publicKey ?? g.publicKey)));
  api.register('policy.get', () => guard(() => g.policyInfo()));
  api.register('policy.promote', (p, c) => guard(() => g.promote(str(p?.approvalId, 'approvalId'), p.decision, operatorOf(c).name)));
}
