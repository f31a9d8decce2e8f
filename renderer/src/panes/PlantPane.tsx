import { SENSORS, SENSOR_UNITS } from '../../../shared/domain';
import { usePlant } from '../store/plant';

const fmt = (v: number | undefined, digits = 1) => (v === undefined ? '—' : v.toFixed(digits));

export function PlantPane() {
  const devices = usePlant((s) => s.devices);
  const ids = Object.keys(devices).sort();
  return (
    <section className="pane" aria-label="Plant">
      <h2>Plant</h2>
      <table className="plant-table">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">State</th>
            <th scope="col">Load</th>
            {SENSORS.map((s) => (
              <th scope="col" key={s}>
                {s} <span className="unit">{SENSOR_UNITS[s]}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => {
            const d = devices[id]!;
            return (
              <tr key={id} data-device={id}>
                <th scope="row">{id}</th>
                <td className={d.state === 'running' ? '' : 'abnormal'}>{d.state}</td>
                <td>{d.load_pct} %</td>
                {SENSORS.map((s) => (
                  <td key={s} className="num">
                    {fmt(d.latest?.[s], s === 'vibration' ? 2 : 1)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
