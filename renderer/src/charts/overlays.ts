// What the trend charts draw besides the lines: under them the normal band and the anomaly episodes
// (only on charts showing a tag the episode involves), over them the alarm limits and the markers of what
// happened at a plant time (alarms, approvals, commands, incident reports, operator annotations). Plain
// canvas drawing in uPlot's hooks; the x scale is seconds of plant time.
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

/**
 * alarm: an alarm came on · requested / decided: an approval asked for and decided · command: a device
 * command carried out (or refused) · episode / incident: an anomaly episode's start and the incident
 * report about it · annotation: an operator's note.
 */
export type MarkerKind = 'alarm' | 'requested' | 'decided' | 'command' | 'episode' | 'incident' | 'annotation';

/** Something that happened at a plant time on a device, drawn as a line and a glyph on that device's charts. */
export interface TrendMarker {
  /** Epoch ms on the plant clock. */
  t: number;
  device_id: string;
  label: string;
  kind: MarkerKind;
  /** What a click opens (an approval, audit row, incident or annotation id). */
  id?: string;
  /** Only on charts showing this tag of the device (an annotation pinned to a tag); all of them when absent. */
  tag?: string;
  /** A hollow glyph: the request was refused, expired or cancelled; the command did not take effect. */
  hollow?: boolean;
  /** The second line of its tooltip: the plant time and the wall time. */
  when?: string;
}

/** Where a marker was drawn (CSS px inside the plot), for hover and click. */
export interface DrawnMarker {
  x: number;
  marker: TrendMarker;
}

const SHADE = 'rgba(232, 119, 34, 0.20)';
const SHADE_OPEN = 'rgba(200, 16, 46, 0.16)';
const NORMAL_BAND = 'rgba(91, 127, 79, 0.10)';
/** Alarm limits: amber for H/L, red for HH/LL (the alarm colours; the lines are thin and dashed). */
const LIMIT_COLOUR: Record<LimitKey, string> = { HH: '#c8102e', H: '#d98e04', L: '#d98e04', LL: '#c8102e' };
const MARKER = '#c8102e';
/**
 * Colour and glyph of each kind. Only an alarm is red (ISA-101): the rest are the trend palette's calm
 * blue, greys, olive and brown, told apart by shape as much as by colour.
 */
export const MARKER_STYLE: Record<MarkerKind, { colour: string; glyph: 'flag' | 'diamond' | 'triangle' | 'bar' | 'square' | 'circle'; name: string }> = {
  alarm: { colour: MARKER, glyph: 'flag', name: 'alarm' },
  requested: { colour: '#2f5d8a', glyph: 'diamond', name: 'approval asked' },
  decided: { colour: '#4b4b8f', glyph: 'diamond', name: 'decided' },
  command: { colour: '#2b2b2b', glyph: 'triangle', name: 'command' },
  episode: { colour: '#8a6d3b', glyph: 'bar', name: 'episode start' },
  incident: { colour: '#8a6d3b', glyph: 'square', name: 'incident report' },
  annotation: { colour: '#3f7f7f', glyph: 'circle', name: 'note' },
};
/** The glyphs' row under the top of the plot (px). */
const GLYPH_Y = 6;

export function drawUnder(u: uPlot, members: readonly OverlayTag[], episodes: readonly Episode[]): void {
  normalBand(u, members);
  shade(u, members, episodes);
}

/** Does this chart (its members) show the marker? Its device, and its tag when it names one. */
export function shows(members: readonly OverlayTag[], m: TrendMarker): boolean {
  return members.some((t) => t.device_id === m.device_id && (m.tag === undefined || t.key === m.tag));
}

/** The markers a chart shows, on its element (kind, plant time and id of each) for tests and anyone inspecting the page. */
export function describeMarkers(wrap: HTMLElement, members: readonly OverlayTag[], markers: readonly TrendMarker[]): void {
  const mine = markers.filter((m) => shows(members, m));
  wrap.dataset.markers = mine.map((m) => m.t).join(' ');
  wrap.dataset.marks = mine.map((m) => `${m.kind}@${m.t}@${m.id ?? ''}`).join(' ');
}

/**
 * Over the lines: each tag's alarm limits (dashed, in its alarm colour) and the markers of its device: a
 * vertical line (solid red for an alarm, dotted and light for the rest) with its glyph at the top, and
 * the operator's picked time (dashed grey). Returns where each marker was drawn.
 */
export function drawOver(u: uPlot, members: readonly OverlayTag[], markers: readonly TrendMarker[], pick: number | null = null): DrawnMarker[] {
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
  const drawn: DrawnMarker[] = [];
  const dpr = bbox.width / Math.max(1, u.over.clientWidth || bbox.width);
  if (pick !== null && pick / 1000 >= xmin && pick / 1000 <= xmax) {
    const x = Math.round(u.valToPos(pick / 1000, 'x', true)) + 0.5;
    ctx.strokeStyle = '#7a7a7a';
    ctx.setLineDash([3, 3]);
    line(ctx, x, bbox.top, bbox.top + bbox.height);
    ctx.setLineDash([]);
  }
  // Alarms last: drawn over the calmer markers at the same time.
  const ordered = [...markers].sort((a, b) => Number(a.kind === 'alarm') - Number(b.kind === 'alarm'));
  for (const m of ordered) {
    const x0 = m.t / 1000;
    if (!shows(members, m) || x0 < xmin || x0 > xmax) continue;
    const x = Math.round(u.valToPos(x0, 'x', true)) + 0.5;
    const st = MARKER_STYLE[m.kind];
    ctx.strokeStyle = st.colour;
    ctx.fillStyle = st.colour;
    if (m.kind === 'alarm') {
      line(ctx, x, bbox.top, bbox.top + bbox.height);
    } else {
      ctx.globalAlpha = 0.45;
      ctx.setLineDash([2, 3]);
      line(ctx, x, bbox.top + GLYPH_Y * dpr * 2, bbox.top + bbox.height);
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }
    glyph(ctx, st.glyph, x, bbox.top + GLYPH_Y * dpr, 4 * dpr, m.hollow === true);
    drawn.push({ x: u.valToPos(x0, 'x'), marker: m });
  }
  ctx.restore();
  return drawn;
}

function line(ctx: CanvasRenderingContext2D, x: number, y0: number, y1: number): void {
  ctx.beginPath();
  ctx.moveTo(x, y0);
  ctx.lineTo(x, y1);
  ctx.stroke();
}

/** One marker's glyph centred on (x, y), r its half size; hollow = outline only. */
export function glyph(ctx: CanvasRenderingContext2D, kind: (typeof MARKER_STYLE)[MarkerKind]['glyph'], x: number, y: number, r: number, hollow: boolean): void {
  ctx.beginPath();
  switch (kind) {
    case 'flag':
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + 1.5 * r, y - r / 4);
      ctx.lineTo(x, y + r / 2);
      break;
    case 'diamond':
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      break;
    case 'triangle':
      ctx.moveTo(x - r, y - r);
      ctx.lineTo(x + r, y - r);
      ctx.lineTo(x, y + r);
      break;
    case 'bar':
      ctx.rect(x - r / 3, y - r, (2 * r) / 3, 2 * r);
      break;
    case 'square':
      ctx.rect(x - r * 0.8, y - r * 0.8, r * 1.6, r * 1.6);
      break;
    case 'circle':
      ctx.arc(x, y, r, 0, Math.PI * 2);
      break;
  }
  ctx.closePath();
  if (hollow) {
    ctx.fillStyle = '#ffffff';
    ctx.fill();
    ctx.stroke();
  } else ctx.fill();
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
