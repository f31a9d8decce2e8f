// Which tags share a chart (one per unit) and how many decimals a value axis needs.

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
