// The architecture as a check (issue 14): every source file belongs to a part (docs/parts.json), every
// import from one part into another is an arrow, and an arrow must be declared there — as the design
// (`arrows`) or as a named deviation still to be removed (`deviations`); never-rules say what must not
// happen at all, with the reason. In the manner of VS Code's layer rules: the folder says what a file may
// import. Used by `npm run check:arch` (prints the picture) and tests/architecture.test.ts.
import fs from 'node:fs';
import path from 'node:path';

export interface NeverRule {
  rule: string;
  /** Part names (or '*') whose files the rule applies to. */
  from: string[];
  /** A regular expression on the import: the resolved repo path, or the bare specifier of a package. */
  importPattern: string;
  /** Parts exempt (e.g. the owner of what is protected). */
  except?: string[];
  reason: string;
}

export interface PartsFile {
  maxLines: number;
  parts: Record<string, { folders: string[]; description: string }>;
  arrows: Record<string, string>;
  deviations: Record<string, string>;
  never: NeverRule[];
}

export interface Import {
  file: string;
  line: number;
  spec: string;
  target: string | null;
}

const isTest = (f: string) => /\.test\.tsx?$/.test(f);

export function sourceFiles(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = path.posix.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (/\.(ts|tsx)$/.test(e.name) && !isTest(e.name)) out.push(r);
    }
  };
  for (const d of dirs) if (fs.existsSync(path.join(root, d))) walk(d);
  return out.sort();
}

function resolve(root: string, from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const c of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`, base.replace(/\.js$/, '.ts')]) {
    const abs = path.join(root, c);
    if (fs.existsSync(abs) && fs.statSync(abs).isFile()) return c;
  }
  return base;
}

export function importsOf(root: string, file: string): Import[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const out: Import[] = [];
  const re = /(?:^|\n)[ \t]*(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"\n]+)['"]|import\(\s*['"]([^'"\n]+)['"]\s*\)/g;
  for (let m: RegExpExecArray | null; (m = re.exec(text));) {
    const spec = m[1] ?? m[2] ?? '';
    const line = text.slice(0, m.index + (text[m.index] === '\n' ? 1 : 0)).split('\n').length;
    out.push({ file, line, spec, target: resolve(root, file, spec) });
  }
  return out;
}

export function partOf(parts: PartsFile['parts'], file: string): string | null {
  let best: { name: string; len: number } | null = null;
  for (const [name, p] of Object.entries(parts))
    for (const f of p.folders) {
      const hit = f.endsWith('/') ? file.startsWith(f) : file === f;
      if (hit && (!best || f.length > best.len)) best = { name, len: f.length };
    }
  return best?.name ?? null;
}

/** A part's public face: its index file (or the part is a single file, or a folder with no index). */
function isPublicFace(parts: PartsFile['parts'], part: string, file: string): boolean {
  const folders = parts[part]?.folders ?? [];
  return folders.some((f) => (f.endsWith('/') ? file === `${f}index.ts` || file === `${f}index.tsx` || !fs.existsSync(`${f}index.ts`) : file === f));
}

export interface ArchReport {
  files: number;
  unassigned: string[];
  arrows: Map<string, Import[]>;
  undeclared: Array<{ arrow: string; examples: string[] }>;
  deviations: Array<{ arrow: string; reason: string; count: number }>;
  stale: string[];
  privateImports: string[];
  neverBroken: Array<{ rule: string; reason: string; where: string }>;
  oversized: Array<{ file: string; lines: number }>;
}

export const SOURCE_DIRS = ['electron', 'shared', 'renderer/src'] as const;

export function analyse(root: string): ArchReport {
  const spec = JSON.parse(fs.readFileSync(path.join(root, 'docs', 'parts.json'), 'utf8')) as PartsFile;
  const files = sourceFiles(root, SOURCE_DIRS);
  const arrows = new Map<string, Import[]>();
  const unassigned: string[] = [];
  const neverBroken: ArchReport['neverBroken'] = [];
  const privateImports: string[] = [];
  const oversized: ArchReport['oversized'] = [];
  const cwd = process.cwd();
  process.chdir(root);
  try {
    for (const f of files) {
      const from = partOf(spec.parts, f);
      if (!from) unassigned.push(f);
      const lines = fs.readFileSync(f, 'utf8').split('\n').length;
      if (lines > spec.maxLines) oversized.push({ file: f, lines });
      for (const imp of importsOf(root, f)) {
        const to = imp.target ? partOf(spec.parts, imp.target) : null;
        for (const n of spec.never) {
          if (!from || !(n.from.includes('*') || n.from.includes(from)) || n.except?.includes(from)) continue;
          if (new RegExp(n.importPattern).test(imp.target ?? imp.spec))
            neverBroken.push({ rule: n.rule, reason: n.reason, where: `${f}:${imp.line} imports ${imp.spec}` });
        }
        if (!from || !to || from === to) continue;
        if (imp.target && !isPublicFace(spec.parts, to, imp.target)) privateImports.push(`${f}:${imp.line} -> ${imp.target}`);
        const key = `${from} -> ${to}`;
        arrows.set(key, [...(arrows.get(key) ?? []), imp]);
      }
    }
  } finally {
    process.chdir(cwd);
  }
  const undeclared = [...arrows.entries()]
    .filter(([k]) => !(k in spec.arrows) && !(k in spec.deviations))
    .map(([arrow, list]) => ({ arrow, examples: list.slice(0, 3).map((i) => `${i.file}:${i.line} ${i.spec}`) }));
  const deviations = Object.entries(spec.deviations)
    .filter(([k]) => arrows.has(k))
    .map(([arrow, reason]) => ({ arrow, reason, count: arrows.get(arrow)!.length }));
  const stale = [...Object.keys(spec.arrows), ...Object.keys(spec.deviations)].filter((k) => !arrows.has(k));
  return {
    files: files.length,
    unassigned,
    arrows,
    undeclared,
    deviations,
    stale,
    privateImports,
    neverBroken,
    oversized: oversized.sort((a, b) => b.lines - a.lines),
  };
}
