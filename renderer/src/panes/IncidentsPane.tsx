// Incidents: anomaly episodes as they open, evolve and close, with their type, confidence and
// acknowledgement (operator or approved agent). Incident reports join here when the contract carries them.
import { useMemo, useState } from 'react';
import { SEVERITIES } from '../../../shared/anomalies';
import { Empty, fmtDateTime } from '../components/ui';
import { useServices } from '../context';
import { useAnomalies } from '../store/anomalies';

export default function IncidentsPane() {
  const { actions } = useServices();
  const episodes = useAnomalies((s) => s.episodes);
  const loaded = useAnomalies((s) => s.loaded);
  const [status, setStatus] = useState<'all' | 'open' | 'closed'>('all');
  const [device, setDevice] = useState('');
  const list = useMemo(
    () =>
      Object.values(episodes)
        .filter((e) => (status === 'all' || e.status === status) && (!device || e.device_id.includes(device)))
        .sort((a, b) => Number(b.status === 'open') - Number(a.status === 'open') || b.start_ts - a.start_ts),
    [episodes, status, device],
  );
  return (
    <div className="incidents">
      <div className="row toolbar">
        <select value={status} onChange={(e) => setStatus(e.target.value as never)} aria-label="status">
          <option value="all">all episodes</option>
          <option value="open">open</option>
          <option value="closed">closed</option>
        </select>
        <input placeholder="device" value={device} onChange={(e) => setDevice(e.target.value)} aria-label="device filter" />
        <button type="button" onClick={() => void actions.refreshAnomalies()}>
          Refresh
        </button>
      </div>
      {list.length === 0 ? (
        <Empty loaded={loaded}>No anomaly episodes recorded.</Empty>
      ) : (
        <table className="grid compact">
          <thead>
            <tr>
              <th>Start (plant time)</th>
              <th>Device</th>
              <th>Type</th>
              <th>Severity</th>
              <th>Sensors</th>
              <th>Status</th>
              <th>Acknowledged</th>
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id} data-episode-id={e.id}>
                <td>{fmtDateTime(e.start_ts)}</td>
                <td>{e.device_id}</td>
                <td>
                  {e.type_hint.replace(/_/g, ' ')} <span className="muted">{Math.round(e.confidence * 100)} %</span>
                </td>
                <td className={SEVERITIES.indexOf(e.severity) >= 3 ? 'abnormal' : ''}>{e.severity}</td>
                <td>{e.sensors.join(', ')}</td>
                <td className={e.status === 'open' ? 'abnormal' : 'muted'}>
                  {e.status}
                  {e.end_ts ? <span className="muted"> · {Math.round((e.end_ts - e.start_ts) / 60000)} min</span> : null}
                </td>
                <td>
                  {e.acknowledged_by ? (
                    <span title={e.ack_note ?? ''}>{e.acknowledged_by}</span>
                  ) : (
                    <button type="button" onClick={() => void actions.ackEpisode(e.id)}>
                      Acknowledge
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
