// Contract handlers for the plant's readings (shared/schemas/plant.ts): the control room's snapshot,
// recent history and trend ranges. The data lives here (live cache) and in the readings store; the
// replay simulator's view comes in through a port, so ingest works the same with real sensors.
import { DEVICE_IDS, type DeviceStatus } from '../../../shared/domain';
import type { ReadingColumns, SimulatorStatus } from '../../../shared/contract';
import type { CoreApi } from '../api';
import type { ReadingsRepository } from '../store';
import type { IngestService } from '.';
import { stripTs, type LiveCache } from './live';

/** What the snapshot shows of the plant model (the replay simulator, or nothing with real sensors). */
export interface PlantView {
  /** The dataset's devices; null without a simulator (then the seed's nine). */
  devices(): readonly string[] | null;
  statuses(): DeviceStatus[];
  simulator(): SimulatorStatus | null;
}

const IDLE_SIMULATOR: SimulatorStatus = { running: false, paused: false, speed: 0, simTime: null, rowIndex: 0, totalRows: 0, published: 0, finished: false };

export function registerReadingsApi(api: CoreApi, deps: { live: LiveCache; ingest: IngestService; readings: ReadingsRepository; plant: PlantView }): void {
  const { live, ingest, readings, plant } = deps;
  api.register('plant.snapshot', () => {
    const ids = new Set<string>([...(plant.devices() ?? DEVICE_IDS), ...live.devices()]);
    const statuses = new Map(plant.statuses().map((d) => [d.device_id, d]));
    return {
      devices: [...ids].sort().map((id) => {
        const latest = live.latest(id);
        const st = statuses.get(id) ?? { device_id: id, state: 'running' as const, load_pct: 100 };
        return { ...st, latest: latest ? stripTs(latest) : null };
      }),
      simulator: plant.simulator() ?? IDLE_SIMULATOR,
      ingest: ingest.counters(),
    };
  });
  api.register('plant.history', ({ device_id, limit }) => {
    const n = Math.min(Math.max(limit ?? 120, 1), 5000);
    const cached = live.recent(device_id, n);
    return cached.length >= n ? cached.map(stripTs) : readings.latest(device_id, n);
  });
  api.register('plant.range', (p) => {
    const maxPoints = Math.min(Math.max(Math.floor(p.maxPoints ?? 20_000), 10), 50_000);
    // One day at 5 s is 17,280 rows: read at most 200k, thin evenly so a week still fits one chart.
    const rows = readings.range(p.device_id, p.from, p.to, 200_000);
    const step = Math.max(1, Math.ceil(rows.length / maxPoints));
    const picked: typeof rows = [];
    for (let i = 0; i < rows.length; i += step) picked.push(rows[i]);
    // One series per tag key seen in the range; null where a (partial) reading lacks the tag.
    const keys = new Set<string>();
    for (const r of picked) for (const k of Object.keys(r.values)) keys.add(k);
    const out: ReadingColumns = { device_id: p.device_id, ts: picked.map((r) => Date.parse(r.timestamp)), series: {} };
    // Values to 0.001 (finer than any sensor here resolves): a day's reply shrinks from ~1.8 MB to ~0.8 MB of JSON.
    const q = (v: number | undefined) => (v === undefined ? null : Math.round(v * 1000) / 1000);
    for (const k of keys) out.series[k] = picked.map((r) => q(r.values[k]));
    return out;
  });
}
