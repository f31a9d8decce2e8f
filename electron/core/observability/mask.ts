// Masking of secrets in whatever an agent sends: one masker, used wherever agent input is stored or
// shown (audit, tool_calls, incidents, approvals, plans, acknowledgement notes, traces, logs, the
// mcp.call event, exports). It masks on write, so the SQLite file never holds the clear text.
//
// Two kinds of rules:
//   - value patterns, searched inside every string (and every long integer): bearer tokens, our own
//     agent tokens, JWTs, API keys (sk-…, AKIA…, GitHub, Slack, Google, Stripe), high-entropy
//     api_key=/token= pairs, password= pairs, URL logins (user:password@), PEM blocks, card numbers (Luhn-checked, with context),
//     US SSNs, IBANs (mod-97 checked);
//   - a key pattern: object members whose name says "secret" (password, token, api_key, …) are
//     masked whole, whatever their value.
// A masked copy keeps its JSON shape: only string contents (or a masked number, which becomes the
// string "[masked]") change. Configured under `masking` (electron/core/config.ts).
import { z } from 'zod';

export const MASK = '[masked]';

/** Extra checks of a candidate match, for patterns that would otherwise catch ordinary text. */
export const MASK_CHECKS = ['card', 'entropy', 'token', 'iban'] as const;
export type MaskCheck = (typeof MASK_CHECKS)[number];

export interface MaskPattern {
  name: string;
  /**
   * JavaScript regex source. When it has a named group "secret", only that group is replaced (so
   * "password=hunter2" becomes "password=[masked]"); otherwise the whole match is.
   */
  regex: string;
  /** Regex flags besides g: i, m, s, u. */
  flags?: string;
  check?: MaskCheck;
}

export interface MaskOptions {
  /** Value patterns, in order (bare strings are patterns without a name or check). */
  patterns: Array<MaskPattern | string>;
  /** Regex (case-insensitive) for member names whose whole value is masked. */
  keyPattern: string;
}

/** Characters a secret value of a key=value pair may hold (never a quote or backslash: JSON text stays valid). */
const VALUE = `[^\\s"'\\\\,;&<>]`;
/** Right after an opening quote: everything up to the closing one (the quotes stay). */
const QUOTED = `(?<=["'])[^"'\\\\\\n]{1,200}(?=\\\\?["'])`;
/** The separator of a key=value pair, in plain text, YAML, JSON or JSON inside a JSON string. */
const SEP = `\\\\?["']?\\s*[:=]\\s*\\\\?["']?`;

/** The default patterns, each with a name (masking.disable switches one off by name). */
export const DEFAULT_PATTERNS: readonly MaskPattern[] = [
  // PEM blocks (private keys, certificates), multi-line; one cut off before its END line is masked to
  // the end of the string (or of the JSON string it sits in).
  { name: 'pem', regex: '-----BEGIN [A-Z0-9 ]{1,40}-----(?:[\\s\\S]*?-----END [A-Z0-9 ]{1,40}-----|[^"]*)' },
  // Our own agent bearer tokens (electron/core/governance/agents.ts: "afa_" + 32 random bytes, base64url).
  { name: 'agent_token', regex: '(?<![A-Za-z0-9_-])afa_[A-Za-z0-9_-]{20,}' },
  // JWTs (intent tokens, OAuth access tokens).
  { name: 'jwt', regex: '(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*' },
  // "Bearer <token>" (an Authorization header pasted into text).
  { name: 'bearer', regex: `\\bbearer\\s+(?<secret>[A-Za-z0-9._~+/-]{8,}=*)`, flags: 'i', check: 'token' },
  // API keys with a recognisable shape.
  { name: 'openai_key', regex: '(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}' },
  { name: 'stripe_key', regex: '(?<![A-Za-z0-9_-])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}' },
  { name: 'aws_access_key', regex: '(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Za-z0-9])' },
  { name: 'github_token', regex: '(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})' },
  { name: 'slack_token', regex: '(?<![A-Za-z0-9_-])xox[abprs]-[A-Za-z0-9-]{10,}' },
  { name: 'google_api_key', regex: '(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}' },
  // password= pairs: any value. Short key names (pwd, pass, pin) only with "=", not in prose ("pass: 3 of 4").
  // A quoted value is masked up to its closing quote (spaces and all), an unquoted one up to a space.
  {
    name: 'password_pair',
    regex: `(?<![A-Za-z0-9_])(?:password|passwd|passphrase|secret|client_secret|private_key)${SEP}(?<secret>${QUOTED}|${VALUE}+)`,
    flags: 'i',
  },
  // The login of a URL (scheme://user:password@host), masked whole: a password may hold '@' (mqtt.js takes
  // it as written), so up to the last '@' before the path. A user without a password (git@) is no secret.
  // Anchored on the literal "://" (no scheme check): a lookbehind for the scheme made every log line ~7x slower to mask.
  { name: 'url_login', regex: `://(?<secret>[^\\s/"'\\\\@:]{0,256}:[^\\s/"'\\\\]{1,512})(?=@)` },
  { name: 'short_password_pair', regex: `(?<![A-Za-z0-9_])(?:pwd|pass|pin)\\s*=\\s*(?<secret>${VALUE}+)`, flags: 'i' },
  // api_key= / token= pairs: only high-entropy values (not "token=expired").
  {
    name: 'key_pair',
    regex: `(?<![A-Za-z0-9])(?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|id[_-]?token|token|aws_secret_access_key)${SEP}(?<secret>${VALUE}{12,})`,
    flags: 'i',
    check: 'entropy',
  },
  // Payment card numbers: 13-19 digits in groups of 4 (or 4-6-5, Amex), spaces or dashes allowed;
  // checked (Luhn, an issuer's first digit, not part of an id, timestamp or decimal number).
  { name: 'card', regex: '(?<![\\d.])(?:\\d{4}[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{1,7}|\\d{4}[ -]?\\d{6}[ -]?\\d{4,5})(?![\\d])', check: 'card' },
  // US social security numbers (ddd-dd-dddd, not 000/666/9xx areas).
  { name: 'ssn', regex: '(?<![\\d-])(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}(?![\\d-])' },
  // IBANs (mod-97 checked).
  { name: 'iban', regex: '\\b[A-Z]{2}\\d{2}[A-Z0-9]{11,30}\\b', check: 'iban' },
];

export const DEFAULT_KEY_PATTERN =
  '^(pass(word)?|passwd|passphrase|secret|.*_secret|token|.*_token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|authorization|credentials?|ssn|national_id|card(_?number)?|pan|cvv|cvc|pin)$';

export const DEFAULT_MASK: MaskOptions = { patterns: [...DEFAULT_PATTERNS], keyPattern: DEFAULT_KEY_PATTERN };

// ---------------------------------------------------------------- checks

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let n = digits.charCodeAt(i) - 48;
    if (n < 0 || n > 9) return false;
    if (double) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * A card number, not an id or a reading: 13-19 digits, Luhn-valid, an issuer's first digit (2-6:
 * Mastercard, Amex, Diners, JCB, Visa, Discover, UnionPay; epoch-ms timestamps start with 1), and
 * not glued to an id (…@1796118026278, #…, /…) or a decimal point.
 */
export function looksLikeCard(candidate: string, input: string, offset: number): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (digits[0] < '2' || digits[0] > '6') return false;
  const before = offset > 0 ? input[offset - 1] : '';
  if (before && '@#/:._'.includes(before) && !/(?:card|pan|number|no|nr)\s*[:#]$/i.test(input.slice(Math.max(0, offset - 12), offset))) return false;
  const after = input.slice(offset + candidate.length, offset + candidate.length + 2);
  if (/^[.,]\d/.test(after)) return false;
  return luhnValid(digits);
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Looks random: 3+ bits per character and at least two kinds of character (not "expiredtokenvalue"). */
function highEntropy(v: string): boolean {
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  return v.length >= 12 && kinds >= 2 && entropy(v) >= 3;
}

/** A token, not a word: has a digit, or is long. */
function tokenLike(v: string): boolean {
  return (v.length >= 8 && /\d/.test(v)) || v.length >= 20;
}

function ibanValid(s: string): boolean {
  const r = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const c of r) {
    const v = c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

// ---------------------------------------------------------------- the masker

export interface Masker {
  /** A masked copy of any JSON-like value, or the value itself when nothing needed masking. */
  (value: unknown): unknown;
  /** One string, masked. */
  text(s: string): string;
}

interface Compiled {
  re: RegExp;
  check?: MaskCheck;
  partial: boolean;
}

/** Compile a pattern (throws on a bad regex: config validation reports it first). */
function compile(p: MaskPattern | string): Compiled {
  const spec: MaskPattern = typeof p === 'string' ? { name: 'custom', regex: p } : p;
  const flags = 'g' + (spec.flags ?? '').replace(/g/g, '');
  return { re: new RegExp(spec.regex, flags), check: spec.check, partial: /\(\?<secret>/.test(spec.regex) };
}

/**
 * All patterns in one alternation (their "secret" groups made plain), to skip clean strings in one
 * scan; null when they do not combine (a pattern with its own named groups), and then each rule runs.
 */
function prefilter(patterns: Array<MaskPattern | string>): RegExp | null {
  if (patterns.length === 0) return null;
  const specs = patterns.map((p) => (typeof p === 'string' ? { regex: p, flags: '' } : { regex: p.regex, flags: p.flags ?? '' }));
  // The filter runs case-insensitive (matching more than the rules is fine: they decide). Flags m, s, u
  // and numbered backreferences (renumbered by the alternation) would change what it matches: no filter then.
  if (specs.some((p) => /[msu]/.test(p.flags) || /\\[1-9]/.test(p.regex))) return null;
  try {
    return new RegExp(specs.map((p) => `(?:${p.regex.replace(/\(\?<secret>/g, '(?:')})`).join('|'), 'i');
  } catch {
    return null;
  }
}

/** Strings shorter than this hold no secret any pattern could recognise. */
const MIN_LEN = 8;

export function createMasker(opts: MaskOptions): Masker {
  const rules = opts.patterns.map(compile);
  const keyRe = new RegExp(opts.keyPattern, 'i');
  const any = prefilter(opts.patterns);
  const maskString = (s: string): string => {
    if (s.length < MIN_LEN) return s;
    // One pass for the common case, a string with nothing that could be a secret.
    if (any && !any.test(s)) return s;
    let out = s;
    for (const r of rules) {
      r.re.lastIndex = 0;
      if (!r.re.test(out)) continue;
      r.re.lastIndex = 0;
      out = out.replace(r.re, (...a: unknown[]) => {
        const match = a[0] as string;
        const last = a[a.length - 1];
        const groups = (typeof last === 'object' && last !== null ? last : undefined) as Record<string, string | undefined> | undefined;
        const offset = a[groups ? a.length - 3 : a.length - 2] as number;
        const input = a[groups ? a.length - 2 : a.length - 1] as string;
        const secret = r.partial ? groups?.secret : match;
        if (secret === undefined || secret === '') return match;
        if (secret === MASK || match.includes(MASK)) return match;
        if (r.check === 'card' && !looksLikeCard(match, input, offset)) return match;
        if (r.check === 'entropy' && !highEntropy(secret)) return match;
        if (r.check === 'token' && !tokenLike(secret)) return match;
        if (r.check === 'iban' && !ibanValid(match)) return match;
        if (!r.partial) return MASK;
        const at = match.lastIndexOf(secret);
        return match.slice(0, at) + MASK + match.slice(at + secret.length);
      });
    }
    return out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 64) return MASK;
    if (typeof v === 'string') return maskString(v);
    if (typeof v === 'number') {
      // A card number sent as a JSON number.
      if (Number.isInteger(v) && v >= 1e12) {
        const s = String(v);
        return s !== maskString(s) ? MASK : v;
      }
      return v;
    }
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((x) => {
        const m = walk(x, depth + 1);
        if (m !== x) changed = true;
        return m;
      });
      return changed ? out : v;
    }
    if (v !== null && typeof v === 'object') {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const m = keyRe.test(k) && x !== null && x !== undefined && x !== MASK ? MASK : walk(x, depth + 1);
        if (m !== x) changed = true;
        out[k] = m;
      }
      return changed ? out : v;
    }
    return v;
  };
  const masker = ((value: unknown) => walk(value, 0)) as Masker;
  masker.text = maskString;
  return masker;
}

/** The masker with the default patterns (components use it when none is injected). */
export const defaultMasker: Masker = createMasker(DEFAULT_MASK);

/** Mask a string with `mask`, or return null/undefined as they are. */
export function maskText<T extends string | null | undefined>(mask: Masker, s: T): T {
  return (typeof s === 'string' ? mask.text(s) : s) as T;
}

// ---------------------------------------------------------------- config

const regexSource = z
  .string()
  .min(1)
  .max(2000)
  .refine(
    (s) => {
      try {
        new RegExp(s, 'g');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid JavaScript regular expression' },
  );

export const DEFAULT_PATTERN_NAMES = DEFAULT_PATTERNS.map((p) => p.name) as [string, ...string[]];

/** The `masking` config section. Unknown keys are errors (a typo must not switch masking off silently). */
export const MaskingConfigSchema = z.strictObject({
  /** The default patterns (cards, SSNs, IBANs, bearer/agent tokens, JWTs, API keys, key=value secrets, PEM blocks). */
  defaults: z.boolean().default(true),
  /** Default patterns to leave out, by name (e.g. ["iban"]). */
  disable: z.array(z.enum(DEFAULT_PATTERN_NAMES)).default([]),
  /** More patterns, applied after the defaults. */
  patterns: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(64),
        regex: regexSource,
        flags: z
          .string()
          .regex(/^[imsu]*$/, 'flags may be i, m, s, u')
          .optional(),
        check: z.enum(MASK_CHECKS).optional(),
      }),
    )
    .default([]),
  /** Regex (case-insensitive) for argument names whose whole value is masked. */
  keys: regexSource.default(DEFAULT_KEY_PATTERN),
});
export type MaskingConfig = z.infer<typeof MaskingConfigSchema>;

/**
 * Mask options from the `masking` section (plus governance.audit.maskPatterns / maskKeys, the
 * older audit-only settings: their patterns are added, their key pattern wins).
 */
export function maskOptionsFromConfig(m: MaskingConfig, legacy: { maskPatterns?: string[]; maskKeys?: string } = {}): MaskOptions {
  const patterns: Array<MaskPattern | string> = m.defaults ? DEFAULT_PATTERNS.filter((p) => !m.disable.includes(p.name)) : [];
  patterns.push(...m.patterns, ...(legacy.maskPatterns ?? []));
  return { patterns, keyPattern: legacy.maskKeys ?? m.keys };
}
