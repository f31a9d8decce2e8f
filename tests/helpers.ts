// Test helpers: temp data dirs that clean themselves up, and polling for a condition.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Caller } from '../shared/operators';

export function tempDir(prefix = 'aegisflow-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * An authenticated operator, for in-process calls that act for a person:
 * `core.api.call('approvals.decide', { id, verdict: 'approve' }, OPERATOR)`.
 */
export const OPERATOR: Caller = Object.freeze({
  operator: { id: 'op-test', name: 'Test Operator', roles: ['admin'] },
  via: 'internal',
});

/** An authenticated operator with this name (and roles), for tests that check who decided. */
export function operatorCaller(name: string, roles: string[] = ['admin']): Caller {
  return Object.freeze({ operator: { id: `op-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, name, roles }, via: 'internal' });
}
