// Plant slice: device statuses with their latest value per tag, simulator status, ingest counters.
// Only the latest values land here (what a person reads, ≤4 updates/s); history for the trends lives
// outside React in live/series.ts. Readings may be partial: each tag keeps its last value, its time
// and its quality (a tag absent from a reading's `quality` is good again once a value arrives).
import { create } from 'zustand';
import type { PlantSnapshot, ScenarioInfo, SimulatorStatus } from '../../../shared/contract';
import type { DeviceStatus, Quality, Reading } from '../domain';

/** The latest known state of an asset's tags; `at` is each tag's reading time (ms). */
export interface LatestValues {
  timestamp: string;
  values: Record<string, number>;
  quality: Record<string, Quality>;
  at: Record<string, number>;
}
export type DeviceRow = DeviceStatus & { latest: LatestValues | null };

/** Fold a reading into an asset's latest values. */
export function mergeReading(prev: LatestValues | null, r: Reading): LatestValues {
  const t = Date.parse(r.timestamp);
  const next: LatestValues = prev
    ? { timestamp: r.timestamp, values: { ...prev.values }, quality: { ...prev.quality }, at: { ...prev.at } }
    : { timestamp: r.timestamp, values: {}, quality: {}, at: {} };
  for (const [k, v] of Object.entries(r.values ?? {})) {
    next.values[k] = v;
    next.at[k] = t;
    delete next.quality[k];
  }
  // Quality may name a tag that carried no value (stale, connector down): the last value stays, marked.
  for (const [k, q] of Object.entries(r.quality ?? {})) next.quality[k] = q;
  return next;
}

export interface PlantState {
  devices: Record<string, DeviceRow>;
  simulator: SimulatorStatus | null;
  ingest: PlantSnapshot['ingest'] | null;
  scenarios: ScenarioInfo[];
  /** Wall-clock ms of the last readings batch (to tell "no live data" from "calm plant"). */
  lastReadingsAt: number | null;
  setSnapshot(s: PlantSnapshot): void;
  applyReadings(rs: Reading[], now?: number): void;
  applyDeviceStatus(s: DeviceStatus): void;
  setSimulator(s: SimulatorStatus): void;
  setScenarios(s: ScenarioInfo[]): void;
}

export const usePlant = create<PlantState>()((set) => ({
  devices: {},
  simulator: null,
  ingest: null,
  scenarios: [],
  lastReadingsAt: null,
  setSnapshot: (s) =>
    set((st) => ({
      devices: Object.fromEntries(
        s.devices.map((d) => {
          const prev = st.devices[d.device_id]?.latest ?? null;
          const latest = d.latest && (!prev || Date.parse(d.latest.timestamp) >= Date.parse(prev.timestamp)) ? mergeReading(prev, d.latest) : prev;
          return [d.device_id, { ...d, latest }];
        }),
      ),
      simulator: s.simulator,
      ingest: s.ingest,
    })),
  applyReadings: (rs, now = Date.now()) =>
    set((st) => {
      if (!Array.isArray(rs) || rs.length === 0) return {};
      const devices = { ...st.devices };
      let any = false;
      for (const r of rs) {
        if (!r || typeof r.device_id !== 'string' || !r.values) continue;
        const d = devices[r.device_id] ?? { device_id: r.device_id, state: 'running' as const, load_pct: 100, latest: null };
        devices[r.device_id] = { ...d, latest: mergeReading(d.latest, r) };
        any = true;
      }
      return any ? { devices, lastReadingsAt: now } : {};
    }),
  applyDeviceStatus: (s) =>
    set((st) => ({ devices: { ...st.devices, [s.device_id]: { ...st.devices[s.device_id], ...s, latest: st.devices[s.device_id]?.latest ?? null } } })),
  setSimulator: (s) => set({ simulator: s }),
  setScenarios: (scenarios) => set({ scenarios }),
}));
