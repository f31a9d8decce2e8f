// What the trend charts draw besides the lines: under them the normal band and the anomaly episodes
// (only on charts showing a tag the episode involves), over them the alarm limits and the markers of
// alarms at their plant time. Plain canvas drawing in uPlot's hooks; the x scale is seconds of plant time.
import type uPlot from 'uplot';
import type { Episode } from '../../../shared/anomalies';

export type LimitKey = 'HH' | 'H' | 'L' | 'LL';

/** The tag facts the drawing needs (a TrendTag has them). */
export interface OverlayTag {
  device_id: string;
  key: string;
  normal?: readonly [number, number];
  limits?: ReadonlyArray<{ key: LimitKey; value: number }>;
}

/** Something that happened at a plant time on a device (an alarm), drawn as a line on that device's charts. */
export interface TrendMarker {
  /** Epoch ms on the plant clock. */
  t: number;
  device_id: string;
  label: string;
}

const SHADE = 'rgba(232, 119, 34, 0.20)';
const SHADE_OPEN = 'rgba(200, 16, 46, 0.16)';
const NORMAL_BAND = 'rgba(91, 127, 79, 0.10)';
/** Alarm limits: amber for H/L, red for HH/LL (the alarm colours; the lines are thin and dashed). */
const LIMIT_COLOUR: Record<LimitKey, string> = { HH: '#c8102e', H: '#d98e04', L: '#d98e04', LL: '#c8102e' };
const MARKER = '#c8102e';

export function drawUnder(u: uPlot, members: readonly OverlayTag[], episodes: readonly Episode[]): void {
  normalBand(u, members);
  shade(u, members, episodes);
}

/**
 * Over the lines: each tag's alarm limits (dashed, in its alarm colour) and the markers of its
 * device (a red vertical line with a small flag at the top). Under them (drawClear): the normal band.
 */
export function drawOver(u: uPlot, members: readonly OverlayTag[], markers: readonly TrendMarker[]): void {
  const { ctx, bbox } = u;
  const ymin = u.scales.y?.min;
  const ymax = u.scales.y?.max;
  ctx.save();
  ctx.lineWidth = 1;
  if (ymin != null && ymax != null) {
    ctx.setLineDash([6, 4]);
    for (const t of members)
      for (const l of t.limits ?? []) {
        if (l.value < ymin || l.value > ymax) continue;
        const y = Math.round(u.valToPos(l.value, 'y', true)) + 0.5;
        ctx.strokeStyle = LIMIT_COLOUR[l.key];
        ctx.beginPath();
        ctx.moveTo(bbox.left, y);
        ctx.lineTo(bbox.left + bbox.width, y);
        ctx.stroke();
      }
    ctx.setLineDash([]);
  }
  const xmin = u.scales.x.min ?? -Infinity;
  const xmax = u.scales.x.max ?? Infinity;
  const devices = new Set(members.map((t) => t.device_id));
  ctx.strokeStyle = MARKER;
  ctx.fillStyle = MARKER;
  for (const m of markers) {
    const x0 = m.t / 1000;
    if (!devices.has(m.device_id) || x0 < xmin || x0 > xmax) continue;
    const x = Math.round(u.valToPos(x0, 'x', true)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x + 6, bbox.top + 3);
    ctx.lineTo(x, bbox.top + 6);
    ctx.fill();
  }
  ctx.restore();
}

function normalBand(u: uPlot, members: readonly OverlayTag[]): void {
  const ymin = u.scales.y?.min;
  const ymax = u.scales.y?.max;
  if (ymin == null || ymax == null) return;
  const { ctx, bbox } = u;
  ctx.save();
  ctx.fillStyle = NORMAL_BAND;
  for (const t of members) {
    if (!t.normal) continue;
    const lo = Math.max(t.normal[0], ymin);
    const hi = Math.min(t.normal[1], ymax);
    if (hi <= lo) continue;
    const y0 = u.valToPos(hi, 'y', true);
    const y1 = u.valToPos(lo, 'y', true);
    ctx.fillRect(bbox.left, y0, bbox.width, y1 - y0);
  }
  ctx.restore();
}

/** Shade an episode only on charts showing a tag it involves (its device, and its `sensors` when it names them). */
function shade(u: uPlot, members: readonly OverlayTag[], episodes: readonly Episode[]): void {
  if (!episodes.length) return;
  const { ctx, bbox } = u;
  const xmin = u.scales.x.min ?? -Infinity;
  const xmax = u.scales.x.max ?? Infinity;
  ctx.save();
  for (const e of episodes) {
    if (!members.some((t) => t.device_id === e.device_id && (e.sensors.length === 0 || e.sensors.includes(t.key)))) continue;
    const a = e.start_ts / 1000;
    // An open episode lasts until now: shade it up to the newest reading, not its last update.
    const xs = u.data[0];
    const newest = xs && xs.length ? xs[xs.length - 1] : e.last_ts / 1000;
    const b = e.status === 'open' ? Math.max(e.last_ts / 1000, newest) : (e.end_ts ?? e.last_ts) / 1000;
    if (b < xmin || a > xmax) continue;
    const x0 = u.valToPos(Math.max(a, xmin), 'x', true);
    const x1 = u.valToPos(Math.min(b, xmax), 'x', true);
    ctx.fillStyle = e.status === 'open' ? SHADE_OPEN : SHADE;
    ctx.fillRect(x0, bbox.top, Math.max(2, x1 - x0), bbox.height);
  }
  ctx.restore();
}
