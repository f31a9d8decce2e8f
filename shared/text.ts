// Text shown to an operator that came from an agent or a device (approval cards, audit, logbook):
// text-direction controls (which can make "fdp.exe" read as "exe.pdf", or reorder a command's
// arguments on screen) and other control characters are replaced by a visible [U+XXXX] marker, so
// what the operator reads is what the text is. Newlines and tabs stay. Plain TypeScript (no Node,
// no DOM): the core applies it to its views, the renderer may apply it again.

// Bidi embeddings/overrides/isolates, marks, ALM; C0 and C1 controls except tab and newline; DEL.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

const mark = (c: string) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;

export function neutralizeText(s: string): string {
  return s.replace(UNSAFE, mark);
}

/** neutralizeText on every string (keys too) of a JSON-like value; other values as they are. */
export function neutralizeDeep<T>(v: T, depth = 0): T {
  if (typeof v === 'string') return neutralizeText(v) as T;
  if (depth > 32 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => neutralizeDeep(x, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[neutralizeText(k)] = neutralizeDeep(x, depth + 1);
  return out as T;
}
