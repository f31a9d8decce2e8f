// The core must run in plain Node (serve mode, tests, benches): nothing under electron/core may import
// 'electron', directly or through a dynamic import or require.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.(ts|tsx|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

const ELECTRON_IMPORT = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"]electron(?:\/[^'"]*)?['"]/;

describe('core boundary', () => {
  const core = path.resolve(__dirname, '..', 'electron', 'core');
  const all = files(core);

  it('scans the whole core', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all.some((f) => f.endsWith(path.join('core', 'index.ts')))).toBe(true);
  });

  it('never imports electron under electron/core', () => {
    const offenders = all.filter((f) => ELECTRON_IMPORT.test(fs.readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the detector pattern itself catches the forms it must', () => {
    expect(ELECTRON_IMPORT.test(`import { app } from 'electron';`)).toBe(true);
    expect(ELECTRON_IMPORT.test(`const e = await import("electron")`)).toBe(true);
    expect(ELECTRON_IMPORT.test(`require('electron/main')`)).toBe(true);
    expect(ELECTRON_IMPORT.test(`import x from 'electron-vite'`)).toBe(false);
  });
});
