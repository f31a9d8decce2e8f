// Read a plant model file: YAML with positions → zod → cross-checks → the resolved model. Every
// problem comes back as "file:line:col path: message"; nothing is half-loaded.
import fs from 'node:fs';
import path from 'node:path';
import { PlantModelFileSchema } from '../../../shared/schemas/model';
import { parseYaml, zodProblems, type YamlProblem } from '../yaml';
import { resolveModel, type Resolution } from './resolve';

export type ModelParse = Extract<Resolution, { ok: true }> | { ok: false; problems: YamlProblem[] };

/** Parse and validate model text. Never throws. */
export function parseModel(text: string, file = '<text>'): ModelParse {
  const y = parseYaml(text);
  if (!y.ok) return y;
  const parsed = PlantModelFileSchema.safeParse(y.doc.data);
  if (!parsed.success) return { ok: false, problems: zodProblems(y.doc, parsed.error) };
  const r = resolveModel(parsed.data, file, text);
  if (!r.ok) return { ok: false, problems: r.issues.map((i) => y.doc.problem(i.path, i.message)).sort((a, b) => a.line - b.line || a.col - b.col) };
  return r;
}

/** Read and parse a model file. Never throws. */
export function loadModelFile(file: string): ModelParse {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ line: 1, col: 1, path: '', message: `cannot read plant model: ${(err as Error).message}` }] };
  }
  return parseModel(text, path.resolve(file));
}
