/** Value forms shared by the parser, the compilers and the cursor. Pure. */

const DAY_COMPACT = /^([0-9]{4})([0-9]{2})([0-9]{2})$/;
const DAY_ISO = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** `YYYYMMDD` or `YYYY-MM-DD` of a real calendar day (year 0001 or later) to `YYYYMMDD`; undefined otherwise. */
export function parseDay(text: string): string | undefined {
  const m = DAY_COMPACT.exec(text) ?? DAY_ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  if (day > date.getUTCDate()) return undefined;
  return `${m[1]}${m[2]}${m[3]}`;
}

/** Milliseconds since the epoch of 00:00 UTC on a `YYYYMMDD` day: how the engine holds dates. */
export function dayToEpochMillis(day: string): number {
  const date = new Date(0);
  date.setUTCFullYear(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)));
  return date.getTime();
}

/** The `YYYYMMDD` day (UTC) of an engine date value. */
export function epochMillisToDay(millis: number): string {
  const date = new Date(millis);
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1, 2)}${pad(date.getUTCDate(), 2)}`;
}

/** The day after a `YYYYMMDD` day. */
export function nextDay(day: string): string {
  return epochMillisToDay(dayToEpochMillis(day) + 86_400_000);
}

const DECIMAL = /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?$/;

/** A decimal number as a query may write it; undefined when it is not one or not finite. */
export function parseNumber(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Escapes `\`, `%` and `_` for a LIKE pattern with ESCAPE '\'. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
