// Which tags share a chart (one per unit) and how many decimals a value axis needs.
import type { LimitKey } from './overlays';

/** A tag the trend stack draws. */
export interface TrendTag {
  /** "<device>/<key>". */
  id: string;
  device_id: string;
  key: string;
  label: string;
  unit: string;
  /** Decimals for the axis labels. */
  digits: number;
  /** The plant model's normal band, drawn as a light band behind the line. */
  normal?: readonly [number, number];
  /** The plant model's alarm limits, drawn as dashed lines. */
  limits?: ReadonlyArray<{ key: LimitKey; value: number }>;
}

export interface UnitGroup {
  unit: string;
  /** Indexes into the stack's tag list. */
  members: number[];
}

/** Tags grouped by unit, in the order their units first appear. */
export function groupByUnit(tags: readonly { unit: string }[]): UnitGroup[] {
  const groups: UnitGroup[] = [];
  tags.forEach((t, i) => {
    const g = groups.find((x) => x.unit === t.unit);
    if (g) g.members.push(i);
    else groups.push({ unit: t.unit, members: [i] });
  });
  return groups;
}

/** Decimals that tell ticks `incr` apart (0.05 → 2, 0.25 → 2, 5 → 0). */
export function decimalsOf(incr: number): number {
  if (!Number.isFinite(incr) || incr <= 0) return 0;
  let d = 0;
  while (d < 6 && Math.abs(incr * 10 ** d - Math.round(incr * 10 ** d)) > 1e-6 * 10 ** d) d++;
  return d;
}

/**
 * Value ticks every `incr` within the scale; a chart too flat for one (a dock shared by many units) gets
 * its middle value, so no chart is left without a number on its axis.
 */
export function valueTicks(min: number, max: number, incr: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  const out: number[] = [];
  if (incr > 0) for (let v = Math.ceil(min / incr) * incr; v <= max && out.length < 100; v += incr) out.push(Number(v.toFixed(10)));
  return out.length ? out : [(min + max) / 2];
}

/**
 * Value-axis labels: the tag's own decimals, or more when the ticks are closer than that (a flat 60-s tag
 * zoomed in). The labels drawn are also put on `chart` (data-y-labels) for tests and anyone inspecting the page.
 */
export function valueLabels(ticks: readonly number[], digits: number, incr: number, chart?: HTMLElement): string[] {
  const labels = ticks.map((x) => x.toFixed(Math.min(6, Math.max(digits, decimalsOf(incr)))));
  if (chart) chart.dataset.yLabels = labels.join(' ');
  return labels;
}
