// Hover and click on the trend markers: a small tooltip says what each marker under the pointer is and
// when (plant time, wall time), a click opens it; a click elsewhere on a chart picks that plant time.
import type uPlot from 'uplot';
import { glyph, MARKER_STYLE, type DrawnMarker, type TrendMarker } from './overlays';

/** How near (CSS px) the pointer must be to a marker's line. */
const NEAR = 5;

export class MarkerTip {
  private el: HTMLDivElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'marker-tip';
    this.el.setAttribute('role', 'tooltip');
    this.el.hidden = true;
    parent.appendChild(this.el);
  }

  show(markers: readonly TrendMarker[], over: HTMLElement, x: number, y: number): void {
    this.el.replaceChildren(
      ...markers.slice(0, 6).map((m) => {
        const row = document.createElement('div');
        row.className = 'marker-tip-row';
        row.dataset.kind = m.kind;
        const c = document.createElement('canvas');
        c.width = 12;
        c.height = 12;
        const ctx = c.getContext('2d');
        if (ctx) {
          ctx.strokeStyle = ctx.fillStyle = MARKER_STYLE[m.kind].colour;
          glyph(ctx, MARKER_STYLE[m.kind].glyph, 6, 6, 4, m.hollow === true);
        }
        const text = document.createElement('div');
        const what = document.createElement('div');
        what.textContent = m.label;
        text.appendChild(what);
        if (m.when) {
          const when = document.createElement('div');
          when.className = 'muted';
          when.textContent = m.when;
          text.appendChild(when);
        }
        row.append(c, text);
        return row;
      }),
    );
    if (markers.length > 6) {
      const more = document.createElement('div');
      more.className = 'muted';
      more.textContent = `… and ${markers.length - 6} more`;
      this.el.appendChild(more);
    }
    this.el.hidden = false;
    const r = over.getBoundingClientRect();
    // Beside the pointer, on its left in the right half of the chart (the pane's edge is near).
    const left = x > r.width / 2 ? r.left + x - 12 - this.el.offsetWidth : r.left + x + 12;
    this.el.style.left = `${Math.max(4, Math.min(left, window.innerWidth - this.el.offsetWidth - 8))}px`;
    this.el.style.top = `${Math.min(r.top + y + 12, window.innerHeight - this.el.offsetHeight - 8)}px`;
  }

  hide(): void {
    this.el.hidden = true;
  }

  destroy(): void {
    this.el.remove();
  }
}

/** Markers within NEAR px of x, nearest first. */
export function markersNear(drawn: readonly DrawnMarker[], x: number): TrendMarker[] {
  return drawn
    .filter((d) => Math.abs(d.x - x) <= NEAR)
    .sort((a, b) => Math.abs(a.x - x) - Math.abs(b.x - x))
    .map((d) => d.marker);
}

export function bindMarkers(
  u: uPlot,
  tip: MarkerTip,
  drawn: () => readonly DrawnMarker[],
  on: { onMarkerClick?(m: TrendMarker): void; onPick?(t: number, deviceIds: string[]): void },
  deviceIds: string[],
): void {
  let downX = NaN;
  u.over.addEventListener('mousemove', (e) => {
    const at = markersNear(drawn(), e.offsetX);
    u.over.style.cursor = at.length ? 'pointer' : '';
    if (at.length) tip.show(at, u.over, e.offsetX, e.offsetY);
    else tip.hide();
  });
  u.over.addEventListener('mouseleave', () => tip.hide());
  u.over.addEventListener('mousedown', (e) => (downX = e.clientX));
  // The release, not 'click': uPlot swallows a click it takes for the end of a drag (by its own, rAF-late
  // cursor position), and a quick click can look like one to it.
  u.over.addEventListener('mouseup', (e) => {
    // The end of a drag (a zoom) is no click.
    if (e.button !== 0 || !(Math.abs(e.clientX - downX) <= 3)) return;
    downX = NaN;
    const [m] = markersNear(drawn(), e.offsetX);
    if (m) return on.onMarkerClick?.(m);
    const t = u.posToVal(e.offsetX, 'x');
    if (Number.isFinite(t)) on.onPick?.(Math.round(t * 1000), deviceIds);
  });
}
