// An agent as the control room names it: the registry's name, the id on hover (and as data-agent-ref);
// an agent the registry does not know shows its id. `fallback` when there is no agent at all.
import { agentLabel, useAgents } from '../store/agents';

export function AgentName({ id, fallback }: { id: string | null | undefined; fallback?: string }) {
  const label = useAgents((s) => agentLabel(s.agents, id));
  if (!id) return <>{fallback ?? label}</>;
  return (
    <span title={id} data-agent-ref={id} className="agent-name">
      {label}
    </span>
  );
}
