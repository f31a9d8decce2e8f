#!/usr/bin/env node
// `npm test`: lint (ESLint and Prettier), typecheck, build (the UI tests drive the built renderer in
// Chromium), then every vitest suite. Ends with the runner's own counts as one plain line: "N passed, N failed".
// Extra arguments go to vitest (e.g. `npm test -- tests/pipeline`), which skips typecheck and build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const args = process.argv.slice(2);
const run = (cmd, argv) => spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;

if (args.length === 0) {
  for (const [label, cmd, argv] of [
    ['lint', 'npm', ['run', '--silent', 'lint']],
    ['typecheck', bin('tsc'), ['--noEmit']],
    ['build', bin('electron-vite'), ['build']],
  ]) {
    console.log(`\n== ${label}`);
    if (run(cmd, argv) !== 0) {
      console.log(`${label} failed`);
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
  }
}

const report = path.join(root, '.tmp', 'vitest-report.json');
fs.mkdirSync(path.dirname(report), { recursive: true });
fs.rmSync(report, { force: true });
console.log('\n== vitest');
const code = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args]);
let passed = 0;
let failed = 0;
try {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  // A suite that failed to load has no failed test of its own: count it as one failure.
  const brokenSuites = (r.testResults ?? []).filter((t) => t.status === 'failed' && !t.assertionResults?.some((a) => a.status === 'failed')).length;
  failed = r.numFailedTests + brokenSuites;
} catch {
  failed = Math.max(failed, 1);
}
if (code !== 0 && failed === 0) failed = 1; // a crash or an empty run is a failure, never a pass
console.log(`${passed} passed, ${failed} failed`);
process.exit(code !== 0 || failed > 0 ? 1 : 0);
