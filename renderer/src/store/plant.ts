// Plant slice: device statuses with their latest reading, simulator status, ingest counters.
// Only the latest value per device lands here (what a person reads, ≤4 updates/s); history for the
// trends lives outside React in live/series.ts.
import { create } from 'zustand';
import type { PlantSnapshot, ScenarioInfo, SimulatorStatus } from '../../../shared/contract';
import type { DeviceStatus, Reading } from '../domain';

export type DeviceRow = DeviceStatus & { latest: Reading | null };

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

/** The last reading per device in a batch (batches arrive in order). */
export function latestPerDevice(rs: readonly Reading[]): Map<string, Reading> {
  const m = new Map<string, Reading>();
  for (const r of rs) if (r && typeof r.device_id === 'string') m.set(r.device_id, r);
  return m;
}

export const usePlant = create<PlantState>()((set) => ({
  devices: {},
  simulator: null,
  ingest: null,
  scenarios: [],
  lastReadingsAt: null,
  setSnapshot: (s) =>
    set((st) => ({
      devices: Object.fromEntries(s.devices.map((d) => [d.device_id, { ...d, latest: d.latest ?? st.devices[d.device_id]?.latest ?? null }])),
      simulator: s.simulator,
      ingest: s.ingest,
    })),
  applyReadings: (rs, now = Date.now()) =>
    set((st) => {
      const last = latestPerDevice(rs);
      if (last.size === 0) return {};
      const devices = { ...st.devices };
      for (const [id, r] of last) {
        const d = devices[id] ?? { device_id: id, state: 'running' as const, load_pct: 100, latest: null };
        const { ts: _ts, ...reading } = r as Reading & { ts?: number };
        devices[id] = { ...d, latest: reading };
      }
      return { devices, lastReadingsAt: now };
    }),
  applyDeviceStatus: (s) =>
    set((st) => ({ devices: { ...st.devices, [s.device_id]: { ...st.devices[s.device_id], ...s, latest: st.devices[s.device_id]?.latest ?? null } } })),
  setSimulator: (s) => set({ simulator: s }),
  setScenarios: (scenarios) => set({ scenarios }),
}));
