// The run file: <dataDir>/aegisflow.run.json says a core is running on this data directory and where
// its API is. The CLI reads it to talk to the running app instead of opening its database behind its
// back. Written at the end of start, removed at stop; a file whose process is gone is stale.
import fs from 'node:fs';
import path from 'node:path';

export interface RunInfo {
  pid: number;
  /** The HTTP API (null when the app runs without HTTP: the CLI cannot reach it then). */
  url: string | null;
  startedAt: number;
  /** The one-time first-run setup code while no operator account exists (the file is the owner's only). */
  setupCode: string | null;
}

export const RUN_FILE = 'aegisflow.run.json';
export const runFilePath = (dataDir: string) => path.join(dataDir, RUN_FILE);

export function writeRunFile(dataDir: string, info: RunInfo): void {
  const file = runFilePath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Remove the run file if it is still this start's (another core may have taken the data dir since). */
export function removeRunFile(dataDir: string, info: RunInfo): void {
  const now = readRunFile(dataDir);
  if (now && now.pid === info.pid && now.startedAt === info.startedAt) fs.rmSync(runFilePath(dataDir), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running core on this data dir, or null (no file, unreadable, or its process has ended). */
export function readRunFile(dataDir: string): RunInfo | null {
  let info: Partial<RunInfo>;
  try {
    info = JSON.parse(fs.readFileSync(runFilePath(dataDir), 'utf8')) as Partial<RunInfo>;
  } catch {
    return null;
  }
  if (typeof info.pid !== 'number' || !alive(info.pid)) return null;
  return { pid: info.pid, url: typeof info.url === 'string' ? info.url : null, startedAt: Number(info.startedAt) || 0, setupCode: info.setupCode ?? null };
}
