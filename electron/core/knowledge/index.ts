// Device manual index for query_device_manual: the manual is split at its numbered headings
// ("2.1 Thermal runaway (compressors)") and searched with Okapi BM25, so every hit cites a section.
// Offline and deterministic: no embeddings, no model download. The corpus is ~30 sections, so the
// whole index is rebuilt in well under a millisecond and kept in memory.
import fs from 'node:fs';
import path from 'node:path';

export interface ManualSection {
  /** Section number as printed, e.g. "2.1". */
  number: string;
  title: string;
  /** Heading path for context, e.g. "2 Failure modes > 2.1 Thermal runaway (compressors)". */
  path: string;
  text: string;
}

export interface ManualHit {
  section: string;
  title: string;
  /** "SOP 2.1 Thermal runaway (compressors)": what an answer cites. */
  citation: string;
  score: number;
  /** The section text (possibly cut to maxChars). */
  text: string;
  truncated: boolean;
}

export interface ManualIndex {
  readonly sections: readonly ManualSection[];
  /** The manual's full markdown (served as an MCP resource). */
  readonly markdown: string;
  search(query: string, opts?: { limit?: number; deviceType?: string; maxChars?: number }): ManualHit[];
  section(number: string): ManualSection | null;
}

const HEADING = /^(#{1,6})\s+(\d+(?:\.\d+)*)\s+(.+?)\s*$/;

/** Split markdown into numbered sections (a heading without a number stays with its parent). */
export function parseManual(markdown: string): ManualSection[] {
  const out: ManualSection[] = [];
  const trail: Array<{ level: number; label: string }> = [];
  let cur: { number: string; title: string; path: string; lines: string[] } | null = null;
  const flush = () => {
    if (cur) out.push({ number: cur.number, title: cur.title, path: cur.path, text: cur.lines.join('\n').trim() });
  };
  for (const line of markdown.split(/\r?\n/)) {
    const m = HEADING.exec(line);
    if (m) {
      flush();
      const level = m[1].length;
      while (trail.length && trail[trail.length - 1].level >= level) trail.pop();
      trail.push({ level, label: `${m[2]} ${m[3]}` });
      cur = { number: m[2], title: m[3], path: trail.map((t) => t.label).join(' > '), lines: [] };
      continue;
    }
    cur?.lines.push(line);
  }
  flush();
  return out;
}

// Short English stop list: words that carry no meaning for retrieval in this manual.
const STOP = new Set(
  'a an and are as at be by for from has have if in into is it its of on or that the their then this to was were will with when which while do does not no can may must'.split(
    ' ',
  ),
);

/** Lowercase word tokens with a light plural/-ing stemmer (runaway ≈ runaways, bearing ≈ bearings). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().match(/[a-z0-9_]+/g) ?? []) {
    if (STOP.has(raw)) continue;
    let t = raw;
    if (t.length > 4 && t.endsWith('ies')) t = t.slice(0, -3) + 'y';
    else if (t.length > 3 && t.endsWith('s') && !t.endsWith('ss')) t = t.slice(0, -1);
    out.push(t);
  }
  return out;
}

/** BM25 parameters: the textbook values (Robertson & Zaragoza 2009). */
const K1 = 1.2;
const B = 0.75;
/** A section's heading counts this many times: "thermal runaway" in a title beats a passing mention. */
const TITLE_WEIGHT = 3;

export function createManualIndex(markdown: string): ManualIndex {
  const sections = parseManual(markdown);
  const docs = sections.map((s) => {
    const tokens = [...Array<string[]>(TITLE_WEIGHT).fill(tokenize(s.title)).flat(), ...tokenize(s.text)];
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    return { tf, len: tokens.length };
  });
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const avgLen = docs.reduce((s, d) => s + d.len, 0) / Math.max(1, docs.length);
  const n = docs.length;
  const idf = (t: string) => {
    const f = df.get(t) ?? 0;
    return Math.log(1 + (n - f + 0.5) / (f + 0.5));
  };

  return {
    sections,
    markdown,
    section: (number) => sections.find((s) => s.number === number) ?? null,
    search(query, opts = {}) {
      const limit = Math.min(Math.max(opts.limit ?? 3, 1), 10);
      const maxChars = opts.maxChars ?? 2000;
      const terms = [...new Set(tokenize(query + (opts.deviceType ? ` ${opts.deviceType}` : '')))];
      if (terms.length === 0) return [];
      const scored = docs.map((d, i) => {
        let score = 0;
        for (const t of terms) {
          const f = d.tf.get(t);
          if (!f) continue;
          score += idf(t) * ((f * (K1 + 1)) / (f + K1 * (1 - B + (B * d.len) / avgLen)));
        }
        return { i, score };
      });
      return scored
        .filter((s) => s.score > 0)
        .sort((a, b) => b.score - a.score || a.i - b.i)
        .slice(0, limit)
        .map(({ i, score }) => {
          const s = sections[i];
          const truncated = s.text.length > maxChars;
          return {
            section: s.number,
            title: s.title,
            citation: `SOP ${s.number} ${s.title}`,
            score: Math.round(score * 1000) / 1000,
            text: truncated ? s.text.slice(0, maxChars) + ' …' : s.text,
            truncated,
          };
        });
    },
  };
}

export function defaultManualPath(resourcesDir: string): string {
  return path.join(resourcesDir, 'device_manual.md');
}

/** Load and index the manual file; a missing file gives an empty index (and the caller logs it). */
export function loadManualIndex(file: string): ManualIndex {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    text = '';
  }
  return createManualIndex(text);
}

/** A hit of a manual library: which manual file it came from, besides the section it cites. */
export interface LibraryHit extends ManualHit {
  /** The manual file's name (e.g. "device_manual.md"). */
  manual: string;
}

/** The plant model as the library reads it: its file and each asset's type and manual. */
export interface ManualModel {
  file: string;
  assets: ReadonlyArray<{ type: string; manual?: string }>;
}

/**
 * The device manuals of the plant model in force: each asset type may name its manual (`manual`,
 * relative to the model file); a type without one, or whose file cannot be read, uses the fallback
 * (the plant's resources/device_manual.md). Files are indexed once and kept.
 */
export interface ManualLibrary {
  /** The manual for this asset type of the model in force. */
  forType(type: string): ManualIndex;
  /** The distinct manuals of the model in force (the fallback when no type names one). */
  all(): Array<{ file: string; index: ManualIndex }>;
  /** Search one type's manual, or every manual of the model when no type is given (best first). */
  search(query: string, opts?: { limit?: number; deviceType?: string; maxChars?: number }): LibraryHit[];
}

export function createManualLibrary(opts: { fallbackFile: string; fallback?: ManualIndex; model: () => ManualModel }): ManualLibrary {
  const fallback = { file: path.resolve(opts.fallbackFile), index: opts.fallback ?? loadManualIndex(opts.fallbackFile) };
  const loaded = new Map<string, ManualIndex | null>([[fallback.file, fallback.index]]);
  const indexOf = (file: string): ManualIndex | null => {
    let idx = loaded.get(file);
    if (idx === undefined) {
      try {
        idx = createManualIndex(fs.readFileSync(file, 'utf8'));
      } catch {
        idx = null;
      }
      loaded.set(file, idx);
    }
    return idx;
  };
  // per model in force: each asset type's manual file (null: none named)
  const typeFiles = new WeakMap<ManualModel, Map<string, string | null>>();
  const filesOf = (m: ManualModel) => {
    let files = typeFiles.get(m);
    if (!files) {
      files = new Map();
      for (const a of m.assets) if (!files.get(a.type)) files.set(a.type, a.manual ? path.resolve(path.dirname(m.file), a.manual) : null);
      typeFiles.set(m, files);
    }
    return files;
  };
  const forType = (type: string) => {
    const file = filesOf(opts.model()).get(type);
    const index = file ? indexOf(file) : null;
    return file && index ? { file, index } : fallback;
  };
  // every type's manual; the fallback stands in for the types without one (or whose file is unreadable)
  const all = () => {
    const seen = new Map<string, { file: string; index: ManualIndex }>();
    for (const type of filesOf(opts.model()).keys()) {
      const m = forType(type);
      seen.set(m.file, m);
    }
    return seen.size ? [...seen.values()] : [fallback];
  };
  return {
    forType: (type) => forType(type).index,
    all,
    search(query, o = {}) {
      const manuals = o.deviceType ? [forType(o.deviceType)] : all();
      const limit = Math.min(Math.max(o.limit ?? 3, 1), 10);
      return manuals
        .flatMap(({ file, index }) => index.search(query, { ...o, limit }).map((h) => ({ ...h, manual: path.basename(file) })))
        .sort((a, b) => b.score - a.score)
        .slice(0, limit);
    },
  };
}
