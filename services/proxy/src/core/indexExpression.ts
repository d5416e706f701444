/**
 * Index expressions as the search engine reads them (comma lists, `*` wildcards, `-` exclusions, `_all`,
 * `<date-math>`, `cluster:index`, `index::selector`), resolved against the few names a tenant may read.
 * The engine would expand a wildcard against every index and alias it holds, other tenants' included, so an
 * expression is never forwarded as written: it is expanded here, against the allowed names only, and the
 * request carries the explicit result. Anything that cannot be proven to stay within those names is denied.
 */

export type Resolution = { readonly ok: true; readonly names: readonly string[] } | { readonly ok: false; readonly reason: string };

/** Characters of a concrete index or alias name (lower case; the engine refuses upper case). */
const NAME = /^[a-z0-9][a-z0-9._+-]*$/;
/** A name with `*` wildcards. */
const PATTERN = /^[a-z0-9._+*-]+$/;

const deny = (reason: string): Resolution => ({ ok: false, reason });

function wildcardMatcher(pattern: string): RegExp {
  const escaped = pattern.split('*').map((s) => s.replace(/[.+\-?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

/**
 * Resolves one expression (already URL-decoded exactly once) to the subset of `allowed` it denotes.
 * Denies: remote clusters and selectors (any `:`), date math with a date part, names outside `allowed`,
 * wildcards that match none of them, empty members, anything that is not a valid name, and an empty result
 * (an empty target means "every index" to the engine).
 */
export function resolveIndexExpression(expression: string, allowed: readonly string[]): Resolution {
  if (expression.length === 0) return deny('empty index expression');
  if (expression.length > 4096) return deny('index expression too long');
  const parts = expression.split(',');
  const selected: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i]!;
    if (part.length === 0) return deny('empty member in an index expression');
    if (part !== part.trim()) return deny('whitespace in an index expression');
    let exclude = false;
    if (part.startsWith('-')) {
      if (i === 0) return deny('an index expression cannot start with an exclusion');
      exclude = true;
      part = part.slice(1);
    }
    if (part.includes(':')) return deny('remote clusters and index selectors are not allowed');
    if (part.startsWith('<') || part.endsWith('>')) {
      if (!(part.startsWith('<') && part.endsWith('>'))) return deny('malformed date math');
      const inner = part.slice(1, -1);
      if (/[{}\\]/.test(inner)) return deny('date math with a date part cannot name an allowed index');
      part = inner;
    }
    if (part === '_all') {
      if (exclude) return deny('_all cannot be excluded');
      part = '*';
    }
    if (part.includes('*')) {
      if (!PATTERN.test(part)) return deny('invalid characters in an index pattern');
      const matcher = wildcardMatcher(part);
      const matched = allowed.filter((name) => matcher.test(name));
      if (exclude) {
        for (const name of matched) {
          const at = selected.indexOf(name);
          if (at >= 0) selected.splice(at, 1);
        }
        continue;
      }
      if (matched.length === 0) return deny('the pattern matches none of your indices');
      for (const name of matched) if (!selected.includes(name)) selected.push(name);
      continue;
    }
    if (!NAME.test(part)) return deny('invalid index name');
    if (exclude) {
      const at = selected.indexOf(part);
      if (at >= 0) selected.splice(at, 1);
      continue;
    }
    if (!allowed.includes(part)) return deny('index not allowed');
    if (!selected.includes(part)) selected.push(part);
  }
  if (selected.length === 0) return deny('the expression selects none of your indices');
  return { ok: true, names: selected };
}
