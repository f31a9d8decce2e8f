// Contract handlers for the replay simulator (shared/schemas/plant.ts 'simulator.*'), and the plant's
// view for the readings snapshot (ingest/api.ts's PlantView, matched by shape: plant does not import ingest). Params arrive validated by the request registry.
import { CoreError, type CoreApi } from '../api';
import type { Plant } from '.';

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
}
