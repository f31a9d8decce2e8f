import { useEffect, useState } from 'react';
import { unwrap, type Client, type ConnectionState } from './api/client';
import { PlantPane } from './panes/PlantPane';
import { usePlant } from './store/plant';

export function App({ client }: { client: Client }) {
  const [conn, setConn] = useState<ConnectionState>('connecting');
  const sim = usePlant((s) => s.simulator);
  const ingest = usePlant((s) => s.ingest);

  useEffect(() => {
    const { api } = client;
    const plant = usePlant.getState();
    const refresh = () => unwrap(api.plantSnapshot({})).then(plant.setSnapshot).catch(() => {});
    const offs = [
      client.onConnection((s) => {
        setConn(s);
        if (s === 'open') void refresh();
      }),
      api.onReadings((rs) => usePlant.getState().applyReadings(rs)),
      api.onDeviceStatus((s) => usePlant.getState().applyDeviceStatus(s)),
      api.onSimulatorStatus((s) => usePlant.getState().setSimulator(s)),
    ];
    const t = setInterval(refresh, 5000);
    return () => {
      offs.forEach((off) => off());
      clearInterval(t);
    };
  }, [client]);

  const control = (p: Parameters<Client['api']['simulatorControl']>[0]) =>
    unwrap(client.api.simulatorControl(p)).then(usePlant.getState().setSimulator);

  return (
    <div className="app">
      <header className="topbar">
        <strong>AegisFlow</strong>
        <span className={conn === 'open' ? 'conn ok' : 'conn abnormal'}>{conn === 'open' ? 'connected' : conn}</span>
        {sim && (
          <span className="sim">
            plant time <b>{sim.simTime?.replace('T', ' ').slice(0, 19) ?? '—'}</b> · ×{sim.speed} · {sim.paused ? 'paused' : 'running'}
            <button onClick={() => void control({ action: sim.paused ? 'resume' : 'pause' })}>{sim.paused ? 'Resume' : 'Pause'}</button>
          </span>
        )}
        {ingest && (
          <span className="ingest">
            stored {ingest.stored.toLocaleString()} · rejected {ingest.rejected.toLocaleString()}
          </span>
        )}
      </header>
      <main>
        <PlantPane />
      </main>
    </div>
  );
}
