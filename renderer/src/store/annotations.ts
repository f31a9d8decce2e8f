// Operator annotations on the trends (pinned to a plant time on a device or tag): what annotations.list
// returned for the charted devices plus every annotation.added since, from any console.
import { create } from 'zustand';
import type { Annotation } from '../../../shared/schemas/shift';

export interface AnnotationsState {
  byId: Record<string, Annotation>;
  /** Merge a listed page (a reload never loses one that arrived meanwhile). */
  merge(list: Annotation[]): void;
  added(a: Annotation): void;
}

/** More than this in memory is a shift of notes nobody scrolls through on a chart: the oldest pinned go. */
const MAX = 2000;

export function createAnnotationsStore() {
  return create<AnnotationsState>()((set) => ({
    byId: {},
    merge: (list) =>
      set((s) => {
        const all = [...Object.values(s.byId).filter((a) => !list.some((b) => b.id === a.id)), ...list];
        return {
          byId: Object.fromEntries(
            all
              .sort((a, b) => b.plantTs - a.plantTs)
              .slice(0, MAX)
              .map((a) => [a.id, a]),
          ),
        };
      }),
    added: (a) => set((s) => ({ byId: { ...s.byId, [a.id]: a } })),
  }));
}
export const useAnnotations = createAnnotationsStore();
