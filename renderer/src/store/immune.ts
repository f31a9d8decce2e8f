// Immune slice (issue 9): the overview (stats, agents, approvals, timeline, patterns) and one agent's detail.
import { create } from 'zustand';
import type { ImmuneOverview, ImmuneAgent, VitalsSample, HealingLogEntry, MemoryEntry } from '../../../shared/immune';

export interface ImmuneDetail {
  agent: ImmuneAgent;
  vitals: VitalsSample[];
  healing: HealingLogEntry[];
  memory: MemoryEntry[];
}

export interface ImmuneState {
  overview: ImmuneOverview | null;
  detail: ImmuneDetail | null;
  selected: string | null;
  error: string | null;
  setOverview(o: ImmuneOverview): void;
  setDetail(d: ImmuneDetail | null): void;
  select(id: string | null): void;
  setError(e: string | null): void;
  agentChanged(a: ImmuneAgent): void;
}

export function createImmuneStore() {
  return create<ImmuneState>()((set) => ({
    overview: null,
    detail: null,
    selected: null,
    error: null,
    setOverview: (overview) => set({ overview, error: null }),
    setDetail: (detail) => set({ detail }),
    select: (selected) => set({ selected, detail: null }),
    setError: (error) => set({ error }),
    agentChanged: (a) =>
      set((s) => (s.overview ? { overview: { ...s.overview, agents: s.overview.agents.map((x) => (x.agent_id === a.agent_id ? a : x)) } } : {})),
  }));
}
export const useImmune = createImmuneStore();
