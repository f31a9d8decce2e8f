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
  push(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
}

let seq = 0;
export const useNotices = create<NoticesState>()((set) => ({
  notices: [],
  push: (kind, text) => {
    const n = { id: ++seq, kind, text, at: Date.now() };
    set((s) => ({ notices: [...s.notices.slice(-4), n] }));
    setTimeout(() => set((s) => ({ notices: s.notices.filter((x) => x.id !== n.id) })), kind === 'error' ? 8000 : 4000);
  },
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((x) => x.id !== id) })),
}));
