// The one clock as a check (scripts/one-clock.ts): no renderer file but time.ts formats a Date, and a
// wall-clock time shows only as hover text labelled "wall clock". First that the check finds each kind
// of breach in a file written to break it (and passes what is allowed), then the renderer itself.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { clockFindings, rendererClockFindings } from '../scripts/one-clock';
import { tempDir } from './helpers';

const FIXTURE = `
declare function fmtWall(ms: number): string;
declare function fmtClock(ms: number): string;
declare const el: { title: string };
const d = new Date(0);
export const hours = d.getHours();
export const local = new Date(5).toLocaleTimeString();
export const asText = \`at \${d}\`;
export const count = (12000).toLocaleString();
export const machine = d.toISOString();
export const fmt = new Intl.DateTimeFormat('en-GB');
export const bare = <span>{fmtWall(1)}</span>;
export const unlabelled = <span title={fmtWall(1)}>x</span>;
export const labelled = <span title={\`ends \${fmtWall(1)} wall clock\`}>x</span>;
export const beside = \`\${fmtClock(1)} plant time · wall clock \${fmtWall(1)}\`;
export const loose = \`written \${fmtWall(1)} wall clock\`;
el.title = \`\${fmtWall(1)} wall clock\`;
`;

describe('one clock on screen (scripts/one-clock.ts)', () => {
  it('finds a second formatter, a Date as text, and a wall time shown or unlabelled; passes counts, ISO strings and labelled hover text', () => {
    const t = tempDir('aegis-one-clock-');
    try {
      const rel = 'fixture.tsx';
      fs.writeFileSync(path.join(t.dir, rel), FIXTURE);
      const program = ts.createProgram([path.join(t.dir, rel)], {
        jsx: ts.JsxEmit.Preserve,
        strict: true,
        noEmit: true,
        lib: ['lib.es2022.full.d.ts'],
        types: [],
      });
      const found = clockFindings(program, t.dir, [rel]).map((f) => `${f.where.split(':')[1]} ${f.what}`);
      const lineOf = (text: string) => FIXTURE.split('\n').findIndex((l) => l.includes(text)) + 1;
      expect(found).toEqual([
        `${lineOf('d.getHours()')} Date.getHours outside renderer/src/time.ts`,
        `${lineOf('toLocaleTimeString')} Date.toLocaleTimeString outside renderer/src/time.ts`,
        `${lineOf('asText')} a Date as text`,
        `${lineOf('Intl.DateTimeFormat')} Intl.DateTimeFormat outside renderer/src/time.ts`,
        `${lineOf('const bare')} a wall-clock time as text on screen`,
        `${lineOf('const unlabelled')} a wall-clock time not labelled "wall clock"`,
        `${lineOf('const loose')} a wall-clock time outside hover text (a title, or beside the plant time it explains)`,
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('the renderer formats times only in time.ts and shows wall-clock times only labelled, on hover', () => {
    expect(rendererClockFindings(path.resolve(__dirname, '..'))).toEqual([]);
  }, 60_000);
});
