// An agent's device scope (areas, lines and device globs): which devices it may act on and see.
// The gateway refuses calls that name a device outside the scope; tools that answer for many devices
// (the fleet, an area, a line) filter their answers to the scope, so a line-2 assistant reads line 2 only.
// Areas are the plant model's: which lines an area holds comes in as a PlantHierarchy (this file stays
// pure). Without one, an area scope matches nothing: an area the core cannot resolve grants no device.
import type { AgentScope } from '../../../shared/governance';

/** The plant model's hierarchy as scopes read it. A device id is "<line>/<asset>", so its line is the prefix. */
export interface PlantHierarchy {
  areaOfLine(line: string): string | undefined;
  linesOfArea(area: string): readonly string[];
}

const globCache = new Map<string, RegExp>();

export function globMatch(glob: string, s: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    if (globCache.size > 1000) globCache.clear();
    globCache.set(glob, re);
  }
  return re.test(s);
}

/** True when the scope limits devices at all. */
export function isScoped(scope: AgentScope | undefined): scope is AgentScope {
  return (scope?.devices?.length ?? 0) > 0 || (scope?.lines?.length ?? 0) > 0 || (scope?.areas?.length ?? 0) > 0;
}

const lineOfDevice = (deviceId: string) => deviceId.split('/')[0] ?? '';

/** The lines the scope grants whole: its lines and every line of its areas. */
function scopeLines(scope: AgentScope, plant?: PlantHierarchy): string[] {
  return [...new Set([...(scope.lines ?? []), ...(scope.areas ?? []).flatMap((a) => plant?.linesOfArea(a) ?? [])])];
}

/** The scope as device globs ("line-2/*", "line-3/pump-*"); SQLite's GLOB reads them the same way. */
export function scopeGlobs(scope: AgentScope, plant?: PlantHierarchy): string[] {
  return [...scopeLines(scope, plant).map((l) => `${l}/*`), ...(scope.devices ?? [])];
}

/** "area water-intake, line-2/*, line-3/pump-*": the scope as people read it. */
export function scopeLimits(scope: AgentScope): string {
  return [...(scope.areas ?? []).map((a) => `area ${a}`), ...(scope.lines ?? []).map((l) => `${l}/*`), ...(scope.devices ?? [])].join(', ');
}

/** Whether a device id is inside the scope (always, for an unscoped agent). */
export function deviceInScope(scope: AgentScope | undefined, deviceId: string, plant?: PlantHierarchy): boolean {
  if (!isScoped(scope)) return true;
  const line = lineOfDevice(deviceId);
  if ((scope.lines ?? []).includes(line)) return true;
  if (scope.areas?.length && plant) {
    const area = plant.areaOfLine(line);
    if (area !== undefined && scope.areas.includes(area)) return true;
  }
  return (scope.devices ?? []).some((g) => globMatch(g, deviceId));
}

function lineTouched(scope: AgentScope, line: string, plant?: PlantHierarchy): boolean {
  if (scopeLines(scope, plant).includes(line)) return true;
  return (scope.devices ?? []).some((g) => g.startsWith(`${line}/`) || globMatch(g.split('/')[0] ?? '', line));
}

/**
 * Why a device selector (a device id, a line such as "line-2", an area of the plant model, or "all")
 * is refused for this scope, or null. "all", and a line or area that holds devices in scope, are
 * allowed: the tool answers for the part of them inside the scope.
 */
export function selectorProblem(scope: AgentScope | undefined, selector: string, plant?: PlantHierarchy): string | null {
  if (!isScoped(scope)) return null;
  const limits = scopeLimits(scope);
  if (selector === 'all') return null;
  if (selector.includes('*') || selector.includes('?')) return `scope is limited to ${limits}; name a device, line or area in scope instead of "${selector}"`;
  if (!selector.includes('/')) {
    const areaLines = plant?.linesOfArea(selector) ?? [];
    if (areaLines.length && plant?.areaOfLine(selector) === undefined) {
      return areaLines.some((l) => lineTouched(scope, l, plant)) ? null : `area ${selector} is outside the agent's scope (${limits})`;
    }
    return lineTouched(scope, selector, plant) ? null : `line ${selector} is outside the agent's scope (${limits})`;
  }
  return deviceInScope(scope, selector, plant) ? null : `device ${selector} is outside the agent's scope (${limits})`;
}

interface AreasOf {
  areas: ReadonlyArray<{ id: string; lines: ReadonlyArray<{ id: string }> }>;
}
const hierarchies = new WeakMap<AreasOf, PlantHierarchy>();

/** The hierarchy of the plant model in force (read on every call, so a reloaded model counts at once). */
export function hierarchyOf(current: () => AreasOf): PlantHierarchy {
  const now = () => {
    const m = current();
    let h = hierarchies.get(m);
    if (!h) {
      const areaOf = new Map(m.areas.flatMap((a) => a.lines.map((l) => [l.id, a.id] as const)));
      const linesOf = new Map(m.areas.map((a) => [a.id, a.lines.map((l) => l.id)]));
      h = { areaOfLine: (line) => areaOf.get(line), linesOfArea: (area) => linesOf.get(area) ?? [] };
      hierarchies.set(m, h);
    }
    return h;
  };
  return { areaOfLine: (line) => now().areaOfLine(line), linesOfArea: (area) => now().linesOfArea(area) };
}
