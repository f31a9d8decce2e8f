// An agent's device scope (lines and device globs): which devices it may act on and see.
// The gateway refuses calls that name a device outside the scope; tools that answer for many devices
// (the fleet, a line) filter their answers to the scope, so a line-2 assistant reads line 2 only.
import type { AgentScope } from '../../../shared/governance';

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
export function isScoped(scope: AgentScope | undefined): boolean {
  return (scope?.devices?.length ?? 0) > 0 || (scope?.lines?.length ?? 0) > 0;
}

/** The scope as device globs ("line-2/*", "line-3/pump-*"); SQLite's GLOB reads them the same way. */
export function scopeGlobs(scope: AgentScope): string[] {
  return [...(scope.lines ?? []).map((l) => `${l}/*`), ...(scope.devices ?? [])];
}

/** "line-2/*, line-3/pump-*": the scope as people read it. */
export function scopeLimits(scope: AgentScope): string {
  return scopeGlobs(scope).join(', ');
}

/** Whether a device id is inside the scope (always, for an unscoped agent). */
export function deviceInScope(scope: AgentScope | undefined, deviceId: string): boolean {
  if (!isScoped(scope)) return true;
  return (scope!.lines ?? []).some((l) => deviceId.startsWith(`${l}/`)) || (scope!.devices ?? []).some((g) => globMatch(g, deviceId));
}

/**
 * Why a device selector (a device id, a line such as "line-2", or "all") is refused for this scope,
 * or null. "all" and a line that holds devices in scope are allowed: the tool answers for the part
 * of them inside the scope.
 */
export function selectorProblem(scope: AgentScope | undefined, selector: string): string | null {
  if (!isScoped(scope)) return null;
  const limits = scopeLimits(scope!);
  if (selector === 'all') return null;
  if (selector.includes('*') || selector.includes('?')) return `scope is limited to ${limits}; name a device or line in scope instead of "${selector}"`;
  if (!selector.includes('/')) {
    const line = selector;
    const touches =
      (scope!.lines ?? []).includes(line) || (scope!.devices ?? []).some((g) => g.startsWith(`${line}/`) || globMatch(g.split('/')[0] ?? '', line));
    return touches ? null : `line ${line} is outside the agent's scope (${limits})`;
  }
  return deviceInScope(scope, selector) ? null : `device ${selector} is outside the agent's scope (${limits})`;
}
