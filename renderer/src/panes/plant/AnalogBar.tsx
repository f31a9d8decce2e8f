// ISA-101 analog indicator: a grey track, the tag's normal band from the model in darker grey, its
// alarm limits as ticks (HH/LL longer than H/L), and the value as a mark. No colour: a value outside
// its band is visible by position; colour is left to the alarms. The span covers the normal band, the
// limits and the value (clipped to the engineering range), so a narrow band on a wide instrument is
// still readable. A bad value draws no mark; an uncertain one draws a hollow mark.
import type { TagView } from '../../store/model';
import type { TagQuality } from './status';

const W = 160;
const H = 14;

export function displaySpan(tag: Pick<TagView, 'range' | 'normal' | 'limits'>, value: number | undefined): [number, number] {
  const xs = [tag.normal[0], tag.normal[1], ...tag.limits.map((l) => l.value)];
  if (value !== undefined && Number.isFinite(value)) xs.push(value);
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  const pad = Math.max((hi - lo) * 0.15, Math.abs(tag.normal[1] - tag.normal[0]) * 0.5, 1e-9);
  lo = Math.max(tag.range[0], lo - pad);
  hi = Math.min(tag.range[1], hi + pad);
  return hi > lo ? [lo, hi] : [tag.range[0], tag.range[1]];
}

export function AnalogBar({ tag, value, quality }: { tag: TagView; value: number | undefined; quality: TagQuality }) {
  const [lo, hi] = displaySpan(tag, value);
  const x = (v: number) => Math.min(W - 1, Math.max(1, ((v - lo) / (hi - lo)) * W));
  const has = value !== undefined && Number.isFinite(value) && quality !== 'bad' && quality !== 'none';
  const label = has
    ? `${value.toFixed(2)} ${tag.unit}; normal ${tag.normal[0]}–${tag.normal[1]}${quality === 'uncertain' ? '; uncertain' : ''}`
    : quality === 'bad'
      ? 'bad quality: no valid value'
      : 'no value';
  return (
    <svg className="analog-bar" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-quality={quality}>
      <rect x="0" y="5" width={W} height="4" fill="#c4c4c4" />
      <rect x={x(tag.normal[0])} y="3" width={Math.max(1, x(tag.normal[1]) - x(tag.normal[0]))} height="8" fill="#9a9a9a" />
      {tag.limits.map((l) => {
        const outer = l.key === 'HH' || l.key === 'LL';
        return <rect key={l.key} x={x(l.value) - 0.5} y={outer ? 0 : 2} width="1.5" height={outer ? H : H - 4} fill="#4a4a4a" data-limit={l.key} />;
      })}
      {has ? (
        quality === 'uncertain' ? (
          <rect x={x(value) - 2} y="1.5" width="4" height={H - 3} fill="#fff" stroke="#1e1e1e" strokeWidth="1.2" />
        ) : (
          <rect x={x(value) - 1.5} y="0" width="3" height={H} fill="#1e1e1e" />
        )
      ) : null}
    </svg>
  );
}
