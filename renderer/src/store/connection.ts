// Connection slice: transport state and what the operator must know when data stops.
import { create } from 'zustand';
import type { ConnectionState } from '../api/client';
import type { ReadingsDropped } from '../../../shared/readings-throttle';

export interface ConnectionSlice {
  state: ConnectionState;
  /** Set once the first snapshot arrived after (re)connecting. */
  ready: boolean;
  lastError: string | null;
  /** The transport's last report of readings its throttle left out of the live view (null: none so far). */
  readingsDropped: ReadingsDropped | null;
  set(s: ConnectionState): void;
  setReady(b: boolean): void;
  setError(e: string | null): void;
  setReadingsDropped(r: ReadingsDropped): void;
}

export const useConnection = create<ConnectionSlice>()((set) => ({
  state: 'connecting',
  ready: false,
  lastError: null,
  readingsDropped: null,
  set: (state) => set(state === 'open' ? { state } : { state, ready: false }),
  setReady: (ready) => set({ ready }),
  setError: (lastError) => set({ lastError }),
  setReadingsDropped: (readingsDropped) => set({ readingsDropped }),
}));
