// Trends: five sensors of one or more devices, live from the ring buffers (never React state per
// sample), with a day of stored history loaded for zoom/pan and anomaly episodes shaded.
import { useEffect, useMemo, useRef, useState } from 'react';
import { TrendStack } from '../charts/trendStack';
import { PALETTE } from '../charts/trendStack';
import { useServices } from '../context';
import { DEVICE_IDS, SENSORS, SENSOR_DIGITS, SENSOR_UNITS, type Sensor } from '../domain';
import { episodesOf, useAnomalies } from '../store/anomalies';
import { useConnection } from '../store/connection';
import { usePlant } from '../store/plant';
import { TREND_WINDOWS, useTrends } from '../store/trends';

export default function TrendsPane() {
  const { live, actions } = useServices();
  const devices = useTrends((s) => s.devices);
  const windowSec = useTrends((s) => s.windowSec);
  const [following, setFollowing] = useState(true);
  const [latest, setLatest] = useState<Record<Sensor, Array<number | null>> | null>(null);
  const [history, setHistory] = useState<'idle' | 'loading' | 'done'>('idle');
  const [firstDrawMs, setFirstDrawMs] = useState<number | null>(null);
  const elRef = useRef<HTMLDivElement>(null);
  const stackRef = useRef<TrendStack | null>(null);
  const episodes = useAnomalies((s) => s.episodes);
  const plantDevices = usePlant((s) => s.devices);
  const known = useMemo(() => [...new Set([...DEVICE_IDS, ...Object.keys(plantDevices)])].sort(), [plantDevices]);

  // One chart stack per device selection; the window changes without a rebuild.
  useEffect(() => {
    if (!elRef.current || devices.length === 0) return;
    const stack = new TrendStack(elRef.current, {
      live,
      devices,
      windowSec,
      onFollowChange: setFollowing,
      onLatest: setLatest,
      onFirstDraw: (ms, points) => {
        setFirstDrawMs(ms);
        // For bench:ui and anyone profiling: when the charts first showed data, and how much.
        performance.mark('aegisflow:trend-first-draw', { detail: { ms, points, devices } });
      },
    });
    stackRef.current = stack;
    setFollowing(true);
    return () => {
      stack.destroy();
      stackRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, devices.join('|')]);

  useEffect(() => stackRef.current?.setWindow(windowSec), [windowSec]);

  useEffect(() => {
    stackRef.current?.setEpisodes(episodesOf(episodes, devices));
  }, [episodes, devices]);

  // A day of stored history behind the live tail, so zoom and pan reach back before this page opened.
  // Asked once the link is up (and again after a reconnect: what was missed while away is in the store).
  const linkOpen = useConnection((s) => s.state === 'open');
  useEffect(() => {
    if (!linkOpen) return;
    let cancelled = false;
    setHistory('loading');
    void (async () => {
      for (const d of devices) {
        const latestTs = Date.parse(usePlant.getState().devices[d]?.latest?.timestamp ?? '');
        const lastLive = live.device(d).lastTime();
        const to = Math.max(Number.isFinite(latestTs) ? latestTs : 0, lastLive ? lastLive * 1000 : 0) || Date.now();
        await actions.loadHistory(d, to - 86_400_000, to + 3_600_000);
        if (cancelled) return;
      }
      setHistory('done');
    })();
    return () => {
      cancelled = true;
    };
  }, [devices.join('|'), linkOpen]); // eslint-disable-line react-hooks/exhaustive-deps

  const toggle = useTrends((s) => s.toggle);

  return (
    <div className="trends" data-first-draw-ms={firstDrawMs ?? ''} data-history={history}>
      <div className="row toolbar wrap">
        <details className="device-picker">
          <summary>
            Devices: <b>{devices.join(', ')}</b>
          </summary>
          <div className="picker">
            {known.map((d) => (
              <label key={d}>
                <input type="checkbox" checked={devices.includes(d)} onChange={() => toggle(d)} /> {d}
              </label>
            ))}
          </div>
        </details>
        <select value={windowSec} onChange={(e) => useTrends.getState().setWindow(Number(e.target.value))} aria-label="Time window">
          {TREND_WINDOWS.map((w) => (
            <option key={w.sec} value={w.sec}>
              {w.label}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => stackRef.current?.pan(-0.5)} title="Back in time">
          ◀
        </button>
        <button type="button" onClick={() => stackRef.current?.zoom(2)} title="Zoom out">
          −
        </button>
        <button type="button" onClick={() => stackRef.current?.zoom(0.5)} title="Zoom in">
          +
        </button>
        <button type="button" onClick={() => stackRef.current?.pan(0.5)} title="Forward in time">
          ▶
        </button>
        <button type="button" className={following ? 'on' : ''} onClick={() => stackRef.current?.follow()} data-action="live">
          {following ? 'Live' : 'Back to live'}
        </button>
        <span className="muted">{history === 'loading' ? 'loading stored history…' : 'drag to zoom · shaded = anomaly episode'}</span>
      </div>
      <table className="grid compact latest">
        <thead>
          <tr>
            <th />
            {SENSORS.map((s) => (
              <th key={s} className="num">
                {s} <span className="unit">{SENSOR_UNITS[s]}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {devices.map((d, i) => (
            <tr key={d} data-trend-device={d}>
              <th scope="row">
                <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} /> {d}
              </th>
              {SENSORS.map((s) => {
                const v = latest?.[s]?.[i];
                return (
                  <td key={s} className="num" data-latest={s} data-value={v ?? ''}>
                    {v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(SENSOR_DIGITS[s])}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div ref={elRef} className="trend-stack" />
    </div>
  );
}
