#!/usr/bin/env node
// Electron's ABI differs from Node's. Tests and serve mode use the Node build that `npm install`
// made; the desktop app loads an Electron-ABI copy of better-sqlite3 from .vendor/electron-sqlite/
// (through better-sqlite3's nativeBinding option). Build that copy once, on first `npm start`.
// Needs Electron's headers (network) the first time; `npm run serve` never needs this.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vendor = path.join(root, '.vendor', 'electron-sqlite');
const target = path.join(vendor, 'better_sqlite3.node');
const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const stamp = path.join(vendor, 'electron-version');

if (fs.existsSync(target) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === electronVersion) process.exit(0);

console.error(`[aegisflow] building better-sqlite3 for Electron ${electronVersion} (first start only)…`);
const work = path.join(vendor, 'build-root');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(path.join(work, 'node_modules'), { recursive: true });
fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'electron-sqlite-build', version: '0.0.0', dependencies: { 'better-sqlite3': '*' } }));
fs.cpSync(path.join(root, 'node_modules', 'better-sqlite3'), path.join(work, 'node_modules', 'better-sqlite3'), {
  recursive: true,
  filter: (src) => !src.includes(`${path.sep}build${path.sep}`),
});
try {
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: work, electronVersion, onlyModules: ['better-sqlite3'], force: true });
  fs.copyFileSync(path.join(work, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), target);
  fs.writeFileSync(stamp, electronVersion);
  fs.rmSync(work, { recursive: true, force: true });
  console.error('[aegisflow] done:', path.relative(root, target));
} catch (err) {
  console.error(`[aegisflow] could not build better-sqlite3 for Electron: ${err?.message ?? err}`);
  console.error('[aegisflow] the desktop app needs it; on a machine without network or a display, run `npm run serve` instead.');
  process.exit(1);
}
