// The Plant pane's detail level (ISA-101 level 3): one asset, every tag with its value, unit, an analog
// bar against its normal band and limits, and its quality spelled out (a bad or uncertain value never
// looks like a good one); the asset's state, load and alarms. Escape goes back to the overview.
import { useEffect, useRef, type ReactNode } from 'react';
import type { Alarm } from '../../../../shared/anomalies';
import { PriorityBadge, ShelfLeft } from '../../components/ui';
import { PlantTime } from '../../components/PlantTime';
import { showTrend } from '../../navigate';
import type { AssetView, PlantModelView, TagView } from '../../store/model';
import type { DeviceRow } from '../../store/plant';
import { alarmText, isRemoved } from '../../store/alarms';
import { usePlantView } from '../../store/plantView';
import { AnalogBar } from './AnalogBar';
import { AlarmChips } from './Overview';
import { fmtValue, tagDigits, tagQuality, type Summary } from './status';

const REASON: Record<string, string> = {
  out_of_range: 'out of range',
  stale: 'stale',
  connector_down: 'connector down',
  bad_payload: 'bad payload',
  source: 'source says so',
};

function TagRow({ tag, row }: { tag: TagView; row: DeviceRow | undefined }) {
  const quality = tagQuality(tag, row);
  const value = row?.latest?.values[tag.key];
  const q = row?.latest?.quality[tag.key];
  const digits = tagDigits(tag);
  const limits = [...tag.limits].sort((a, b) => b.value - a.value);
  const outside = value !== undefined && quality === 'good' && (value < tag.normal[0] || value > tag.normal[1]);
  return (
    <tr data-tag={tag.id} data-quality={quality}>
      <th scope="row">
        {tag.name}
        {tag.name !== tag.key ? <div className="muted tag-id">{tag.key}</div> : null}
      </th>
      <td className={`num value q-${quality}`} data-field="value">
        {quality === 'bad' ? (
          <>
            <span className="q-flag">BAD</span> <s className="muted">{fmtValue(value, digits)}</s>
          </>
        ) : quality === 'uncertain' ? (
          <>
            <span className="q-flag">?</span> <i>{fmtValue(value, digits)}</i>
          </>
        ) : (
          <span className={outside ? 'outside' : ''}>{fmtValue(value, digits)}</span>
        )}
      </td>
      <td className="unit-cell" data-field="unit">
        {tag.unit}
      </td>
      <td
        title={`normal ${tag.normal[0]}–${tag.normal[1]} ${tag.unit}${limits.length ? '; ' + limits.map((l) => `${l.key} ${l.value}`).join(', ') : ''}; every ${tag.sampling_s} s`}
      >
        <AnalogBar tag={tag} value={value} quality={quality} />
      </td>
      <td data-field="quality">
        {quality === 'good' ? (
          <span className="muted">good</span>
        ) : quality === 'none' ? (
          <span className="muted">no value yet</span>
        ) : (
          <span className={`q-${quality}`} title={q?.detail}>
            {quality} · {REASON[q?.reason ?? ''] ?? q?.reason}
          </span>
        )}
      </td>
      <td className="num muted col-opt">
        {tag.normal[0]}–{tag.normal[1]}
      </td>
      <td className="muted limits col-opt">{limits.length ? limits.map((l) => `${l.key} ${l.value}`).join(' · ') : '—'}</td>
      <td className="num muted col-opt">{tag.sampling_s} s</td>
      <td>
        <button type="button" onClick={() => showTrend(tag.id)} title={`Trend ${tag.id}`} data-action="trend-tag">
          Trend
        </button>
      </td>
    </tr>
  );
}

/** Why an alarm is out of annunciation, by whom and for how long: it is still an alarm. */
export function removedNote(a: Alarm): ReactNode {
  if (a.state === 'shelved')
    return (
      <>
        shelved by {a.shelved_by ?? '?'}
        {a.shelve_reason ? `: ${a.shelve_reason}` : ''} (<ShelfLeft until={a.shelved_until} />)
      </>
    );
  if (a.state === 'out_of_service') return `out of service (${a.oos_by ?? '?'}${a.oos_reason ? `: ${a.oos_reason}` : ''})`;
  return `suppressed${a.suppress_reason ? `: ${a.suppress_reason}` : ''}`;
}

export interface AssetDetailProps {
  model: PlantModelView;
  asset: AssetView;
  row: DeviceRow | undefined;
  alarms: readonly Alarm[];
  summary: Summary | undefined;
  episode: string | undefined;
}

export function AssetDetail({ model, asset, row, alarms, summary, episode }: AssetDetailProps) {
  const back = usePlantView((s) => s.back);
  const backRef = useRef<HTMLButtonElement>(null);
  // Keyboard: focus lands on "back" when the detail opens, so Enter/Escape return at once.
  useEffect(() => backRef.current?.focus(), [asset.id]);
  const area = model.areas.find((a) => a.id === asset.area);
  const line = area?.lines.find((l) => l.id === asset.line);
  const shown = alarms.filter((a) => a.state !== 'normal');
  return (
    <div
      className="asset-detail"
      data-level="asset"
      data-asset={asset.id}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          back();
        }
      }}
    >
      <nav className="row wrap breadcrumb" aria-label="Plant hierarchy">
        <button type="button" ref={backRef} onClick={back} data-action="back">
          ← Plant overview
        </button>
        <span className="muted">
          {model.site.name} › {area?.name ?? asset.area} › {line?.name ?? asset.line} ›
        </span>
        <h2 className="asset-name">{asset.name}</h2>
        <span className="muted">
          {asset.id} · {asset.type_name}
        </span>
      </nav>
      <div className="row wrap asset-status">
        <span>
          State{' '}
          <b className={row && row.state !== 'running' && row.state !== 'unknown' ? 'attention' : ''} data-field="state">
            {row?.state ?? '—'}
          </b>
        </span>
        <span>
          Load <b data-field="load">{row && row.load_pct !== null ? `${row.load_pct} %` : '—'}</b>
        </span>
        {row?.last_command ? (
          <span className="muted">
            last command {row.last_command.command} at <PlantTime wall={Date.parse(row.last_command.at)} />
          </span>
        ) : null}
        {episode ? <span className="abnormal">anomaly: {episode}</span> : null}
        {summary ? <AlarmChips s={summary} /> : null}
        <span className="spacer" />
        <button type="button" onClick={() => showTrend(asset.id)} data-action="trend-asset">
          Trend all tags
        </button>
      </div>
      {shown.length ? (
        <ul className="plain asset-alarms" aria-label="Alarms of this asset">
          {shown.map((a) => (
            <li key={a.id} data-alarm-id={a.id} data-state={a.state}>
              <PriorityBadge p={a.priority} /> {alarmText(a, { assets: new Map([[asset.id, asset]]) })}{' '}
              {isRemoved(a) ? <b className="removed-state">· {removedNote(a)}</b> : <span className="muted">· {a.state.replace(/_/g, ' ')}</span>}
              {a.activated_at ? (
                <span className="muted">
                  {' '}
                  · since <PlantTime wall={a.activated_at} />
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted asset-alarms">No alarms on this asset.</p>
      )}
      <div className="table-scroll">
        <table className="grid compact asset-tags" aria-label={`Tags of ${asset.name}`}>
          <thead>
            <tr>
              <th scope="col">Tag</th>
              <th scope="col" className="num">
                Value
              </th>
              <th scope="col">Unit</th>
              <th scope="col">Against normal and limits</th>
              <th scope="col">Quality</th>
              <th scope="col" className="num col-opt">
                Normal
              </th>
              <th scope="col" className="col-opt">
                Limits
              </th>
              <th scope="col" className="num col-opt">
                Sampling
              </th>
              <th scope="col">
                <span className="sr-only">Trend</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {asset.tags.map((t) => (
              <TagRow key={t.id} tag={t} row={row} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
