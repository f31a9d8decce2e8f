// The Plant pane's overview level (ISA-101 level 1–2): the site, its areas and their lines, each with
// a compact status (assets running / stopped, active alarms by priority, bad-quality tags); a line
// opens to its assets. A search or "only abnormal" turns the hierarchy into a flat list of matching
// assets. Long lists are shown a page at a time, so a plant of hundreds of assets stays quick.
import { useState } from 'react';
import { ALARM_PRIORITIES, type AlarmPriority } from '../../../../shared/anomalies';
import type { AssetView, ModelLookup, PlantModelView } from '../../store/model';
import type { DeviceRow } from '../../store/plant';
import { usePlantView } from '../../store/plantView';
import { ConnectorStrip } from './Connectors';
import { activeAlarms, assetMatches, isAbnormal, type PlantSummaries, type Summary } from './status';

const PAGE = 50;
/** A plant this small opens every line at once (the demo's nine assets fit one screen). */
const OPEN_ALL_UP_TO = 24;
const PRIO_SHORT: Record<AlarmPriority, string> = { urgent: 'U', high: 'H', medium: 'M', low: 'L', diagnostic: 'D' };

/** Active alarms as priority chips (U 1 · H 2); nothing when there are none. Shelved and the like counted beside them. */
export function AlarmChips({ s }: { s: Summary }) {
  const n = activeAlarms(s);
  return (
    <span className="alarm-chips" data-field="alarms" data-count={n}>
      {n === 0 && s.removed === 0 ? <span className="muted">no alarms</span> : null}
      {ALARM_PRIORITIES.filter((p) => s.alarms[p] > 0).map((p) => (
        <span key={p} className={`prio prio-${p} chip`} title={`${s.alarms[p]} ${p}`} data-priority={p}>
          {PRIO_SHORT[p]} {s.alarms[p]}
        </span>
      ))}
      {s.removed > 0 ? (
        <span className="chip removed" title="shelved, suppressed or out of service">
          {s.removed} shelved/OOS
        </span>
      ) : null}
    </span>
  );
}

export function QualityCell({ s }: { s: Summary }) {
  if (s.bad === 0 && s.uncertain === 0) return <span className="muted">{s.noValue ? `${s.noValue} no value` : 'good'}</span>;
  return (
    <span data-field="quality">
      {s.bad ? <span className="q-bad">{s.bad} bad</span> : null}
      {s.bad && s.uncertain ? ' · ' : null}
      {s.uncertain ? <span className="q-uncertain">{s.uncertain} uncertain</span> : null}
    </span>
  );
}

function RunCell({ s }: { s: Summary }) {
  return (
    <span>
      {s.running}/{s.assets} running
      {s.unknown ? (
        <span className="muted" title="No source reports these devices' running state">
          {' '}
          · {s.unknown} state unknown
        </span>
      ) : null}
      {s.reduced ? <span className="attention"> · {s.reduced} reduced</span> : null}
      {s.stopped ? <span className="attention"> · {s.stopped} stopped</span> : null}
    </span>
  );
}

interface AssetRowsProps {
  assets: AssetView[];
  devices: Readonly<Record<string, DeviceRow>>;
  sums: PlantSummaries;
  episodes: ReadonlyMap<string, string>;
  showLine?: boolean;
}

function AssetRows({ assets, devices, sums, episodes, showLine }: AssetRowsProps) {
  const [shown, setShown] = useState(PAGE);
  const openAsset = usePlantView((s) => s.openAsset);
  return (
    <>
      {assets.slice(0, shown).map((a) => {
        const d = devices[a.id];
        const s = sums.asset.get(a.id);
        const ep = episodes.get(a.id);
        return (
          <tr key={a.id} data-device={a.id} className={s?.unacked ? 'row-alarm clickable asset-row' : 'clickable asset-row'} onClick={() => openAsset(a.id)}>
            <th scope="row">
              <button type="button" className="link" onClick={(e) => (e.stopPropagation(), openAsset(a.id))} title="Open this asset's detail">
                {a.name}
              </button>{' '}
              <span className="muted">{showLine ? a.id : a.type_name}</span>
            </th>
            <td className={d && d.state !== 'running' && d.state !== 'unknown' ? 'attention' : d?.state === 'unknown' ? 'muted' : ''} data-field="state">
              {d?.state ?? '—'}
              {d && d.load_pct !== null && d.load_pct !== 100 ? ` · ${d.load_pct} %` : ''}
            </td>
            <td>{s ? <AlarmChips s={s} /> : null}</td>
            <td>{s ? <QualityCell s={s} /> : null}</td>
            <td className={ep ? 'abnormal' : 'muted'}>{ep ?? '—'}</td>
          </tr>
        );
      })}
      {assets.length > shown ? (
        <tr>
          <td colSpan={5}>
            <button type="button" onClick={() => setShown((n) => n + PAGE)}>
              Show {Math.min(PAGE, assets.length - shown)} more of {assets.length - shown}
            </button>
          </td>
        </tr>
      ) : null}
    </>
  );
}

function AssetHead() {
  return (
    <tr className="sub-head">
      <th scope="col">Asset</th>
      <th scope="col">State</th>
      <th scope="col">Alarms</th>
      <th scope="col">Quality</th>
      <th scope="col">Anomaly</th>
    </tr>
  );
}

export interface OverviewProps {
  model: PlantModelView;
  lookup: ModelLookup;
  devices: Readonly<Record<string, DeviceRow>>;
  sums: PlantSummaries;
  episodes: ReadonlyMap<string, string>;
}

export function Overview({ model, lookup, devices, sums, episodes }: OverviewProps) {
  const query = usePlantView((s) => s.query);
  const abnormalOnly = usePlantView((s) => s.abnormalOnly);
  const toggled = usePlantView((s) => s.openLines);
  const { toggleLine, setQuery, setAbnormalOnly } = usePlantView.getState();
  const openByDefault = model.assets.length <= OPEN_ALL_UP_TO;
  const isOpen = (line: string) => openByDefault !== toggled.includes(line);
  const flat = query.trim() !== '' || abnormalOnly;
  const matches = flat ? model.assets.filter((a) => assetMatches(a, query) && (!abnormalOnly || isAbnormal(sums.asset.get(a.id) ?? sums.site))) : [];

  return (
    <div className="plant-overview" data-level="overview">
      <div className="row toolbar wrap">
        <h2 className="site-name" data-field="site">
          {model.site.name}
        </h2>
        <span className="muted">
          {sums.site.assets} assets · {model.assets.reduce((n, a) => n + a.tags.length, 0)} tags
        </span>
        <span className="spacer" />
        <input
          type="search"
          placeholder="Find an asset (id, name, type)"
          aria-label="Find an asset"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          className="asset-search"
        />
        <label className="nowrap">
          <input type="checkbox" checked={abnormalOnly} onChange={(e) => setAbnormalOnly(e.target.checked)} /> only abnormal
        </label>
      </div>
      <ConnectorStrip />
      {flat ? (
        <table className="grid compact plant-assets" aria-label="Matching assets">
          <thead>
            <AssetHead />
          </thead>
          <tbody>
            {matches.length ? (
              <AssetRows assets={matches} devices={devices} sums={sums} episodes={episodes} showLine />
            ) : (
              <tr>
                <td colSpan={5} className="muted">
                  No asset matches.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      ) : (
        model.areas.map((area) => {
          const as = sums.area.get(area.id);
          return (
            <section key={area.id} className="plant-area" data-area={area.id} aria-label={`Area ${area.name}`}>
              <h3 className="area-head row wrap">
                <span className="area-name">{area.name}</span>
                {as ? (
                  <>
                    <span className="muted">
                      <RunCell s={as} />
                    </span>
                    <AlarmChips s={as} />
                    <QualityCell s={as} />
                  </>
                ) : null}
              </h3>
              <table className="grid compact plant-lines">
                <tbody>
                  {area.lines.map((line) => {
                    const ls = sums.line.get(line.id);
                    const open = isOpen(line.id);
                    const assets = line.assets.map((id) => lookup.assets.get(id)).filter((a): a is AssetView => !!a);
                    return (
                      <LineRows key={line.id} line={line} open={open} onToggle={() => toggleLine(line.id)} summary={ls}>
                        {open ? (
                          <>
                            <AssetHead />
                            <AssetRows assets={assets} devices={devices} sums={sums} episodes={episodes} />
                          </>
                        ) : null}
                      </LineRows>
                    );
                  })}
                </tbody>
              </table>
            </section>
          );
        })
      )}
    </div>
  );
}

function LineRows({
  line,
  open,
  onToggle,
  summary,
  children,
}: {
  line: { id: string; name: string; assets: string[] };
  open: boolean;
  onToggle(): void;
  summary: Summary | undefined;
  children: React.ReactNode;
}) {
  return (
    <>
      <tr className="line-row" data-line={line.id}>
        <th scope="row" colSpan={1}>
          <button type="button" className="link line-toggle" aria-expanded={open} onClick={onToggle}>
            {open ? '▾' : '▸'} {line.name}
          </button>
        </th>
        <td>{summary ? <RunCell s={summary} /> : null}</td>
        <td>{summary ? <AlarmChips s={summary} /> : null}</td>
        <td>{summary ? <QualityCell s={summary} /> : null}</td>
        <td />
      </tr>
      {children}
    </>
  );
}
