#!/usr/bin/env node
// aegisflow CLI entry. Runs the TypeScript sources through tsx so the CLI works right after
// `npm install`, with no build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

register();
// `aegisflow … | head`: a reader that stops early is not an error (no EPIPE stack trace).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const here = path.dirname(fileURLToPath(import.meta.url));
const { main } = await import(pathToFileURL(path.join(here, '..', 'electron', 'cli', 'index.ts')).href);
process.exitCode = await main(process.argv.slice(2));
