/**
 * Strict parsers for field values read from files. They return undefined instead of guessing, so
 * a loader can reject the row and name the field and value. (`Number(' ')` is 0 and `Date.parse`
 * accepts almost anything: neither is strict enough for counting dirt honestly.)
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const EPOCH = /^\d+(?:\.\d+)?$/;

/** Epoch values at or above this are milliseconds; below, seconds (1e11 s is year 5138, 1e11 ms is 1973). */
export const EPOCH_MS_THRESHOLD = 1e11;

/** A decimal number written plainly (`12`, `-3.5`, `.5`, `1e3`), else undefined. Surrounding blanks are allowed. */
export function parseDecimal(text: string): number | undefined {
  const s = text.trim();
  if (!DECIMAL.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function utc(y: string, mo: string, d: string, h = '0', mi = '0', s = '0', frac = ''): number | undefined {
  const [Y, M, D, H, MI, S] = [y, mo, d, h, mi, s].map(Number);
  if (M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || MI > 59 || S > 59) return undefined;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const t = Date.UTC(Y, M - 1, D, H, MI, S, ms);
  // Date.UTC rolls 2011-02-30 over to March: a calendar date that does not exist is invalid.
  return new Date(t).getUTCDate() === D ? t : undefined;
}

/**
 * A naive local date-time `YYYY-MM-DD HH:MM[:SS[.fff]]` (space or `T`) read AS IF it were UTC,
 * in epoch ms, else undefined (also for impossible dates such as 2011-02-30).
 */
export function parseNaiveUtc(text: string): number | undefined {
  const m = NAIVE.exec(text);
  return m ? utc(m[1], m[2], m[3], m[4], m[5], m[6], m[7]) : undefined;
}

function offsetMs(zone: string | undefined): number {
  if (!zone || zone === 'Z' || zone === 'z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (h * 60 + m) * 60_000;
}

/**
 * A timestamp in epoch ms (UTC), from whatever a log holds, else undefined:
 * - a number, or a string of digits: epoch seconds when below 1e11, else epoch milliseconds
 *   (seconds may carry a fraction);
 * - a Date (Parquet/DuckDB TIMESTAMP columns);
 * - an ISO 8601 string `YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z|+HH:MM|-HHMM]`; without a zone it
 *   is read as UTC.
 * Negative or non-finite values are invalid.
 */
export function parseTimestamp(value: unknown): number | undefined {
  let t: number | undefined;
  if (typeof value === 'number') t = value < EPOCH_MS_THRESHOLD ? value * 1000 : value;
  else if (typeof value === 'bigint') t = Number(value) < EPOCH_MS_THRESHOLD ? Number(value) * 1000 : Number(value);
  else if (value instanceof Date) t = value.getTime();
  else if (typeof value === 'string') {
    const s = value.trim();
    if (EPOCH.test(s)) return parseTimestamp(Number(s));
    const m = ISO.exec(s);
    if (!m) return undefined;
    const base = utc(m[1], m[2], m[3], m[4], m[5], m[6], m[7]);
    t = base === undefined ? undefined : base - offsetMs(m[8]);
  }
  if (t === undefined || !Number.isFinite(t) || t < 0) return undefined;
  return Math.round(t);
}
