/**
 * The part of the engine's SQL the passthrough accepts: one `SELECT ... FROM <table> ...` statement whose
 * single table is an index expression. Subqueries, several FROM clauses (including `EXTRACT(x FROM y)`),
 * catalogs (`remote:index`), `FROZEN`, comments, statement separators and every other command (SHOW, DESCRIBE,
 * SYS) are denied. The table is replaced by the resolved names, quoted.
 */

type Token = { kind: 'word' | 'string' | 'quoted' | 'punct'; text: string; value: string; start: number; end: number };

function tokenize(sql: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') return 'comments are not allowed';
    if (c === '/' && sql[i + 1] === '*') return 'comments are not allowed';
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= sql.length) return 'unterminated quote';
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += sql[j];
        j++;
      }
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text: sql.slice(i, j + 1), value, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z0-9_@*.\-]+/.exec(sql.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], value: word[0], start: i, end: i + word[0].length });
      i += word[0].length;
      continue;
    }
    tokens.push({ kind: 'punct', text: c, value: c, start: i, end: i + 1 });
    i++;
  }
  return tokens;
}

export type SqlRewrite = { readonly ok: true; readonly query: string; readonly table: string } | { readonly ok: false; readonly reason: string };

/** `resolve` throws when the table is not allowed; its result replaces the table. */
export function rewriteSqlQuery(sql: string, resolve: (table: string) => string[]): SqlRewrite {
  if (sql.length > 100_000) return { ok: false, reason: 'query too long' };
  const tokens = tokenize(sql);
  if (typeof tokens === 'string') return { ok: false, reason: tokens };
  const isWord = (t: Token | undefined, w: string) => t !== undefined && t.kind === 'word' && t.value.toUpperCase() === w;
  if (!isWord(tokens[0], 'SELECT')) return { ok: false, reason: 'only SELECT statements are allowed' };
  if (tokens.some((t) => t.kind === 'punct' && t.value === ';')) return { ok: false, reason: 'one statement only' };
  const froms = tokens.flatMap((t, i) => (isWord(t, 'FROM') ? [i] : []));
  if (froms.length !== 1) return { ok: false, reason: 'exactly one FROM clause is allowed' };
  const at = froms[0]! + 1;
  const table = tokens[at];
  if (table === undefined || (table.kind !== 'word' && table.kind !== 'quoted')) return { ok: false, reason: 'FROM must name an index' };
  if (table.kind === 'word' && ['FROZEN', 'SELECT'].includes(table.value.toUpperCase())) return { ok: false, reason: 'FROM must name an index' };
  const next = tokens[at + 1];
  if (next !== undefined && next.kind === 'punct' && (next.value === ':' || next.value === '(' || next.value === ',')) {
    return { ok: false, reason: 'catalogs, table functions and table lists are not allowed' };
  }
  const names = resolve(table.value);
  if (names.length !== 1) return { ok: false, reason: 'FROM must resolve to exactly one index' };
  const query = `${sql.slice(0, table.start)}"${names[0]!}"${sql.slice(table.end)}`;
  return { ok: true, query, table: table.value };
}
