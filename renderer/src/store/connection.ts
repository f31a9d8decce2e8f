// Connection slice: transport state and what the operator must know when data stops.
import { create } from 'zustand';
import type { ConnectionState } from '../api/client';

export interface ConnectionSlice {
  state: ConnectionState;
  /** Set once the first snapshot arrived after (re)connecting. */
  ready: boolean;
  lastError: string | null;
  set(s: ConnectionState): void;
  setReady(b: boolean): void;
  setError(e: string | null): void;
}

export const useConnection = create<ConnectionSlice>()((set) => ({
  state: 'connecting',
  ready: false,
  lastError: null,
  set: (state) => set(state === 'open' ? { state } : { state, ready: false }),
  setReady: (ready) => set({ ready }),
  setError: (lastError) => set({ lastError }),
}));
