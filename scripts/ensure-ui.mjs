// `npm run serve` on a fresh clone: build the control room UI first when it is missing (out/renderer),
// so the first page is the control room and not "UI not built yet". Skipped when it exists.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
  console.error('aegisflow: the control room UI is not built yet; building it once (npm run build)…');
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('aegisflow: the UI build failed; the core starts anyway (run `npm run build` to retry)');
  }
}
