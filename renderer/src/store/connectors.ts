// Connector status (issue 15): each connector of the plant model shows connected / down, its last
// value and its errors. Filled by `connectors.status` on (re)connect and `connector.status` events;
// a connector the model declares but the core has not reported yet shows as such.
import { create } from 'zustand';
import type { ConnectorStatusView as ReportedStatus } from '../../../shared/schemas/plant';

export type ConnectorStatusView = Omit<ReportedStatus, 'state' | 'since'> & { state: ReportedStatus['state'] | 'unknown'; since: number | null };

export interface ConnectorsState {
  byId: Record<string, ConnectorStatusView>;
  /** The connectors the model declares, as placeholders until a status arrives for them. */
  declare(list: ReadonlyArray<{ id: string; type: string }>): void;
  apply(s: ConnectorStatusView): void;
  setAll(list: readonly ConnectorStatusView[]): void;
}

const placeholder = (c: { id: string; type: string }): ConnectorStatusView => ({
  id: c.id,
  type: c.type,
  state: 'unknown',
  since: null,
  endpoint: '',
  lastValueAt: null,
  values: 0,
  messages: 0,
  errors: 0,
  lastError: null,
});

export const useConnectors = create<ConnectorsState>()((set) => ({
  byId: {},
  declare: (list) => set((st) => ({ byId: Object.fromEntries(list.map((c) => [c.id, st.byId[c.id] ?? placeholder(c)])) })),
  apply: (s) => set((st) => ({ byId: { ...st.byId, [s.id]: s } })),
  setAll: (list) => set({ byId: Object.fromEntries(list.map((c) => [c.id, c])) }),
}));
