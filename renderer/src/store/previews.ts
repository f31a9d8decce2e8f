// Consequence previews the operator has in view, per pending approval: the decision cites the hash of the
// one shown (approvals.decide previewHash), so the audit records what the operator saw when deciding.
import { create } from 'zustand';
import type { ConsequencePreview } from '../../../shared/schemas/plant';

export interface PreviewState {
  byApproval: Record<string, ConsequencePreview>;
  /** Why an approval has none (a real device, not a device command). */
  unavailable: Record<string, string>;
  set(p: ConsequencePreview): void;
  none(approvalId: string, why: string): void;
  drop(approvalId: string): void;
}

export const usePreviews = create<PreviewState>()((set) => ({
  byApproval: {},
  unavailable: {},
  set: (p) => set((s) => ({ byApproval: { ...s.byApproval, [p.approvalId]: p } })),
  none: (id, why) => set((s) => ({ unavailable: { ...s.unavailable, [id]: why } })),
  drop: (id) =>
    set((s) => {
      const { [id]: _p, ...byApproval } = s.byApproval;
      const { [id]: _u, ...unavailable } = s.unavailable;
      return { byApproval, unavailable };
    }),
}));
