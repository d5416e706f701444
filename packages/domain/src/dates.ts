/** E2B partial dates: CCYY, CCYYMM or CCYYMMDD. Pure helpers. */

export function isRealPartialDate(value: string): boolean {
  if (!/^[0-9]{4}([0-9]{2}([0-9]{2})?)?$/.test(value)) return false;
  const year = Number(value.slice(0, 4));
  if (year < 1800) return false;
  if (value.length === 4) return true;
  const month = Number(value.slice(4, 6));
  if (month < 1 || month > 12) return false;
  if (value.length === 6) return true;
  const day = Number(value.slice(6, 8));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day >= 1 && day <= daysInMonth;
}

/**
 * Compares two partial dates on their common precision: 2017 vs 20170512
 * compares years only. Returns <0, 0 or >0.
 */
export function comparePartialDates(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  const left = a.slice(0, length);
  const right = b.slice(0, length);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** CCYYMMDD (or shorter) to ISO 8601 (YYYY-MM-DD, YYYY-MM or YYYY). */
export function partialDateToIso(value: string): string {
  if (value.length === 8) return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  if (value.length === 6) return `${value.slice(0, 4)}-${value.slice(4, 6)}`;
  return value;
}
