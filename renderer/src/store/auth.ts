// Who is logged in at this console (issue 13). The core decides: this slice only mirrors its answer.
import { create } from 'zustand';
import type { AuthState } from '../../../shared/operators';

export interface AuthSlice {
  /** null until the core has answered. */
  state: AuthState | null;
  /** Why the login screen shows (locked after idle, session ended, switched user). */
  reason: string | null;
  /** The last operator's name, offered again after a lock. */
  lastName: string;
  set(state: AuthState, reason?: string | null): void;
}

export const useAuth = create<AuthSlice>()((set, get) => ({
  state: null,
  reason: null,
  lastName: '',
  set: (state, reason = null) => set({ state, reason, lastName: state.operator?.name ?? get().lastName }),
}));
