// `npm run serve`: build the control room UI first when it is missing (a fresh clone) or older than its
// sources (after a pull), so the page served is the control room that matches this core.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'out', 'renderer', 'index.html');

/** Newest modification time under these folders (files only). */
function newest(dirs) {
  let t = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return t;
}

const why = !existsSync(built)
  ? 'is not built yet'
  : newest([path.join(root, 'renderer'), path.join(root, 'shared')]) > statSync(built).mtimeMs
    ? 'is older than its sources'
    : null;
if (why) {
  console.error(`aegisflow: the control room UI ${why}; building it (npm run build)…`);
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) console.error('aegisflow: the UI build failed; the core starts anyway (run `npm run build` to retry)');
}
