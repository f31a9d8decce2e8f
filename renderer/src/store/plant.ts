// Plant slice: device statuses with their latest reading, simulator status, ingest counters.
// Readings update the latest values only (history for trends lives outside React, in ring buffers).
import { create } from 'zustand';
import type { PlantSnapshot, SimulatorStatus } from '../../../shared/contract';
import type { DeviceStatus, Reading } from '../../../shared/domain';

type DeviceRow = DeviceStatus & { latest: Reading | null };

export interface PlantState {
  devices: Record<string, DeviceRow>;
  simulator: SimulatorStatus | null;
  ingest: PlantSnapshot['ingest'] | null;
  setSnapshot(s: PlantSnapshot): void;
  applyReadings(rs: Reading[]): void;
  applyDeviceStatus(s: DeviceStatus): void;
  setSimulator(s: SimulatorStatus): void;
}

export const usePlant = create<PlantState>((set) => ({
  devices: {},
  simulator: null,
  ingest: null,
  setSnapshot: (s) =>
    set({ devices: Object.fromEntries(s.devices.map((d) => [d.device_id, d])), simulator: s.simulator, ingest: s.ingest }),
  applyReadings: (rs) =>
    set((st) => {
      const devices = { ...st.devices };
      for (const r of rs) {
        const d = devices[r.device_id] ?? { device_id: r.device_id, state: 'running', load_pct: 100, latest: null };
        devices[r.device_id] = { ...d, latest: r };
      }
      return { devices };
    }),
  applyDeviceStatus: (s) => set((st) => ({ devices: { ...st.devices, [s.device_id]: { ...st.devices[s.device_id], ...s, latest: st.devices[s.device_id]?.latest ?? null } } })),
  setSimulator: (s) => set({ simulator: s }),
}));
