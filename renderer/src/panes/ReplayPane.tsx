// Replay controls: pause/resume, speed, seek to a position in the dataset, jump to a scenario. The
// dataset position (the replayed row's own timestamp, UTC) is not the plant time: in shift mode the
// replay carries on from the plant clock's present, so the plant time shown is the top bar's (PlantNow).
import { useState } from 'react';
import { useServices } from '../context';
import { SCENARIO_TYPES } from '../domain';
import { usePlant } from '../store/plant';
import { Empty } from '../components/ui';
import { PlantNow } from '../components/PlantTime';
import { DeviceName } from '../components/DeviceName';

const SPEEDS = [1, 10, 100, 1000, 0] as const;

export default function ReplayPane() {
  const { actions } = useServices();
  const sim = usePlant((s) => s.simulator);
  const scenarios = usePlant((s) => s.scenarios);
  const [seek, setSeek] = useState('');
  if (!sim) return <Empty loaded={false}>The replay simulator is not available.</Empty>;
  if (!sim.running && sim.totalRows === 0) return <Empty>The replay simulator is disabled in this configuration (real sensors only).</Empty>;
  const pct = sim.totalRows ? (100 * sim.rowIndex) / sim.totalRows : 0;
  return (
    <div className="replay">
      <div className="row">
        <button type="button" onClick={() => void actions.simulator({ action: sim.paused ? 'resume' : 'pause' })} data-action="pause-resume">
          {sim.paused ? 'Resume' : 'Pause'}
        </button>
        <label>
          Speed{' '}
          <select value={sim.speed} onChange={(e) => void actions.simulator({ action: 'speed', speed: Number(e.target.value) })} aria-label="Replay speed">
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s === 0 ? 'max' : `${s}×`}
              </option>
            ))}
            {!SPEEDS.includes(sim.speed as never) && <option value={sim.speed}>{sim.speed}×</option>}
          </select>
        </label>
        <span>
          plant time{' '}
          <b data-field="replay-plant-time">
            <PlantNow />
          </b>{' '}
          · dataset position <b data-field="sim-time">{sim.simTime ? `${sim.simTime.replace('T', ' ').slice(0, 19)} UTC` : '—'}</b> ·{' '}
          {sim.paused ? 'paused' : 'running'}
          {sim.finished ? ' · finished' : ''}
        </span>
      </div>
      <div className="progress" title={`dataset position: row ${sim.rowIndex.toLocaleString()} of ${sim.totalRows.toLocaleString()}`}>
        <div style={{ width: `${pct}%` }} />
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (seek) void actions.simulator({ action: 'seek', simTime: new Date(seek + 'Z').toISOString() });
        }}
      >
        <label>
          Seek to dataset position (UTC) <input type="datetime-local" step="1" value={seek} onChange={(e) => setSeek(e.target.value)} />
        </label>
        <button type="submit" disabled={!seek}>
          Seek
        </button>
      </form>
      <h3>Jump to scenario</h3>
      <div className="row wrap">
        {(scenarios.length ? scenarios : SCENARIO_TYPES.map((type) => ({ type, device_id: '', startHour: NaN, endHour: NaN }))).map((s) => (
          <button key={s.type} type="button" data-scenario={s.type} onClick={() => void actions.simulator({ action: 'jump', scenario: s.type })}>
            {s.type.replace(/_/g, ' ')}
            {s.device_id ? (
              <span className="muted">
                {' '}
                · <DeviceName id={s.device_id} /> · {String(s.startHour).padStart(2, '0')}:00
              </span>
            ) : null}
          </button>
        ))}
      </div>
    </div>
  );
}
