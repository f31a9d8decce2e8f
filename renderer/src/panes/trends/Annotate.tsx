// Operator annotations on the trends: a click on a chart picks a plant time (the dashed line), "Annotate"
// writes a note pinned there (or at the plant's present) on a device or one of its tags. The core stores
// it with the operator of this session and tells every console; a logbook note may link it.
import { useState } from 'react';
import { unwrap } from '../../api/client';
import { MARKER_STYLE, type MarkerKind } from '../../charts/overlays';
import { useServices } from '../../context';
import { useAnnotations } from '../../store/annotations';
import { fmtClock } from '../../time';

export const ANNOTATION_MAX = 500;

export interface AnnotateTarget {
  device_id: string;
  key: string;
  id: string;
  label: string;
  deviceName: string;
}

export function AnnotateForm(props: { at: number; today: number | null; tags: readonly AnnotateTarget[]; device: string | null; onClose(): void }) {
  const { client } = useServices();
  const devices = [...new Map(props.tags.map((t) => [t.device_id, t.deviceName])).entries()];
  const [target, setTarget] = useState(props.device ?? devices[0]?.[0] ?? '');
  const [text, setText] = useState('');
  const [log, setLog] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const tag = props.tags.find((t) => t.id === target);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const a = await unwrap(
        client.api.annotationsAdd({ plantTs: props.at, deviceId: tag?.device_id ?? target, ...(tag ? { tag: tag.key } : {}), text: text.trim() }),
      );
      useAnnotations.getState().added(a);
      if (log) await unwrap(client.api.logbookAdd({ text: `Trend note: ${a.text}`, links: { devices: [a.deviceId], annotations: [a.id] } }));
      props.onClose();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="annotate row wrap"
      aria-label="annotation"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) void save();
      }}
    >
      <span data-field="annotation-time" data-plant-ts={props.at}>
        Note at {fmtClock(props.at, props.today)} <span className="muted">plant time</span>
      </span>
      <select value={target} onChange={(e) => setTarget(e.target.value)} aria-label="annotation tag">
        {devices.map(([id, name]) => (
          <optgroup key={id} label={name}>
            <option value={id}>{name} (whole asset)</option>
            {props.tags
              .filter((t) => t.device_id === id)
              .map((t) => (
                <option key={t.id} value={t.id}>
                  {t.label}
                </option>
              ))}
          </optgroup>
        ))}
      </select>
      <input
        className="grow"
        value={text}
        maxLength={ANNOTATION_MAX}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
        placeholder="what happened here (shown to everyone)"
        aria-label="annotation text"
        autoFocus
        required
      />
      <span className="muted">{ANNOTATION_MAX - text.length}</span>
      <label>
        <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> also in the logbook
      </label>
      <button type="submit" data-action="save-annotation" disabled={busy || !text.trim()}>
        Save note
      </button>
      <button type="button" onClick={props.onClose}>
        Cancel
      </button>
      {error ? <span className="abnormal">{error}</span> : null}
    </form>
  );
}

const LEGEND: MarkerKind[] = ['alarm', 'requested', 'decided', 'command', 'episode', 'incident', 'annotation'];

/** What each marker glyph means, drawn as the charts draw it. */
export function MarkerLegend({ counts }: { counts: Partial<Record<MarkerKind, number>> }) {
  return (
    <ul
      className="marker-legend"
      aria-label="marker legend"
      title="Markers at their plant time; hollow = rejected, expired or not carried out. Hover for what and when, click to open."
    >
      {LEGEND.map((k) => (
        <li key={k} data-marker-kind={k} data-count={counts[k] ?? 0}>
          <svg width="12" height="12" viewBox="-6 -6 12 12" aria-hidden="true">
            <Glyph kind={k} />
          </svg>{' '}
          {MARKER_STYLE[k].name}
          {counts[k] ? <span className="muted"> {counts[k]}</span> : null}
        </li>
      ))}
    </ul>
  );
}

function Glyph({ kind }: { kind: MarkerKind }) {
  const c = MARKER_STYLE[kind].colour;
  switch (MARKER_STYLE[kind].glyph) {
    case 'flag':
      return <path d="M-1,-5 L5,-2 L-1,1 Z M-1,-5 L-1,6" fill={c} stroke={c} />;
    case 'diamond':
      return <path d="M0,-4 L4,0 L0,4 L-4,0 Z" fill={c} />;
    case 'triangle':
      return <path d="M-4,-4 L4,-4 L0,4 Z" fill={c} />;
    case 'bar':
      return <rect x="-1.5" y="-4" width="3" height="8" fill={c} />;
    case 'square':
      return <rect x="-3.5" y="-3.5" width="7" height="7" fill={c} />;
    case 'circle':
      return <circle r="4" fill={c} />;
  }
}
