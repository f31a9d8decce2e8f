// Anomaly episodes: the open ones (plant overview, trend shading) and recent history (incidents).
import { create } from 'zustand';
import type { Episode } from '../../../shared/anomalies';

export interface AnomaliesState {
  episodes: Record<string, Episode>;
  loaded: boolean;
  setAll(list: Episode[]): void;
  upsert(e: Episode): void;
}

const MAX = 500;

export function createAnomaliesStore() {
  return create<AnomaliesState>()((set) => ({
    episodes: {},
    loaded: false,
    setAll: (list) => set((s) => ({ episodes: trim({ ...s.episodes, ...Object.fromEntries(list.map((e) => [e.id, e])) }), loaded: true })),
    upsert: (e) => set((s) => ({ episodes: trim({ ...s.episodes, [e.id]: e }) })),
  }));
}

function trim(m: Record<string, Episode>): Record<string, Episode> {
  const list = Object.values(m);
  if (list.length <= MAX) return m;
  list.sort((a, b) => b.start_ts - a.start_ts);
  return Object.fromEntries(list.slice(0, MAX).map((e) => [e.id, e]));
}

export const useAnomalies = createAnomaliesStore();

export function episodesOf(episodes: Record<string, Episode>, deviceIds: readonly string[]): Episode[] {
  const set = new Set(deviceIds);
  return Object.values(episodes)
    .filter((e) => set.has(e.device_id))
    .sort((a, b) => a.start_ts - b.start_ts);
}
