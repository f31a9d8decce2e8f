// Connector status (issue 15: each connector shows connected / down, its last value and its errors).
// The shape follows the core's ConnectorStatus (electron/core/connectors). Until the contract carries
// the `connectors.status` request and the `connector.status` event, the UI knows only the connectors
// the model declares, and says that their status is not reported (state 'unknown').
import { create } from 'zustand';

export interface ConnectorStatusView {
  id: string;
  type: string;
  state: 'connected' | 'connecting' | 'down' | 'disabled' | 'unknown';
  /** When the state last changed (core clock, ms). */
  since: number | null;
  endpoint: string;
  lastValueAt: number | null;
  values: number;
  messages: number;
  errors: number;
  lastError: string | null;
}

export interface ConnectorsState {
  byId: Record<string, ConnectorStatusView>;
  /** The connectors the model declares, as placeholders until a status arrives for them. */
  declare(list: ReadonlyArray<{ id: string; type: string }>): void;
  apply(s: ConnectorStatusView): void;
}

export const useConnectors = create<ConnectorsState>()((set) => ({
  byId: {},
  declare: (list) =>
    set((st) => ({
      byId: Object.fromEntries(
        list.map((c) => [
          c.id,
          st.byId[c.id] ?? {
            id: c.id,
            type: c.type,
            state: 'unknown' as const,
            since: null,
            endpoint: '',
            lastValueAt: null,
            values: 0,
            messages: 0,
            errors: 0,
            lastError: null,
          },
        ]),
      ),
    })),
  apply: (s) => set((st) => ({ byId: { ...st.byId, [s.id]: s } })),
}));
