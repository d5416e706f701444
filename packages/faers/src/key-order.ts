/**
 * The order of the report-version keys (primaryid / ISR, digit strings) in a
 * quarter's files. FDA sorts the tables by key, but as text in some quarters
 * (`100034653` before `30000012`) and as numbers in others; when every key has
 * the same number of digits the two agree. The merge join needs to know which.
 */
export type KeyOrder = 'lexicographic' | 'numeric';

export type KeyComparator = (a: string, b: string) => number;

export function compareLexicographic(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares digit strings as non-negative integers of any length. */
export function compareNumeric(a: string, b: string): number {
  const x = stripLeadingZeros(a);
  const y = stripLeadingZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return compareLexicographic(x, y);
}

function stripLeadingZeros(value: string): string {
  let i = 0;
  while (i < value.length - 1 && value.charCodeAt(i) === 48) i += 1;
  return i === 0 ? value : value.slice(i);
}

export function comparatorFor(order: KeyOrder): KeyComparator {
  return order === 'numeric' ? compareNumeric : compareLexicographic;
}

/** Valid key: digits only (primaryid and ISR are integers). */
export const KEY_PATTERN = /^[0-9]{1,20}$/;

/**
 * Watches a sequence of keys and tells which orders it is consistent with
 * (strictly increasing, or equal for a duplicate row).
 */
export class KeyOrderDetector {
  private previous: string | undefined;
  private lexicographic = true;
  private numeric = true;

  observe(key: string): void {
    if (this.previous !== undefined) {
      if (this.lexicographic && compareLexicographic(this.previous, key) > 0) this.lexicographic = false;
      if (this.numeric && compareNumeric(this.previous, key) > 0) this.numeric = false;
    }
    this.previous = key;
  }

  /** Lexicographic wins a tie: it is what recent FDA extracts use. */
  result(): KeyOrder | 'unsorted' {
    if (this.lexicographic) return 'lexicographic';
    if (this.numeric) return 'numeric';
    return 'unsorted';
  }
}
