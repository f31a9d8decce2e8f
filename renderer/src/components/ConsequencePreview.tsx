// The consequence preview on an approval card: for each tag the command changes, the next 10 minutes as
// the device is (dashed) and with the command (solid), with the tag's alarm limits, before the decision.
// Small inline SVG: it draws in well under a frame, and a card never waits for a chart library.
import { useEffect } from 'react';
import type { ConsequencePreview as Preview } from '../../../shared/schemas/plant';
import { unwrap } from '../api/client';
import { useServices } from '../context';
import { usePreviews } from '../store/previews';

const W = 220;
const H = 56;

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function Spark({ t }: { t: Preview['tags'][number] }) {
  const limits = Object.entries(t.limits).filter((e): e is [string, number] => typeof e[1] === 'number');
  const all = [...t.asIs, ...t.withCommand, t.now];
  // limits inside a sensible band around the data are drawn; far-away ones would flatten the lines
  const lo0 = Math.min(...all);
  const hi0 = Math.max(...all);
  const span0 = hi0 - lo0 || Math.abs(hi0) * 0.1 || 1;
  const near = limits.filter(([, v]) => v >= lo0 - span0 && v <= hi0 + span0);
  const lo = Math.min(lo0, ...near.map(([, v]) => v));
  const hi = Math.max(hi0, ...near.map(([, v]) => v));
  const span = hi - lo || 1;
  const n = t.asIs.length;
  const x = (i: number) => (i / n) * W;
  const y = (v: number) => H - 2 - ((v - lo) / span) * (H - 4);
  const path = (vs: number[]) => [t.now, ...vs].map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  return (
    <svg
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`${t.name}: as is ${fmt(t.asIs[n - 1] ?? t.now)}, with the command ${fmt(t.withCommand[n - 1] ?? t.now)} ${t.unit} in 10 min`}
    >
      {near.map(([k, v]) => (
        <g key={k}>
          <line x1={0} x2={W} y1={y(v)} y2={y(v)} className="pv-limit" />
          <text x={W - 2} y={y(v) < 10 ? y(v) + 9 : y(v) - 2} textAnchor="end" className="pv-limit-label">
            {k} {fmt(v)}
          </text>
        </g>
      ))}
      <path d={path(t.asIs)} className="pv-asis" />
      <path d={path(t.withCommand)} className="pv-cmd" />
    </svg>
  );
}

export function ConsequencePreview({ approvalId }: { approvalId: string }) {
  const { client } = useServices();
  const preview = usePreviews((s) => s.byApproval[approvalId]);
  const why = usePreviews((s) => s.unavailable[approvalId]);
  useEffect(() => {
    if (usePreviews.getState().byApproval[approvalId] || usePreviews.getState().unavailable[approvalId]) return;
    void unwrap(client.api.approvalsPreview({ id: approvalId })).then(
      (p) => usePreviews.getState().set(p),
      (err: Error) => usePreviews.getState().none(approvalId, err.message),
    );
  }, [client, approvalId]);
  if (why)
    return (
      <p className="muted" data-field="preview-none">
        No consequence preview: {why}
      </p>
    );
  if (!preview)
    return (
      <p className="muted" data-field="preview-loading">
        Computing the consequence preview…
      </p>
    );
  return (
    <section className="preview" data-field="consequence-preview" data-hash={preview.hash} aria-label="consequence preview">
      <h4>
        If approved — next {Math.round(preview.horizonS / 60)} min <span className="muted">(dashed: as is; solid: with {preview.command})</span>
      </h4>
      {preview.tags.length === 0 ? <p className="muted">The device model shows no change in any tag.</p> : null}
      <div className="row wrap">
        {preview.tags.map((t) => {
          const n = t.asIs.length - 1;
          return (
            <figure key={t.key} data-preview-tag={t.key}>
              <Spark t={t} />
              <figcaption>
                <b>{t.name}</b> now {fmt(t.now)} → {fmt(t.withCommand[n] ?? t.now)} {t.unit} <span className="muted">(as is {fmt(t.asIs[n] ?? t.now)})</span>
              </figcaption>
            </figure>
          );
        })}
      </div>
      <p className="muted small" title={preview.assumption}>
        Model run from the device&apos;s state now; the process held at its present level. Preview {preview.hash.slice(0, 8)} is recorded with your decision.
      </p>
    </section>
  );
}
