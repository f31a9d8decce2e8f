// Reading a CSV the way plants and spreadsheets write it, for `aegisflow detect`: the separator, quoted
// fields, missing values, and the times (epoch, ISO, spreadsheet day/month dates in a stated or shown order).

export const MISSING = /^\s*("?)(|nan|na|null)\1\s*$/i;
export const TIME_NAMES = ['timestamp', 'datetime', 'time', 'ts', 'date'];
export const LABEL_NAMES = new Set(['anomaly', 'changepoint', 'is_anomaly', 'anomaly_type', 'label', 'labels']);

export type DateOrder = 'dmy' | 'mdy';

/** D.M.YYYY, D/M/YYYY or M/D/YYYY (and -), with an optional time h:mm[:ss[.fff]] [AM|PM]: how spreadsheets export dates. */
const DAY_MONTH = /^(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*([AP]M)?)?$/i;

/**
 * A time as plants export it: epoch seconds or ms, ISO 8601, 'YYYY-MM-DD hh:mm:ss' or 'YYYY/MM/DD …' (UTC), and
 * spreadsheet dates: DD.MM.YYYY is day-first by convention; D/M/YYYY and M/D/YYYY only in the order given (NaN
 * without one: a date is never guessed). A date that does not exist (31.02.) is NaN.
 */
export function parseTime(raw: string, order?: DateOrder): number {
  const s = raw.trim();
  const dm = DAY_MONTH.exec(s);
  if (dm) {
    const ord = dm[2] === '.' ? 'dmy' : order;
    if (!ord) return NaN;
    const [a, b] = [Number(dm[1]), Number(dm[3])];
    const [day, month, year] = ord === 'dmy' ? [a, b, Number(dm[4])] : [b, a, Number(dm[4])];
    let hour = dm[5] === undefined ? 0 : Number(dm[5]);
    const ampm = dm[9]?.toUpperCase();
    if (ampm && (hour < 1 || hour > 12)) return NaN;
    if (ampm) hour = (hour % 12) + (ampm === 'PM' ? 12 : 0);
    const minute = dm[6] === undefined ? 0 : Number(dm[6]);
    const second = dm[7] === undefined ? 0 : Number(dm[7]);
    const ms = dm[8] === undefined ? 0 : Math.round(Number(dm[8]) * 1000);
    const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    const d = new Date(t);
    // Date.UTC rolls 31.02. over into March: a date that does not exist is unreadable, not another day
    if (d.getUTCDate() !== day || d.getUTCMonth() !== month - 1 || hour > 23 || minute > 59 || second > 59) return NaN;
    return t;
  }
  const ymd = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?=[ T]|$)(.*)$/.exec(s);
  if (ymd) return parseTime(`${ymd[1]}-${ymd[2].padStart(2, '0')}-${ymd[3].padStart(2, '0')}${ymd[4]}`);
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return Math.abs(n) < 1e11 ? n * 1000 : n; // epoch seconds vs ms
  }
  let iso = s.includes('T') ? s : s.replace(' ', 'T');
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) iso += 'Z';
  return Date.parse(iso);
}

/**
 * The order of slashed (or dashed) day/month dates among these times: a first part over 12 means day-first, a
 * second over 12 month-first; 'ambiguous' when neither shows (every day of the data is 12 or less), null when
 * there are no such dates (ISO, epoch, DD.MM.YYYY).
 */
export function dateOrderOf(times: Iterable<string>): DateOrder | 'ambiguous' | null {
  let seen = false;
  for (const raw of times) {
    const m = DAY_MONTH.exec(raw.trim());
    if (!m || m[2] === '.') continue;
    seen = true;
    if (Number(m[1]) > 12) return 'dmy';
    if (Number(m[3]) > 12) return 'mdy';
  }
  return seen ? 'ambiguous' : null;
}

/** A field without the quotes a spreadsheet may put around it. */
export const unquote = (f: string) => f.trim().replace(/^"(.*)"$/, '$1');

export function detectSep(header: string): string {
  const counts: Array<[string, number]> = [',', ';', '\t'].map((c) => [c, header.split(c).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : ',';
}
