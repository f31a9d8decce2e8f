// Contract handlers (shared/contract.ts) for the UI: approvals, agents, audit, policy. The registry has
// validated the params (shared/schemas/governance.ts); domain errors (AgentError, ApprovalError,
// GovernanceError) carry their own codes, which the registry's one error mapper passes on.
import type { Caller } from '../../../shared/operators';
import { operatorOf, type CoreApi } from '../api';
import type { Gateway } from './gateway';
import { loadPublicKey } from './keys';

export function registerGovernanceApi(api: CoreApi, g: Gateway): void {
  // Who decides or acts is the caller's authenticated operator, never a name in the params.
  const by = (caller: Caller, comment: string | undefined, previewHash?: string) => {
    const who = operatorOf(caller);
    return { operator: who.name, operatorId: who.id, roles: who.roles, comment, ...(previewHash ? { previewHash } : {}) };
  };
  api.register('approvals.list', (p) => g.listApprovals(p.status, p.limit));
  api.register('approvals.decide', (p, c) => g.decide(p.id, p.verdict, by(c, p.comment, p.previewHash)));
  api.register('approvals.decideAll', (p, c) => {
    const done = g.decideAll(p.verdict, by(c, p.comment));
    return { decided: done.length, ids: done.map((a) => a.id) };
  });
  api.register('agents.list', () => g.agents.list());
  api.register('agents.pause', (p, c) => g.pauseAgent(p.id, p.reason ?? 'paused by operator', operatorOf(c).name));
  api.register('agents.revive', (p, c) => g.reviveAgent(p.id, operatorOf(c).name));
  api.register('agents.killAll', (p, c) => ({ paused: g.killAll(p.reason ?? 'global kill switch', operatorOf(c).name) }));
  api.register('agents.setScope', (p, c) => g.setScope(p.id, p.scope, operatorOf(c).name));
  api.register('agents.restoreTrust', (p, c) => g.restoreTrust(p.id, operatorOf(c).name));
  api.register('agents.create', (p, c) => g.addAgent(p, operatorOf(c).name));
  api.register('audit.query', (p) => g.audit.query(p));
  api.register('agents.rotateToken', (p, c) => ({ id: p.id, token: g.rotateToken(p.id, operatorOf(c).name) }));
  api.register('agents.remove', (p, c) => (g.removeAgent(p.id, operatorOf(c).name), { removed: p.id }));
  api.register('agents.manifest', () => g.manifest());
  api.register('audit.export', (p) => {
    const lines: string[] = [];
    const r = g.audit.export(p.since ?? 0, (l) => lines.push(l));
    return { lines, rows: r.rows, headSeq: r.head?.seq ?? null };
  });
  api.register('audit.verify', () => g.audit.verify(loadPublicKey(g.keysDir)?.publicKey ?? g.publicKey));
  api.register('policy.get', () => g.policyInfo());
  api.register('policy.promote', (p, c) => g.promote(p.approvalId, p.decision, operatorOf(c).name));
}
