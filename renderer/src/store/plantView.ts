// Where the operator is in the Plant pane's hierarchy: the overview (site → areas → lines, with the
// lines opened to their assets) or one asset's detail. Shared so another pane can open an asset.
import { create } from 'zustand';

export interface PlantViewState {
  /** Device id of the asset shown in detail; null = the overview. */
  asset: string | null;
  /** Lines opened in the overview to list their assets. */
  openLines: readonly string[];
  /** Overview filter: text in an asset's id, name or type; only assets with something wrong. */
  query: string;
  abnormalOnly: boolean;
  openAsset(id: string): void;
  back(): void;
  toggleLine(line: string): void;
  setQuery(q: string): void;
  setAbnormalOnly(v: boolean): void;
}

export const usePlantView = create<PlantViewState>()((set) => ({
  asset: null,
  openLines: [],
  query: '',
  abnormalOnly: false,
  openAsset: (asset) => set({ asset }),
  back: () => set({ asset: null }),
  toggleLine: (line) => set((s) => ({ openLines: s.openLines.includes(line) ? s.openLines.filter((l) => l !== line) : [...s.openLines, line] })),
  setQuery: (query) => set({ query }),
  setAbnormalOnly: (abnormalOnly) => set({ abnormalOnly }),
}));
