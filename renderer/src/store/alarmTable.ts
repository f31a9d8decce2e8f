// The master alarm table as the console sees it: every row by alarm id, loaded once per client and kept
// current by alarmTable.changed. A console whose operator may not read it keeps the reason instead.
import { create } from 'zustand';
import type { AlarmTableRow } from '../../../shared/schemas/alarm-table';
import { unwrap, type Client } from '../api/client';

export interface AlarmTableState {
  rows: Record<string, AlarmTableRow>;
  loaded: boolean;
  /** Why the table could not be read (e.g. the role), null when it was. */
  error: string | null;
  setAll(rows: AlarmTableRow[]): void;
  upsert(row: AlarmTableRow): void;
  fail(message: string): void;
}

export const useAlarmTable = create<AlarmTableState>()((set) => ({
  rows: {},
  loaded: false,
  error: null,
  setAll: (rows) => set({ rows: Object.fromEntries(rows.map((r) => [r.id, r])), loaded: true, error: null }),
  upsert: (row) => set((s) => ({ rows: { ...s.rows, [row.id]: row } })),
  fail: (error) => set({ error, loaded: true }),
}));

const subscribed = new WeakSet<Client>();

/** Load the table and follow its changes (once per client; panes and cues may all ask). */
export function followAlarmTable(client: Client): void {
  if (subscribed.has(client)) return;
  subscribed.add(client);
  const load = () =>
    void unwrap(client.api.alarmTableList({})).then(
      (rows) => useAlarmTable.getState().setAll(rows),
      (err: Error) => useAlarmTable.getState().fail(err.message),
    );
  client.api.onAlarmTableChanged((row) => useAlarmTable.getState().upsert(row));
  // a reloaded plant model changes the seed (new alarms, orphaned edits)
  client.api.onPlantModel(() => load());
  // a reconnect or another operator's login may change what this console may read
  client.onConnection((s) => s === 'open' && load());
  load();
}
