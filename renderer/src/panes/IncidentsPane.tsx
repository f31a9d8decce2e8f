// Incidents: the reports agents filed (log_incident_report: cause, actions, outcome, lessons) and the
// anomaly episodes as they open, evolve and close, with type, confidence and acknowledgement.
import { useEffect, useMemo, useState } from 'react';
import { SEVERITIES } from '../../../shared/anomalies';
import type { IncidentView } from '../../../shared/contract';
import { unwrap } from '../api/client';
import { AgentName } from '../components/AgentName';
import { DeviceName } from '../components/DeviceName';
import { ExpandingTable, type Column } from '../components/ExpandingTable';
import { Empty } from '../components/ui';
import { PlantTime } from '../components/PlantTime';
import { throttle } from '../sync';
import { useServices } from '../context';
import { useAnomalies } from '../store/anomalies';
import { useModel } from '../store/model';

export default function IncidentsPane() {
  const { actions, client } = useServices();
  const [reports, setReports] = useState<{ items: IncidentView[]; total: number } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    const load = throttle(() => {
      unwrap(client.api.incidentsList({ limit: 50 })).then(setReports, () => setReports((r) => r ?? { items: [], total: 0 }));
    }, 1000);
    load();
    const off = client.api.onMcpCall((c) => c.tool === 'log_incident_report' && load());
    const t = setInterval(load, 15_000);
    return () => {
      off();
      clearInterval(t);
      load.cancel();
    };
  }, [client]);
  const episodes = useAnomalies((s) => s.episodes);
  const loaded = useAnomalies((s) => s.loaded);
  const [status, setStatus] = useState<'all' | 'open' | 'closed'>('all');
  const [device, setDevice] = useState('');
  const assets = useModel((s) => s.assets);
  const list = useMemo(() => {
    // What the operator reads (the asset's name) filters as well as the id on hover.
    const q = device.trim().toLowerCase();
    const hit = (id: string) => id.toLowerCase().includes(q) || (assets.get(id)?.name.toLowerCase().includes(q) ?? false);
    return Object.values(episodes)
      .filter((e) => (status === 'all' || e.status === status) && (!q || hit(e.device_id)))
      .sort((a, b) => Number(b.status === 'open') - Number(a.status === 'open') || b.start_ts - a.start_ts);
  }, [episodes, status, device, assets]);
  return (
    <div className="incidents">
      <h3>Incident reports{reports ? ` (${reports.total})` : ''}</h3>
      {!reports || reports.items.length === 0 ? (
        <Empty loaded={!!reports}>No incident reports yet. Agents file them with log_incident_report.</Empty>
      ) : (
        <ExpandingTable
          columns={REPORT_COLUMNS}
          rows={reports.items}
          rowId={(r) => r.id}
          rowAttr="data-incident-id"
          openId={open}
          onOpen={setOpen}
          cells={(r) => (
            <>
              <td className="nowrap">
                <PlantTime wall={r.ts} />
              </td>
              <td>
                <DeviceName id={r.device_id} />
              </td>
              <td>{r.title}</td>
              <td className={r.severity === 'critical' || r.severity === 'high' ? 'abnormal' : ''}>{r.severity}</td>
              <td>
                <AgentName id={r.agent_id} fallback="operator" />
              </td>
            </>
          )}
          detail={(r) => (
            <dl className="kv">
              <dt>Root cause</dt>
              <dd>{r.root_cause}</dd>
              <dt>Actions</dt>
              <dd>{r.actions_taken}</dd>
              {r.outcome ? (
                <>
                  <dt>Outcome</dt>
                  <dd>{r.outcome}</dd>
                </>
              ) : null}
              {r.lessons_learned ? (
                <>
                  <dt>Lessons</dt>
                  <dd>{r.lessons_learned}</dd>
                </>
              ) : null}
              {r.manual_sections.length ? (
                <>
                  <dt>Manual</dt>
                  <dd>SOP {r.manual_sections.join(', ')}</dd>
                </>
              ) : null}
            </dl>
          )}
        />
      )}
      <h3>Anomaly episodes</h3>
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
                <td>
                  <PlantTime plant={e.start_ts} />
                </td>
                <td>
                  <DeviceName id={e.device_id} />
                </td>
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

const REPORT_COLUMNS: readonly Column[] = [{ label: 'Time' }, { label: 'Device' }, { label: 'Title' }, { label: 'Severity' }, { label: 'Agent' }];
