// Trends: any tags of the plant, one chart per unit, live from the ring buffers (never React state per
// sample), with a day of stored history loaded for zoom/pan, anomaly episodes shaded, the model's normal
// band and alarm limits, and markers at their plant time of the devices' alarms, approvals, commands,
// incident reports and operator annotations (panes/trends/markers.ts). Times are plant time. A click on a
// chart picks a time for an annotation; a click on a marker opens what it stands for.
import { useEffect, useMemo, useRef, useState } from 'react';
import { PALETTE, TrendStack, type MarkerKind, type TrendTag } from '../charts/trendStack';
import { useAlarms } from '../store/alarms';
import { fmtClock, fmtWall, plantToWall, usePlantNow, wallToPlant } from '../time';
import { useServices } from '../context';
import { episodesOf, useAnomalies } from '../store/anomalies';
import { useConnection } from '../store/connection';
import { useModel } from '../store/model';
import { usePlantClock } from '../store/clock';
import { usePlant } from '../store/plant';
import { TREND_WINDOWS, useTrends } from '../store/trends';
import { Empty } from '../components/ui';
import { fmtValue, tagDigits } from './plant/status';
import { useAgents } from '../store/agents';
import { useAnnotations } from '../store/annotations';
import { useApprovals } from '../store/approvals';
import { AnnotateForm, MarkerLegend } from './trends/Annotate';
import { buildMarkers } from './trends/markers';
import { openMarker } from './trends/open';
import { useTrendRecords } from './trends/useRecords';
import { TagPicker } from './trends/TagPicker';
import { resolveEntries } from './trends/selection';

const HINT = 'drag to zoom · click to pick a time for a note · shaded = anomaly episode · dashed = alarm limit · red line = alarm';

export default function TrendsPane() {
  const { live, actions } = useServices();
  const entries = useTrends((s) => s.entries);
  const windowSec = useTrends((s) => s.windowSec);
  const setEntries = useTrends((s) => s.setEntries);
  const model = useModel((s) => s.model);
  const assets = useModel((s) => s.assets);
  const tagsById = useModel((s) => s.tags);
  const lineAssets = useModel((s) => s.lineAssets);
  const lookup = useMemo(() => ({ assets, tags: tagsById, lineAssets }), [assets, tagsById, lineAssets]);
  const [following, setFollowing] = useState(true);
  const [latest, setLatest] = useState<Array<number | null> | null>(null);
  const [history, setHistory] = useState<'idle' | 'loading' | 'done'>('idle');
  const [firstDrawMs, setFirstDrawMs] = useState<number | null>(null);
  const elRef = useRef<HTMLDivElement>(null);
  const stackRef = useRef<TrendStack | null>(null);
  const episodes = useAnomalies((s) => s.episodes);
  const alarms = useAlarms((s) => s.alarms);
  const clock = usePlantClock((s) => s.clock);
  const pending = useApprovals((s) => s.pending);
  const decided = useApprovals((s) => s.history);
  const agents = useAgents((s) => s.agents);
  const annotations = useAnnotations((s) => s.byId);
  const [pick, setPick] = useState<{ t: number; device: string | null } | null>(null);
  const [annotating, setAnnotating] = useState(false);
  const [counts, setCounts] = useState<Partial<Record<MarkerKind, number>>>({});
  // The shown window, written straight into its label: a React render per animation frame while following
  // live data made long tasks of a day's charts.
  const windowRef = useRef<HTMLSpanElement>(null);

  // What the model knows of the selection; a selection from another plant falls back to the first asset.
  const tags = useMemo(() => {
    const r = resolveEntries(entries, lookup);
    return r.length || !model?.assets[0] ? r : model.assets[0].tags;
  }, [entries, lookup, model]);
  const tagKey = tags.map((t) => t.id).join('|');
  const devices = useMemo(() => [...new Set(tags.map((t) => t.device_id))], [tagKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const records = useTrendRecords(devices);
  const trendTags = useMemo<TrendTag[]>(
    () =>
      tags.map((t) => ({
        id: t.id,
        device_id: t.device_id,
        key: t.key,
        label: `${assets.get(t.device_id)?.name ?? t.device_id} ${t.name}`,
        unit: t.unit,
        digits: tagDigits(t),
        normal: t.normal,
        limits: t.limits.map((l) => ({ key: l.key, value: l.value })),
      })),
    [tagKey], // eslint-disable-line react-hooks/exhaustive-deps
  );

  // One chart stack per tag selection; the window changes without a rebuild.
  useEffect(() => {
    if (!elRef.current || trendTags.length === 0) return;
    // The window's end is a time on screen for the top bar's "↺ back" (PlantTime.tsx latestShown) once the
    // operator zoomed or panned: a stretch replayed before a jump back is later than the clock. Following,
    // it is the newest arrival, the clock itself.
    let follows = true;
    let lastTo: number | null = null;
    const showEnd = () => {
      const el = windowRef.current;
      if (!el) return;
      if (follows || lastTo === null) delete el.dataset.shownTs;
      else el.dataset.shownTs = String(lastTo);
    };
    const stack = new TrendStack(elRef.current, {
      live,
      tags: trendTags,
      windowSec: useTrends.getState().windowSec,
      onFollowChange: (f) => {
        follows = f;
        showEnd();
        setFollowing(f);
      },
      onLatest: setLatest,
      onWindow: (from, to) => {
        const el = windowRef.current;
        if (!el) return;
        const c = usePlantClock.getState().clock;
        const today = usePlantNow.getState().now ?? wallToPlant(c, Date.now());
        lastTo = to;
        showEnd();
        el.dataset.from = String(from);
        el.dataset.to = String(to);
        el.textContent = `${fmtClock(from, today)} – ${fmtClock(to, today)}`;
        const [a, b] = [plantToWall(c, from), plantToWall(c, to)];
        el.title = a !== null && b !== null ? `plant time · wall clock ${fmtWall(a)} – ${fmtWall(b)}` : 'plant time';
      },
      onMarkerClick: (m) => openMarker(m, m.kind === 'command' ? recordsRef.current.commands.find((r) => String(r.seq) === m.id)?.kind : undefined),
      onPick: (t, ds) => setPick({ t, device: ds.length === 1 ? ds[0] : null }),
      onFirstDraw: (ms, points) => {
        setFirstDrawMs(ms);
        // For bench:ui and anyone profiling: when the charts first showed data, and how much.
        performance.mark('aegisflow:trend-first-draw', { detail: { ms, points, devices, tags: trendTags.map((t) => t.id) } });
      },
    });
    stackRef.current = stack;
    setFollowing(true);
    setPick(null);
    return () => {
      stack.destroy();
      stackRef.current = null;
    };
  }, [live, trendTags]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => stackRef.current?.setWindow(windowSec), [windowSec]);

  useEffect(() => {
    stackRef.current?.setEpisodes(episodesOf(episodes, devices));
  }, [episodes, devices, trendTags]);

  const recordsRef = useRef(records);
  recordsRef.current = records;
  useEffect(() => {
    const approvals = [...pending, ...decided.filter((d) => !pending.some((p) => p.id === d.id))];
    const today = usePlantNow.getState().now ?? wallToPlant(clock, Date.now());
    const markers = buildMarkers({
      devices,
      clock,
      today,
      alarms: Object.values(alarms),
      approvals,
      commands: records.commands,
      incidents: records.incidents,
      episodes,
      annotations: Object.values(annotations),
      agents,
    });
    stackRef.current?.setMarkers(markers);
    const c: Partial<Record<MarkerKind, number>> = {};
    for (const m of markers) c[m.kind] = (c[m.kind] ?? 0) + 1;
    // A new object per alarm change would re-render the pane each time: only when a count changed.
    setCounts((prev) => (JSON.stringify(prev) === JSON.stringify(c) ? prev : c));
  }, [alarms, pending, decided, records, episodes, annotations, agents, devices, clock, trendTags]);

  useEffect(() => stackRef.current?.setPick(pick?.t ?? null), [pick, trendTags]);

  // A day of stored history behind the live tail, so zoom and pan reach back before this page opened.
  // Asked once the link is up (and again after a reconnect: what was missed while away is in the store).
  // The window ends at the newest plant time known for these tags (the replay's clock, not the wall's).
  const linkOpen = useConnection((s) => s.state === 'open');
  // Asked again once the plant clock is first known: before it, "now" can only be the wall clock, which a
  // replay's readings may be hours away from (the stretch in between would never be fetched).
  const plantKnown = usePlantNow((s) => s.now !== null) || clock?.plantTime != null;
  const fetched = useRef<{ key: string; from: number; to: number } | null>(null);
  useEffect(() => {
    if (!linkOpen) fetched.current = null; // after a reconnect, what was missed meanwhile is in the store
    if (!linkOpen || tags.length === 0) return;
    let to = usePlantNow.getState().now ?? usePlant.getState().simulator?.clock?.plantTime ?? 0;
    for (const d of devices) {
      const latestTs = Date.parse(usePlant.getState().devices[d]?.latest?.timestamp ?? '');
      if (Number.isFinite(latestTs)) to = Math.max(to, latestTs);
    }
    for (const t of tags) to = Math.max(to, (live.tag(t.id).arrivalTime() ?? 0) * 1000);
    to ||= Date.now();
    // The plant clock just became known and lies inside the day already fetched: nothing is missing.
    const prev = fetched.current;
    if (prev && prev.key === tagKey && to > prev.from && to <= prev.to) return;
    fetched.current = { key: tagKey, from: to - 86_400_000, to: to + 60_000 };
    let cancelled = false;
    setHistory('loading');
    // Up to the plant clock (and a minute for readings on their way): an earlier run of a replay may have
    // stored readings past it, which are not this plant's present. The live tail merges in by time.
    void actions
      .loadHistory(
        tags.map((t) => t.id),
        to - 86_400_000,
        to + 60_000,
      )
      .then(() => {
        if (!cancelled) setHistory('done');
      });
    return () => {
      cancelled = true;
    };
  }, [tagKey, linkOpen, plantKnown]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!model) return <Empty loaded={false}>No plant model yet.</Empty>;
  return (
    <div className="trends" data-first-draw-ms={firstDrawMs ?? ''} data-history={history}>
      <div className="row toolbar wrap">
        <TagPicker model={model} lookup={lookup} selected={tags} onChange={setEntries} />
        <select value={windowSec} onChange={(e) => useTrends.getState().setWindow(Number(e.target.value))} aria-label="Time window">
          {TREND_WINDOWS.map((w) => (
            <option key={w.sec} value={w.sec}>
              {w.label}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => stackRef.current?.pan(-0.5)} title="Back in time" aria-label="Back in time">
          ◀
        </button>
        <button type="button" onClick={() => stackRef.current?.zoom(2)} title="Zoom out" aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={() => stackRef.current?.zoom(0.5)} title="Zoom in" aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => stackRef.current?.pan(0.5)} title="Forward in time" aria-label="Forward in time">
          ▶
        </button>
        <button type="button" className={following ? 'on' : ''} onClick={() => stackRef.current?.follow()} data-action="live">
          {following ? 'Live' : 'Back to live'}
        </button>
        <span className="trend-window" data-field="trend-window" ref={windowRef} />
        <button
          type="button"
          data-action="annotate"
          className={annotating ? 'on' : ''}
          onClick={() => setAnnotating((a) => !a)}
          title="Write a note pinned to the picked time (click a chart), or to now"
        >
          Annotate{pick ? ` ${fmtClock(pick.t, usePlantNow.getState().now)}` : ''}
        </button>
        <span className="muted trend-hint" title={HINT}>
          {history === 'loading' ? 'loading stored history…' : HINT}
        </span>
      </div>
      {annotating ? (
        <AnnotateForm
          at={pick?.t ?? usePlantNow.getState().now ?? wallToPlant(clock, Date.now())}
          today={usePlantNow.getState().now}
          device={pick?.device ?? null}
          tags={tags.map((t) => ({ id: t.id, device_id: t.device_id, key: t.key, label: t.name, deviceName: assets.get(t.device_id)?.name ?? t.device_id }))}
          onClose={() => {
            setAnnotating(false);
            setPick(null);
          }}
        />
      ) : null}
      <MarkerLegend counts={counts} />
      <div className="latest-wrap">
        <table className="grid compact latest">
          <tbody>
            {tags.map((t, i) => {
              const v = latest?.[i];
              return (
                <tr key={t.id} data-trend-tag={t.id}>
                  <th scope="row">
                    <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} /> {assets.get(t.device_id)?.name ?? t.device_id}{' '}
                    <span className="muted">·</span> {t.name}
                  </th>
                  <td className="num" data-latest={t.key} data-value={v ?? ''}>
                    {fmtValue(v ?? undefined, tagDigits(t))}
                  </td>
                  <td className="unit">{t.unit}</td>
                  <td className="actions">
                    {tags.length > 1 ? (
                      <button type="button" onClick={() => setEntries(tags.filter((x) => x.id !== t.id).map((x) => x.id))} aria-label={`Remove ${t.id}`}>
                        ×
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div ref={elRef} className="trend-stack" />
    </div>
  );
}
