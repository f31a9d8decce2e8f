// Plant overview: the nine devices, their state, live values with units, and what is wrong with them.
import { useMemo } from 'react';
import { ALARM_PRIORITIES, type AlarmPriority } from '../../../shared/anomalies';
import { Empty, PriorityBadge } from '../components/ui';
import { SENSORS, SENSOR_DIGITS, SENSOR_UNITS } from '../domain';
import { useAlarms } from '../store/alarms';
import { useAnomalies } from '../store/anomalies';
import { usePlant } from '../store/plant';
import { useServices } from '../context';
import { showTrend } from '../navigate';

const fmt = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/**
 * ISA-101 analog indicator: a grey track, the normal band (± 2 σ of this device's own recent running)
 * in a darker grey, and the value as a mark. No colour: a value far outside its band is visible by
 * position; colour is left to the alarms.
 */
function Analog({ value, band }: { value: number | undefined; band: { mean: number; sd: number } | null }) {
  if (value === undefined || !Number.isFinite(value) || !band || !(band.sd > 0)) return <span className="analog" />;
  const half = Math.max(5 * band.sd, Math.abs(value - band.mean) * 1.1);
  const x = (v: number) => ((v - (band.mean - half)) / (2 * half)) * 60;
  const z = (value - band.mean) / band.sd;
  return (
    <svg className="analog" width="60" height="7" viewBox="0 0 60 7" aria-label={`${z.toFixed(1)} σ from normal`} data-z={z.toFixed(2)}>
      <rect x="0" y="2" width="60" height="3" fill="#c4c4c4" />
      <rect x={x(band.mean - 2 * band.sd)} y="1" width={x(band.mean + 2 * band.sd) - x(band.mean - 2 * band.sd)} height="5" fill="#9a9a9a" />
      <rect x={Math.min(58, Math.max(0, x(value) - 1))} y="0" width={Math.abs(z) > 3 ? 3 : 2} height="7" fill="#1e1e1e" />
    </svg>
  );
}

export default function PlantPane() {
  const { live } = useServices();
  const devices = usePlant((s) => s.devices);
  const alarms = useAlarms((s) => s.alarms);
  const episodes = useAnomalies((s) => s.episodes);
  const ids = Object.keys(devices).sort();

  const perDevice = useMemo(() => {
    const m = new Map<string, { count: number; top: AlarmPriority | null; unacked: number }>();
    for (const a of Object.values(alarms)) {
      if (a.state === 'normal' || a.state === 'shelved' || a.state === 'suppressed' || a.state === 'out_of_service') continue;
      const e = m.get(a.source) ?? { count: 0, top: null, unacked: 0 };
      e.count++;
      if (a.state === 'unacknowledged' || a.state === 'rtn_unacknowledged') e.unacked++;
      if (e.top === null || ALARM_PRIORITIES.indexOf(a.priority) < ALARM_PRIORITIES.indexOf(e.top)) e.top = a.priority;
      m.set(a.source, e);
    }
    return m;
  }, [alarms]);
  const openEpisodes = useMemo(() => {
    const m = new Map<string, string>();
    for (const e of Object.values(episodes)) if (e.status === 'open') m.set(e.device_id, e.type_hint.replace(/_/g, ' '));
    return m;
  }, [episodes]);

  if (ids.length === 0) return <Empty loaded={false}>No devices yet.</Empty>;
  return (
    <table className="grid plant-table">
      <thead>
        <tr>
          <th scope="col">Device</th>
          <th scope="col">State</th>
          <th scope="col">Load</th>
          {SENSORS.map((s) => (
            <th scope="col" key={s} className="num">
              {s} <span className="unit">{SENSOR_UNITS[s]}</span>
            </th>
          ))}
          <th scope="col">Alarms</th>
          <th scope="col">Anomaly</th>
        </tr>
      </thead>
      <tbody>
        {ids.map((id) => {
          const d = devices[id];
          const al = perDevice.get(id);
          const ep = openEpisodes.get(id);
          return (
            <tr
              key={id}
              data-device={id}
              className={al?.unacked ? 'row-alarm clickable' : 'clickable'}
              onClick={() => showTrend(id)}
              title="Show this device's trends"
            >
              <th scope="row">{id}</th>
              <td className={d.state === 'running' ? '' : 'abnormal'} data-field="state">
                {d.state}
              </td>
              <td className="num">{d.load_pct} %</td>
              {SENSORS.map((s) => (
                <td key={s} className="num" data-sensor={s}>
                  {fmt(d.latest?.values[s], SENSOR_DIGITS[s])}
                  <Analog value={d.latest?.values[s]} band={live.band(id, s)} />
                </td>
              ))}
              <td className="nowrap">
                {al ? (
                  <>
                    <PriorityBadge p={al.top!} /> {al.count}
                  </>
                ) : (
                  <span className="muted">none</span>
                )}
              </td>
              <td className={ep ? 'abnormal' : 'muted'}>{ep ?? '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
