// Short-lived messages for the operator: a refused action, a completed bulk decision.
import { create } from 'zustand';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  at: number;
}

export interface NoticesState {
  notices: Notice[];
  /** Shown for `ms` (default: 8 s for an error, 4 s otherwise). */
  push(kind: Notice['kind'], text: string, ms?: number): void;
  dismiss(id: number): void;
}

let seq = 0;
export const useNotices = create<NoticesState>()((set) => ({
  notices: [],
  push: (kind, text, ms) => {
    const n = { id: ++seq, kind, text, at: Date.now() };
    set((s) => ({ notices: [...s.notices.slice(-4), n] }));
    setTimeout(() => set((s) => ({ notices: s.notices.filter((x) => x.id !== n.id) })), ms ?? (kind === 'error' ? 8000 : 4000));
  },
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((x) => x.id !== id) })),
}));
