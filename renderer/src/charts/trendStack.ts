// Stacked uPlot charts over the live ring buffers: one chart per unit (tags that share a unit share
// an axis; °C never shares a scale with bar). Lives outside React: the pane hands it a container,
// the chosen tags and the episodes, and it redraws at most once per animation frame when new samples
// arrive. Follow mode shows the newest window; a drag zooms all charts together and stops following
// until "Live" is pressed.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Episode } from '../../../shared/anomalies';
import type { LiveReadings } from '../live/series';
import { axisLabels } from '../time';
import { describeMarkers, drawOver, drawUnder, type DrawnMarker, type LimitKey, type MarkerKind, type TrendMarker } from './overlays';
import { bindMarkers, MarkerTip } from './markerTip';
import { decimalsOf, groupByUnit, valueLabels, valueTicks, type TrendTag, type UnitGroup } from './units';

/** Calm greys and one muted blue: colour is for abnormal states, not for decoration (ISA-101). */
export const PALETTE = ['#2b2b2b', '#2f5d8a', '#7a7a7a', '#5b7f4f', '#8a6d3b', '#4b4b8f', '#9a9a9a', '#3f7f7f', '#6b4f6b'];
/** The bottom chart's time-axis strip (px). */
const AXIS_H = 24;
const MIN_PLOT_H = 20;

export type { LimitKey, MarkerKind, TrendMarker, TrendTag, UnitGroup };
export { decimalsOf, groupByUnit, valueTicks };

export interface TrendStackOptions {
  live: LiveReadings;
  tags: TrendTag[];
  /** Seconds of plant time shown while following live data. */
  windowSec: number;
  onFollowChange?(following: boolean): void;
  /** The newest value of each tag, in the order of `tags`. */
  onLatest?(latest: Array<number | null>): void;
  /** Called after the first complete draw of all charts with data (ms since the stack was created; samples of the first tag). */
  onFirstDraw?(ms: number, points: number): void;
  /** The shown time window (epoch ms, plant clock) whenever it changes: following, a zoom or a pan. */
  onWindow?(from: number, to: number): void;
  /** A click on a marker's line or glyph. */
  onMarkerClick?(m: TrendMarker): void;
  /** A click elsewhere on a chart picks that plant time (epoch ms), e.g. for an annotation. */
  onPick?(t: number, deviceIds: string[]): void;
}

export class TrendStack {
  private plots: uPlot[] = [];
  private wraps: HTMLElement[] = [];
  private groups: UnitGroup[];
  private devices: Set<string>;
  private off: () => void;
  private raf = 0;
  private following = true;
  private programmatic = false;
  /**
   * True from a press on a chart until just after its release: only then is a change of the x scale
   * the operator's zoom. uPlot applies scale changes (its own at construction, a resize) in a
   * microtask, after any flag set around the call is gone, so "not ours" cannot be told the other way.
   */
  private gesture = false;
  private gestureEnd = () => {
    if (this.gesture) setTimeout(() => (this.gesture = false), 0);
  };
  private episodes: Episode[] = [];
  private markers: TrendMarker[] = [];
  private markersKey = '';
  private pick: number | null = null;
  private drawn: DrawnMarker[][] = []; // where each chart drew its markers, for hover and click
  private tip: MarkerTip;
  private shownWindow = '';
  private ro: ResizeObserver;
  private created = performance.now();
  private firstDrawDone = false;
  private drawnWithData = new Set<number>();

  constructor(
    private el: HTMLElement,
    private o: TrendStackOptions,
  ) {
    this.groups = groupByUnit(o.tags);
    this.tip = new MarkerTip(el);
    this.devices = new Set(o.tags.map((t) => t.device_id));
    this.build();
    this.off = o.live.subscribe((touched) => {
      for (const d of touched) if (this.devices.has(d)) return this.schedule();
    });
    window.addEventListener('mouseup', this.gestureEnd);
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(el);
    this.schedule();
  }

  /**
   * Each chart's plot height so the whole stack, the bottom chart's time axis included, fits the
   * container without scrolling (the heads sit over the plots). Many units in a small dock make
   * flatter charts, never a time axis out of view.
   */
  private size(): { width: number; height: number } {
    const w = Math.max(200, this.el.clientWidth - 4);
    const n = Math.max(1, this.groups.length);
    const h = Math.floor((this.el.clientHeight - AXIS_H - 2) / n);
    return { width: w, height: Math.max(MIN_PLOT_H, h) };
  }

  private build(): void {
    // uPlot sets its x scale while it is constructed: that is not the operator zooming, so following stays on.
    this.quietly(() => this.buildCharts());
  }

  private buildCharts(): void {
    const { width, height } = this.size();
    this.lastSize = `${width}x${height}`;
    for (const [idx, g] of this.groups.entries()) {
      // Time labels only under the bottom chart; the others keep the grid (cursor and zoom are synced).
      const bottom = idx === this.groups.length - 1;
      const members = g.members.map((i) => this.o.tags[i]);
      const digits = Math.max(...members.map((t) => t.digits));
      const wrap = document.createElement('div');
      wrap.className = 'trend-chart';
      wrap.dataset.unit = g.unit;
      wrap.dataset.tags = members.map((t) => t.id).join(' ');
      const head = document.createElement('div');
      head.className = 'trend-head';
      head.textContent = `${g.unit || 'no unit'}: ${members.map((t) => t.label).join(', ')}`;
      wrap.appendChild(head);
      this.el.appendChild(wrap);
      this.wraps.push(wrap);
      const opts: uPlot.Options = {
        width,
        height: bottom ? height + AXIS_H : height,
        scales: { x: { time: true } },
        legend: { show: false },
        cursor: { sync: { key: 'aegisflow-trends' }, drag: { x: true, y: false, setScale: true } },
        series: [{}, ...g.members.map((i) => ({ label: this.o.tags[i].label, stroke: PALETTE[i % PALETTE.length], width: 1, points: { show: false } }))],
        axes: [
          bottom
            ? {
                stroke: '#444',
                grid: { stroke: '#cfcfcf', width: 1 },
                ticks: { stroke: '#bbb' },
                size: AXIS_H + 4,
                // Ticks at least 80 px apart: the first tick and a day change carry the date ("12-07 21:40", ~70 px),
                // which at uPlot's default 50 px ran into the next tick's label at 1366×768.
                space: 80,
                // 24-hour plant time, the date where the day changes (uPlot's default is 12-hour am/pm).
                values: (_u, splits, _axis, _space, incr) => axisLabels(splits, incr),
              }
            : { stroke: '#444', grid: { stroke: '#cfcfcf', width: 1 }, ticks: { show: false }, size: 4, values: (_u, v) => v.map(() => '') },
          {
            stroke: '#444',
            grid: { stroke: '#cfcfcf', width: 1 },
            ticks: { stroke: '#bbb' },
            size: 56,
            space: 18,
            splits: (_u, _axis, min, max, incr) => valueTicks(min, max, incr),
            values: (_u, v, _axis, _space, incr) => valueLabels(v, digits, incr, wrap),
          },
        ],
        hooks: {
          drawClear: [(u) => drawUnder(u, members, this.episodes)],
          draw: [(u) => (this.drawn[idx] = drawOver(u, members, this.markers, this.pick)), (u) => this.onDraw(idx, u)],
          setScale: [
            (u, key) => {
              if (key !== 'x' || this.programmatic || !this.gesture) return;
              this.setFollowing(false);
              this.syncX(u);
            },
          ],
        },
      };
      const u = new uPlot(opts, this.data(g), wrap);
      u.over.addEventListener('mousedown', () => (this.gesture = true));
      bindMarkers(u, this.tip, () => this.drawn[idx] ?? [], this.o, [...new Set(members.map((x) => x.device_id))]);
      this.plots.push(u);
    }
  }

  private onDraw(idx: number, u: uPlot): void {
    this.describe(idx, u);
    if (this.firstDrawDone || (u.data[0]?.length ?? 0) === 0) return;
    this.drawnWithData.add(idx);
    if (this.drawnWithData.size < this.groups.length) return;
    this.firstDrawDone = true;
    this.o.onFirstDraw?.(performance.now() - this.created, this.o.tags[0] ? this.o.live.tag(this.o.tags[0].id).length : 0);
  }

  /**
   * What the chart shows, on its element for tests, bench:ui and anyone inspecting the page: samples per
   * line (in the chart's order) and the visible window in epoch ms.
   */
  private describe(idx: number, u: uPlot): void {
    const wrap = this.wraps[idx];
    const g = this.groups[idx];
    if (!wrap || !g) return;
    wrap.dataset.points = g.members.map((i) => this.o.live.tag(this.o.tags[i].id).length).join(' ');
    wrap.dataset.first = g.members.map((i) => Math.round((this.o.live.tag(this.o.tags[i].id).view().t[0] ?? NaN) * 1000)).join(' ');
    const { min, max } = u.scales.x;
    wrap.dataset.from = min == null ? '' : String(Math.round(min * 1000));
    wrap.dataset.to = max == null ? '' : String(Math.round(max * 1000));
    const shown = g.members.map((i) => this.o.tags[i]);
    describeMarkers(wrap, shown, this.markers);
    if (idx === 0 && min != null && max != null) {
      const key = `${Math.round(min * 1000)} ${Math.round(max * 1000)}`;
      if (key !== this.shownWindow) {
        this.shownWindow = key;
        this.o.onWindow?.(Math.round(min * 1000), Math.round(max * 1000));
      }
    }
  }

  private data(g: UnitGroup): uPlot.AlignedData {
    const views = g.members.map((i) => this.o.live.tag(this.o.tags[i].id).view());
    if (views.length === 1) return [views[0].t, views[0].v] as uPlot.AlignedData;
    // Tags sampled at different times (1 s beside 60 s, two assets' clocks): join() aligns them by time.
    return uPlot.join(views.map((v) => [v.t, v.v] as uPlot.AlignedData));
  }

  private dirty = new Set<number>();

  /**
   * New samples mark every chart dirty; each animation frame redraws charts until ~8 ms are spent and
   * leaves the rest to the next frame. Several charts of a full day (17,280 points each) in one task
   * could pass the 50 ms long-task line on a busy machine; spread out, no frame waits for all of them.
   */
  private schedule(): void {
    this.groups.forEach((_, i) => this.dirty.add(i));
    this.kick();
  }

  private kick(): void {
    if (this.raf || this.dirty.size === 0) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      const start = performance.now();
      const last = this.lastTime();
      for (const i of [...this.dirty]) {
        this.dirty.delete(i);
        this.draw(i, last);
        if (performance.now() - start > 8) break;
      }
      if (this.dirty.size) this.kick();
      else this.emitLatest();
    });
  }

  /** Where following ends: the plant clock, i.e. the newest arrival (a store may hold readings past it). */
  private lastTime(): number {
    let last = -Infinity;
    for (const t of this.o.tags) last = Math.max(last, this.o.live.tag(t.id).arrivalTime() ?? -Infinity);
    return last;
  }

  private draw(i: number, last: number): void {
    const u = this.plots[i];
    const g = this.groups[i];
    if (!u || !g) return;
    this.programmatic = true;
    try {
      u.batch(() => {
        u.setData(this.data(g), false);
        if (this.following && Number.isFinite(last)) u.setScale('x', { min: last - this.o.windowSec, max: last });
      });
    } finally {
      this.programmatic = false;
    }
  }

  private emitLatest(): void {
    this.o.onLatest?.(this.o.tags.map((t) => this.o.live.tag(t.id).latest()));
  }

  /** Push the buffers' current windows into every chart now. */
  refresh(): void {
    const last = this.lastTime();
    this.dirty.clear();
    this.groups.forEach((_, i) => this.draw(i, last));
    this.emitLatest();
  }

  private syncX(src: uPlot): void {
    const { min, max } = src.scales.x;
    if (min == null || max == null) return;
    this.programmatic = true;
    try {
      for (const u of this.plots) if (u !== src) u.setScale('x', { min, max });
    } finally {
      this.programmatic = false;
    }
  }

  private setFollowing(f: boolean): void {
    if (this.following === f) return;
    this.following = f;
    this.o.onFollowChange?.(f);
  }

  follow(): void {
    this.setFollowing(true);
    this.refresh();
  }

  setWindow(sec: number): void {
    this.o.windowSec = sec;
    this.follow();
  }

  /** Shift the visible x range by a share of its width (negative = back in time). */
  pan(share: number): void {
    const u = this.plots[0];
    const { min, max } = u?.scales.x ?? {};
    if (!u || min == null || max == null) return;
    const d = (max - min) * share;
    this.setFollowing(false);
    this.programmatic = true;
    try {
      for (const p of this.plots) p.setScale('x', { min: min + d, max: max + d });
    } finally {
      this.programmatic = false;
    }
  }

  zoom(factor: number): void {
    const u = this.plots[0];
    const { min, max } = u?.scales.x ?? {};
    if (!u || min == null || max == null) return;
    const mid = (min + max) / 2;
    const half = ((max - min) / 2) * factor;
    this.setFollowing(false);
    this.programmatic = true;
    try {
      for (const p of this.plots) p.setScale('x', { min: mid - half, max: mid + half });
    } finally {
      this.programmatic = false;
    }
  }

  setMarkers(m: TrendMarker[]): void {
    const key = m.map((x) => `${x.kind}:${x.device_id}@${x.t}:${x.id ?? ''}:${x.hollow ? 1 : 0}:${x.label}`).join(' ');
    if (key === this.markersKey) return;
    this.markersKey = key;
    this.markers = m;
    this.schedule();
  }

  /** The operator's picked time (epoch ms, plant clock), drawn as a dashed line; null clears it. */
  setPick(t: number | null): void {
    if (t === this.pick) return;
    this.pick = t;
    this.schedule();
  }

  setEpisodes(e: Episode[]): void {
    this.episodes = e;
    // Redrawn in the next frames like new samples (a day of points in every chart at once could be a long task).
    this.schedule();
  }

  /** Scale changes uPlot makes by itself (a resize, a redraw) are not the operator's zoom: following stays as it is. */
  private quietly(fn: () => void): void {
    const was = this.programmatic;
    this.programmatic = true;
    try {
      fn();
    } finally {
      this.programmatic = was;
    }
  }

  private lastSize = '';

  private resize(): void {
    const s = this.size();
    // Only a real change: each setSize redraws a chart of up to a day of points at once.
    const key = `${s.width}x${s.height}`;
    if (key === this.lastSize) return;
    this.lastSize = key;
    this.quietly(() => this.plots.forEach((u, i) => u.setSize(i === this.plots.length - 1 ? { ...s, height: s.height + AXIS_H } : s)));
    if (this.following) this.refresh();
  }

  destroy(): void {
    this.off();
    window.removeEventListener('mouseup', this.gestureEnd);
    this.ro.disconnect();
    if (this.raf) cancelAnimationFrame(this.raf);
    for (const u of this.plots) u.destroy();
    this.plots = [];
    this.wraps = [];
    this.el.replaceChildren();
  }
}
