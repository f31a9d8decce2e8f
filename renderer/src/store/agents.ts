// Agents slice: the registry as the operator sees it, the selected agent, and the one-time token of
// an agent just created (shown once, then forgotten).
import { create } from 'zustand';
import type { AgentView } from '../../../shared/governance';

export interface AgentsState {
  agents: Record<string, AgentView>;
  selectedId: string | null;
  createdToken: { agentId: string; token: string } | null;
  loaded: boolean;
  setAll(list: AgentView[]): void;
  changed(a: AgentView | { id: string; removed: true }): void;
  select(id: string | null): void;
  setCreatedToken(t: { agentId: string; token: string } | null): void;
}

export function createAgentsStore() {
  return create<AgentsState>()((set) => ({
    agents: {},
    selectedId: null,
    createdToken: null,
    loaded: false,
    setAll: (list) => set({ agents: Object.fromEntries(list.map((a) => [a.id, a])), loaded: true }),
    changed: (a) =>
      set((s) => {
        const agents = { ...s.agents };
        if ('removed' in a) delete agents[a.id];
        else agents[a.id] = a;
        return { agents, selectedId: s.selectedId && agents[s.selectedId] ? s.selectedId : null };
      }),
    select: (id) => set({ selectedId: id }),
    setCreatedToken: (createdToken) => set({ createdToken }),
  }));
}
export const useAgents = createAgentsStore();

export function sortedAgents(agents: Record<string, AgentView>): AgentView[] {
  // Abnormal first (quarantined, paused), then by name: the operator sees trouble at the top.
  const w = { quarantined: 0, paused: 1, active: 2 } as const;
  return Object.values(agents).sort((a, b) => w[a.status] - w[b.status] || a.name.localeCompare(b.name));
}

/**
 * The one way an agent is named in the UI: its registry name, or the id as it is when the registry does
 * not know it (removed, or a simulated immune fleet member), '—' for none. Never "undefined".
 */
export function agentLabel(agents: Record<string, AgentView>, id: string | null | undefined): string {
  if (!id) return '—';
  return agents[id]?.name || id;
}
