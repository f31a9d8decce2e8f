// YAML files people edit (policy, plant model): parse with line positions, validate with zod, and
// report every problem as "file:line:col path: message". Never throws.
import YAML, { LineCounter, type Document } from 'yaml';
import type { z } from 'zod';

export interface YamlProblem {
  line: number;
  col: number;
  /** Dotted path in the document, '' for syntax errors. */
  path: string;
  message: string;
}

export function formatProblems(file: string, problems: readonly YamlProblem[]): string {
  return problems.map((p) => `${file}:${p.line}:${p.col}${p.path ? ` ${p.path}` : ''}: ${p.message}`).join('\n');
}

/** A parsed document that can place a path on its line and column. */
export interface PositionedYaml {
  data: unknown;
  at(path: readonly PropertyKey[]): { line: number; col: number };
  problem(path: readonly PropertyKey[], message: string): YamlProblem;
}

/** Parse YAML text; syntax errors come back positioned. */
export function parseYaml(text: string): { ok: true; doc: PositionedYaml } | { ok: false; problems: YamlProblem[] } {
  const lc = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        line: e.linePos?.[0]?.line ?? 1,
        col: e.linePos?.[0]?.col ?? 1,
        path: '',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  const at = (path: readonly PropertyKey[]) => positionOf(doc, lc, path);
  return {
    ok: true,
    doc: { data: doc.toJS({ maxAliasCount: 100 }) ?? {}, at, problem: (path, message) => ({ ...at(path), path: path.map(String).join('.'), message }) },
  };
}

function positionOf(doc: Document, lc: LineCounter, issuePath: readonly PropertyKey[]): { line: number; col: number } {
  // Walk down as far as the path exists; a missing key is reported at its parent.
  for (let n = issuePath.length; n >= 0; n--) {
    const node = doc.getIn(issuePath.slice(0, n) as Array<string | number>, true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      const pos = lc.linePos(node.range[0]);
      return { line: pos.line, col: pos.col };
    }
  }
  return { line: 1, col: 1 };
}

/** zod issues as positioned problems, in document order. */
export function zodProblems(doc: PositionedYaml, error: z.ZodError): YamlProblem[] {
  return error.issues.map((i) => doc.problem(i.path, i.message)).sort((a, b) => a.line - b.line || a.col - b.col);
}
