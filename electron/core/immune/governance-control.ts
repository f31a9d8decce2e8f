// AgentControl on top of the governance gateway: the immune system's quarantine is governance's
// kill switch (calls BLOCKed, reason "quarantined"), reduce autonomy turns its ALLOWs into REVIEW,
// revoke tools BLOCKs those tools for that agent. Only agents governance knows are touched.
//
// An operator's decision wins over the immune system's: an agent the operator paused is never
// set to quarantined (that would let a later release revive it), and only a quarantined agent is
// released.
//
// Healing approvals are governance approvals (kind 'healing'): one queue, one audit chain, one expiry.
import { CoreError } from '../api';
import { ApprovalError, type Gateway } from '../governance';
import type { AgentControl, HealingApprovalOutcome } from './ports';

const outcome = (a: { id: string; status: HealingApprovalOutcome['status']; decidedBy: string | null; comment: string | null }): HealingApprovalOutcome => ({
  id: a.id,
  status: a.status,
  decidedBy: a.decidedBy,
  comment: a.comment,
});

export function createGovernanceControl(gateway: Gateway): AgentControl {
  const get = (id: string) => gateway.agents.get(id);
  return {
    isGoverned: (id) => get(id) !== null,
    quarantine(id, reason) {
      if (get(id)?.status === 'active') gateway.quarantineAgent(id, reason, 'immune');
    },
    release(id) {
      if (get(id)?.status === 'quarantined') gateway.reviveAgent(id, 'immune', 'released by the immune system');
    },
    reduceAutonomy(id, reason) {
      if (get(id) && !get(id)!.reducedAutonomy) gateway.setReducedAutonomy(id, true, reason, 'immune');
    },
    restoreAutonomy(id) {
      if (get(id)?.reducedAutonomy) gateway.setReducedAutonomy(id, false, 'healed: autonomy restored', 'immune');
    },
    revokeTools(id, tools, reason) {
      if (get(id) && tools.length) gateway.revokeTools(id, [...tools], reason, 'immune');
    },
    restoreTools(id, tools) {
      if (get(id)) gateway.restoreTools(id, [...tools], 'restored by the immune system', 'immune');
    },
    authenticate: (token) => gateway.agents.byToken(token)?.id ?? null,
    approvals: {
      request: (r) => {
        const a = gateway.requestHealing(r);
        return { id: a.id, deadline: a.deadline };
      },
      get: (id) => {
        const a = gateway.approval(id);
        return a && a.kind === 'healing' ? outcome(a) : null;
      },
      decide(id, verdict, operator) {
        try {
          gateway.decide(id, verdict, { operator });
        } catch (err) {
          if (err instanceof ApprovalError) throw new CoreError(err.code, err.message);
          throw err;
        }
      },
      cancel(id, reason, actor) {
        gateway.cancelApproval(id, reason, actor);
      },
      used(id) {
        gateway.spendHealingApproval(id);
      },
      onSettled: (fn) => gateway.onHealingSettled((a) => fn(outcome(a))),
    },
  };
}
