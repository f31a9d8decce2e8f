// The one clock as a check (truth on screen): what the control room shows as a time is plant time,
// through PlantTime or fmtClock (renderer/src/time.ts). So no renderer file but time.ts reads a Date's
// clock fields or formats one (a second formatter is how wall-clock times got onto the Agents and Agent
// work panes beside plant time), and a wall-clock time (fmtWall) appears only in hover text that says
// "wall clock": a title, or the text that shows the plant time first. The type checker tells a Date
// from a number (12,000.toLocaleString() is a count, not a time). What it cannot tell: whether a number
// handed to fmtClock is a plant time; that stays with the reviewer. Used by tests/one-clock.test.ts.
import path from 'node:path';
import ts from 'typescript';
import { sourceFiles } from './arch';

export interface ClockFinding {
  where: string;
  what: string;
}

/** The one file that formats times. */
export const CLOCK_HOME = 'renderer/src/time.ts';

// A Date's local fields and its formatters. toISOString is left out: the machine form (a <time dateTime>,
// a file name, a request's parameter), never read as a time of day.
const DATE_READS = new Set([
  'getFullYear',
  'getMonth',
  'getDate',
  'getDay',
  'getHours',
  'getMinutes',
  'getSeconds',
  'toLocaleString',
  'toLocaleDateString',
  'toLocaleTimeString',
  'toString',
  'toDateString',
  'toTimeString',
  'toUTCString',
]);

function isDate(checker: ts.TypeChecker, node: ts.Node): boolean {
  const t = checker.getNonNullableType(checker.getTypeAtLocation(node));
  const parts = t.isUnion() ? t.types : [t];
  return parts.some((p) => p.getSymbol()?.getName() === 'Date');
}

const calls = (node: ts.Node | undefined, name: string): boolean => {
  let hit = false;
  const walk = (n: ts.Node) => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) hit = true;
    if (!hit) ts.forEachChild(n, walk);
  };
  if (node) walk(node);
  return hit;
};

/** The hover text a fmtWall call sits in, or why it is not one. The text is every template around it (nested ones too). */
function wallUseProblem(call: ts.CallExpression): string | null {
  const templates: ts.TemplateExpression[] = [];
  for (let n: ts.Node | undefined = call.parent; n; n = n.parent) {
    if (ts.isTemplateExpression(n)) templates.push(n);
    if (ts.isJsxExpression(n) && !ts.isJsxAttribute(n.parent)) return 'a wall-clock time as text on screen';
    const hover =
      (ts.isJsxAttribute(n) && n.name.getText() === 'title') ||
      (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left) && n.left.name.text === 'title');
    if (hover || templates.some((t) => calls(t, 'fmtClock'))) {
      const text = templates.flatMap((t) => [t.head.text, ...t.templateSpans.map((s) => s.literal.text)]).join(' ');
      return /wall clock/.test(text) ? null : 'a wall-clock time not labelled "wall clock"';
    }
    if (ts.isFunctionLike(n) && !ts.isArrowFunction(n)) break;
  }
  return 'a wall-clock time outside hover text (a title, or beside the plant time it explains)';
}

/** Every breach of the one-clock rule in `files` (paths relative to `root`) of `program`. */
export function clockFindings(program: ts.Program, root: string, files: readonly string[]): ClockFinding[] {
  const checker = program.getTypeChecker();
  const out: ClockFinding[] = [];
  for (const rel of files) {
    const sf = program.getSourceFile(path.join(root, rel));
    if (!sf) throw new Error(`not in the program: ${rel}`);
    const home = rel === CLOCK_HOME;
    const add = (n: ts.Node, what: string) => out.push({ where: `${rel}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`, what });
    const walk = (n: ts.Node) => {
      if (!home && ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
        const m = n.expression.name.text;
        if (DATE_READS.has(m) && isDate(checker, n.expression.expression)) add(n, `Date.${m} outside ${CLOCK_HOME}`);
      }
      if (!home && ts.isPropertyAccessExpression(n) && n.name.text === 'DateTimeFormat' && n.expression.getText(sf) === 'Intl') {
        add(n, `Intl.DateTimeFormat outside ${CLOCK_HOME}`);
      }
      // A Date turned into text without a word: its toString, in the browser's zone and 12/24-hour habit.
      if ((ts.isTemplateSpan(n) || (ts.isJsxExpression(n) && !ts.isJsxAttribute(n.parent))) && n.expression && isDate(checker, n.expression)) {
        add(n, 'a Date as text');
      }
      if (!home && ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'fmtWall') {
        const why = wallUseProblem(n);
        if (why) add(n, why);
      }
      ts.forEachChild(n, walk);
    };
    walk(sf);
  }
  return out;
}

/** The renderer's own sources (tests left out) as one program, with the project's compiler options. */
export function rendererClockFindings(root: string): ClockFinding[] {
  const files = sourceFiles(root, ['renderer/src']);
  const cfg = ts.readConfigFile(path.join(root, 'tsconfig.json'), (f) => ts.sys.readFile(f));
  const opts = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root).options;
  const program = ts.createProgram(
    files.map((f) => path.join(root, f)),
    { ...opts, noEmit: true },
  );
  return clockFindings(program, root, files);
}
