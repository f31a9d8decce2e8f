// npm run check:arch — the architecture check (docs/parts.json, scripts/arch.ts) and the size and lint
// figures beside it. Prints the parts and their arrows, what breaks the rules, the named deviations still
// to remove, the private-file imports and the files over the size limit; ends with one JSON line:
// {"undeclared_arrows":…,"never_broken":…,"files_over_400":…,"lint_errors":…,"deviations":…,"private_imports":…}
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyse } from './arch';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const r = analyse(root);
const byFrom = new Map<string, string[]>();
for (const [k, list] of r.arrows) {
  const [from, to] = k.split(' -> ');
  byFrom.set(from, [...(byFrom.get(from) ?? []), `${to}(${list.length})`]);
}
console.log(
  `check:arch — ${r.files} source files in ${new Set([...r.arrows.keys()].map((k) => k.split(' -> ')[0])).size} importing parts, ${r.arrows.size} arrows`,
);
for (const [from, tos] of [...byFrom].sort()) console.log(`  ${from.padEnd(14)} -> ${tos.sort().join(', ')}`);
const section = (title: string, lines: string[]) => {
  console.log(`\n${title}: ${lines.length}`);
  for (const l of lines) console.log(`  ${l}`);
};
section(
  'undeclared arrows (add to docs/parts.json with a reason, or remove the import)',
  r.undeclared.map((u) => `${u.arrow}  e.g. ${u.examples.join('; ')}`),
);
section(
  'never-rules broken',
  r.neverBroken.map((n) => `${n.rule}: ${n.where} (${n.reason})`),
);
section('declared arrows no import uses any more (remove them)', r.stale);
section('unassigned files (give them a part)', r.unassigned);
section(
  'deviations still to remove (declared, with the reason)',
  r.deviations.map((d) => `${d.arrow} (${d.count}): ${d.reason}`),
);
section("imports of another part's private file (not its index)", r.privateImports);
section(
  `files over ${400} lines`,
  r.oversized.map((o) => `${o.file} ${o.lines}`),
);

const lint = spawnSync(path.join(root, 'node_modules', '.bin', 'eslint'), ['.', '-f', 'json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
let lintErrors = -1;
try {
  lintErrors = (JSON.parse(lint.stdout) as Array<{ errorCount: number }>).reduce((n, f) => n + f.errorCount, 0);
} catch {
  console.log(`\neslint did not report: ${lint.stderr.slice(0, 300)}`);
}
console.log(`\nlint errors: ${lintErrors}`);
console.log(
  JSON.stringify({
    undeclared_arrows: r.undeclared.length,
    never_broken: r.neverBroken.length,
    files_over_400: r.oversized.length,
    lint_errors: lintErrors,
    deviations: r.deviations.length,
    private_imports: r.privateImports.length,
  }),
);
process.exit(r.undeclared.length || r.neverBroken.length || r.stale.length || r.unassigned.length || lintErrors !== 0 ? 1 : 0);
