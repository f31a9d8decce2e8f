#!/usr/bin/env node
// npm run check:security — the attack suite (tests/security: one file per finding of issue 13, each the
// attack with real parts against a live core) and what the attacks measured. Ends with one JSON line:
// {"attacks_tried":…,"attacks_succeeded":…,"secrets_found_in_store":…,"max_event_loop_stall_ms":…}
// An attack "succeeded" when its test failed (the test asserts the attack is refused). Exit 1 if any did,
// if a secret was found in a store, or if the event loop stalled beyond 50 ms.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = path.join(root, '.tmp');
fs.mkdirSync(tmp, { recursive: true });
const report = path.join(tmp, 'security-report.json');
const figures = path.join(tmp, 'security-figures.jsonl');
fs.rmSync(report, { force: true });
fs.rmSync(figures, { force: true });

// The UI attack (finding 13) drives the built renderer.
if (!fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
  const b = spawnSync(path.join(root, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
const run = spawnSync(
  path.join(root, 'node_modules', '.bin', 'vitest'),
  ['run', 'tests/security', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, AEGISFLOW_SECURITY_FIGURES: figures } },
);

let tried = 0;
let succeeded = 0;
const lines = [];
try {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  for (const file of r.testResults ?? []) {
    const name = path.relative(root, file.name);
    if (!file.assertionResults?.length) {
      // A suite that did not even load proves nothing: count it as an attack that got through.
      tried++;
      succeeded++;
      lines.push(`  SUCCEEDED  ${name} (suite failed to run: ${String(file.message ?? '').split('\n')[0]})`);
    }
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'skipped' || t.status === 'pending' || t.status === 'todo') continue;
      tried++;
      const ok = t.status === 'passed';
      if (!ok) succeeded++;
      lines.push(`  ${ok ? 'refused  ' : 'SUCCEEDED'}  ${name} › ${t.title}`);
    }
  }
} catch (err) {
  console.error(`check:security: no test report (${err.message})`);
  succeeded = Math.max(succeeded, 1);
}
const seen = fs.existsSync(figures)
  ? fs
      .readFileSync(figures, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
const of = (name) => seen.filter((f) => f.name === name).map((f) => f.value);
const secrets = of('secrets_found_in_store').reduce((a, b) => a + b, 0);
const stalls = of('max_event_loop_stall_ms');
const stall = stalls.length ? Math.max(...stalls) : null;

console.log('\ncheck:security — each line one attack against a live core');
for (const l of lines) console.log(l);
console.log(`  secrets planted by agents and found in clear in the stores: ${secrets} (${of('secrets_found_in_store').length} scan(s))`);
console.log(`  longest event-loop stall under the heavy-read attack: ${stall ?? 'not measured'} ms (target ≤ 50)`);
console.log(JSON.stringify({ attacks_tried: tried, attacks_succeeded: succeeded, secrets_found_in_store: secrets, max_event_loop_stall_ms: stall }));
process.exit(run.status === 0 && succeeded === 0 && secrets === 0 && (stall === null || stall <= 50) ? 0 : 1);
