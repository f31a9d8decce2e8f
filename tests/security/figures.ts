// Figures an attack test measured (an event-loop stall, secrets found in a file), for
// `npm run check:security`: each call adds one JSON line to $AEGISFLOW_SECURITY_FIGURES when that is set.
// The tests assert their own bounds; this only reports what they saw.
import fs from 'node:fs';
import { expect } from 'vitest';

export function recordFigure(name: 'max_event_loop_stall_ms' | 'secrets_found_in_store', value: number, detail?: Record<string, unknown>): void {
  const file = process.env.AEGISFLOW_SECURITY_FIGURES;
  if (!file) return;
  fs.appendFileSync(file, JSON.stringify({ name, value, test: expect.getState().currentTestName ?? null, ...detail }) + '\n');
}
