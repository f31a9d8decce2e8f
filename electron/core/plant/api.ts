// Contract handlers for the replay simulator (shared/schemas/plant.ts 'simulator.*'), and the plant's
// view for the readings snapshot (ingest/api.ts's PlantView, matched by shape: plant does not import ingest). Params arrive validated by the request registry.
import type { AssetView } from '../../../shared/schemas/model';
import { CoreError, type CoreApi } from '../api';
import type { Clock } from '../clock';
import type { Plant } from '.';
import { consequencePreview, PreviewUnavailable } from './preview';

/** What the preview needs from governance and the model, as ports (plant does not import governance). */
export interface PreviewPorts {
  clock: Clock;
  asset(deviceId: string): AssetView | undefined;
  /** A pending approval's device command, or why there is none. */
  approvalCommand(id: string): { deviceId: string; command: string; params: Record<string, unknown> } | { problem: string; code: string };
  /** The core issued this preview for this approval: a decision may cite its hash. */
  notePreview(approvalId: string, hash: string): void;
}

export function registerPreviewApi(api: CoreApi, plant: Plant | null, ports: PreviewPorts): void {
  api.register('approvals.preview', (p) => {
    const cmd = ports.approvalCommand(p.id);
    if ('problem' in cmd) throw new CoreError(cmd.code, cmd.problem);
    if (!plant) throw new CoreError('no_preview', 'no simulator runs in this configuration: no device model to preview with');
    try {
      const preview = consequencePreview(plant.simulator, ports.asset(cmd.deviceId), { approvalId: p.id, ...cmd }, ports.clock);
      ports.notePreview(p.id, preview.hash);
      return preview;
    } catch (err) {
      if (err instanceof PreviewUnavailable) throw new CoreError('no_preview', err.message);
      throw err;
    }
  });
}

export function plantView(plant: Plant | null) {
  return {
    devices: () => plant?.dataset.devices ?? null,
    statuses: () => plant?.simulator.devices() ?? [],
    simulator: () => plant?.simulator.status() ?? null,
  };
}

export function registerSimulatorApi(api: CoreApi, plant: Plant | null): void {
  const simulator = () => {
    if (!plant) throw new CoreError('no_simulator', 'the replay simulator is disabled in this configuration');
    return plant.simulator;
  };
  api.register('simulator.control', (p) => {
    const sim = simulator();
    try {
      if (p.action === 'pause') sim.pause();
      else if (p.action === 'resume') sim.resume();
      else if (p.action === 'speed') sim.setSpeed(p.speed);
      else if (p.action === 'seek') sim.seek(p.simTime);
      else sim.jumpToScenario(p.scenario, p.leadSeconds);
    } catch (err) {
      // The simulator's refusals (a time outside the data, a scenario it does not hold) are the caller's to fix.
      throw new CoreError('bad_request', (err as Error).message);
    }
    return sim.status();
  });
  api.register('simulator.scenarios', () => simulator().scenarios());
  api.register('simulator.clockSegments', (p) => simulator().clockSegments(p.from, p.to));
}
