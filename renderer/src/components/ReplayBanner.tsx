// A paused replay must not pass for a live plant: while paused, a banner across the whole workspace
// says so, with the plant time the values are frozen at and a Resume button. Not red: it is not an alarm.
import type { SimulatorStatus } from '../../../shared/contract';
import { useServices } from '../context';
import { PlantNow } from './PlantTime';

export function ReplayPausedBanner({ sim }: { sim: SimulatorStatus }) {
  const { actions } = useServices();
  return (
    <div className="banner paused-box" role="status" data-banner="replay-paused">
      <b>REPLAY PAUSED</b> at plant time{' '}
      <span title={sim.simTime ? `dataset position ${sim.simTime.replace('T', ' ').slice(0, 19)} UTC` : undefined}>
        <PlantNow />
      </span>
      : values on screen are frozen, not live.{' '}
      <button type="button" onClick={() => void actions.simulator({ action: 'resume' })} data-action="resume-replay">
        Resume
      </button>
    </div>
  );
}
