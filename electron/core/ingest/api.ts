// Contract handlers for the plant's readings (shared/schemas/plant.ts): the control room's snapshot,
// recent history and trend ranges. The data lives here (live cache) and in the readings store; the
// replay simulator's view comes in through a port, so ingest works the same with real sensors.
import type { DeviceStatus } from '../../../shared/domain';
import { unknownDeviceStatus } from '../../../shared/schemas/plant';
import type { ReadingColumns, SimulatorStatus } from '../../../shared/contract';
import { CoreError, operatorOf, type CoreApi } from '../api';
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

/** An operator trusted a connector's server certificate: the composition root appends it to the audit chain. */
export type TrustAudit = (e: { actor: string; connector: string; thumbprint: string; subject: string }) => void;

export function registerReadingsApi(
  api: CoreApi,
  deps: { live: LiveCache; ingest: IngestService; readings: ReadingsRepository; plant: PlantView; audit?: TrustAudit },
): void {
  const { live, ingest, readings, plant } = deps;
  api.register('plant.snapshot', () => {
    const ids = new Set<string>([...ingest.deviceIds(), ...(plant.devices() ?? [])]);
    const statuses = new Map(plant.statuses().map((d) => [d.device_id, d]));
    return {
      devices: [...ids].sort().map((id) => {
        const st = statuses.get(id) ?? unknownDeviceStatus(id);
        // Each tag's latest value with its quality now (stale, connector down), not only the last message.
        return { ...st, latest: ingest.liveReading(id) };
      }),
      simulator: plant.simulator() ?? IDLE_SIMULATOR,
      ingest: ingest.counters(),
    };
  });
  api.register('connectors.status', () => ingest.connectors());
  api.register('connectors.trust', async ({ connector, thumbprint }, caller) => {
    const tp = thumbprint.toLowerCase();
    const waiting = ingest.connectors().find((c) => c.id === connector && c.untrusted?.thumbprint.toLowerCase() === tp)?.untrusted;
    if (waiting) {
      // An operator's decision to let a server in is on the audit chain (who, which connector, which certificate)
      // before it takes effect: if the row cannot be written, nothing is trusted.
      deps.audit?.({ actor: operatorOf(caller).name, connector, thumbprint: tp, subject: waiting.subject });
      if (await ingest.trust(connector, tp)) return { trusted: true as const };
    }
    throw new CoreError('not_found', `connector ${connector} is not waiting on a server certificate with thumbprint ${thumbprint}`);
  });
  api.register('plant.history', ({ device_id, limit }) => {
    const n = Math.min(Math.max(limit ?? 120, 1), 5000);
    const cached = live.recent(device_id, n);
    return cached.length >= n ? cached.map(stripTs) : readings.latest(device_id, n);
  });
  // Values to 0.001 (finer than any sensor here resolves): a day's reply shrinks from ~1.8 MB to ~0.8 MB of JSON.
  const q = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  const clampPoints = (n: number | undefined, dflt: number) => Math.min(Math.max(Math.floor(n ?? dflt), 10), 50_000);
  api.register('plant.range', (p) => {
    // The device's tags through the store's trend read (raw, time buckets, or the rollup), on one ts axis.
    const tags = readings.tagKeys(p.device_id);
    const series = readings.tagRange(
      tags.map((k) => `${p.device_id}/${k}`),
      p.from,
      p.to,
      clampPoints(p.maxPoints, 20_000),
    );
    const ts = [...new Set(series.flatMap((s) => s.ts))].sort((a, b) => a - b);
    const out: ReadingColumns = { device_id: p.device_id, ts, series: {} };
    tags.forEach((k, j) => {
      const byTs = new Map(series[j].ts.map((t, i) => [t, series[j].value[i]]));
      if (byTs.size) out.series[k] = ts.map((t) => q(byTs.get(t) ?? null));
    });
    return out;
  });
  api.register('plant.tagRange', (p) => readings.tagRange(p.tags, p.from, p.to, clampPoints(p.maxPoints, 1000)).map((s) => ({ ...s, value: s.value.map(q) })));
}
