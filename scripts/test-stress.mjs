#!/usr/bin/env node
// npm run test:stress — the whole vitest suite while two CPU burners keep both cores busy (issue 14:
// tests that hold under load). A test that passes only on an idle machine depends on a race: this finds it.
// Extra arguments go to vitest. Ends with the runner's counts as one plain line: "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const burners = Math.max(2, Math.min(4, os.cpus().length));
const procs = Array.from({ length: burners }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stop = () => procs.forEach((p) => p.kill('SIGKILL'));
process.on('exit', stop);
process.on('SIGINT', () => process.exit(130));
console.log(`test:stress — ${burners} CPU burners running beside the suite (load on ${os.cpus().length} cores)`);

if (!fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
  const b = spawnSync(path.join(root, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'test.mjs'), ...(process.argv.length > 2 ? process.argv.slice(2) : ['--'])], {
  cwd: root,
  stdio: 'inherit',
});
stop();
process.exit(r.status ?? 1);
