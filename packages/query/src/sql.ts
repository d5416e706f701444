import { deidentify, type AdverseEventReport } from '@vigilo/domain';
import type { CountResult, ParsedRequest, Query, SearchPage, SortSpec } from './ast.js';
import type { GroupPath, ResolvedField } from './catalogue.js';
import { encodeCursor, missingSortKey } from './cursor.js';
import { escapeLike } from './values.js';

/**
 * Where the caller's live reports are. Every member is trusted SQL the caller builds from constants and
 * quoted identifiers (never from request input), e.g.
 * `{ from: '"t_acme".reports r JOIN "t_acme".report_versions v ON ...', content: 'v.content', id: 'r.safetyreportid', where: 'NOT r.nullified' }`.
 */
export interface SqlSource {
  readonly from: string;
  /** The report content (jsonb, openFDA names without the `report.` prefix). */
  readonly content: string;
  readonly id: string;
  readonly where: string;
}

export interface SqlStatement {
  readonly text: string;
  readonly values: unknown[];
}

/** Collects bind values; request input only ever reaches SQL as `$n`. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

const SAFE_SEGMENT = /^[a-z]+$/;

/** A JSON path literal of catalogue constants (checked: lower-case letters only). */
function pathLiteral(path: readonly string[]): string {
  for (const segment of path) if (!SAFE_SEGMENT.test(segment)) throw new Error(`unexpected path segment ${segment}`);
  return `'{${path.join(',')}}'`;
}

/** The text of a field at `base` (the report, or one element of its group), as the engine indexes it. */
function textAt(field: ResolvedField, base: string): string {
  const raw = `(${base} #>> ${pathLiteral(field.jsonPath)})`;
  let value = raw;
  if (field.formatOf) {
    value = `(CASE WHEN ${raw} IS NOT NULL AND length(${base} #>> ${pathLiteral(field.formatOf)}) >= 4 THEN '602' ELSE ${raw} END)`;
  }
  return field.lowercase ? `lower(${value})` : value;
}

/** The comparable value: YYYYMMDD text for dates, float8 for numbers, text otherwise. */
function typedAt(field: ResolvedField, base: string): string {
  const text = textAt(field, base);
  if (field.kind === 'date') return `vigilo.partial_date_day(${text}, ${field.yearOnly ? 'true' : 'false'})`;
  if (field.kind === 'number') return `vigilo.to_double(${text})`;
  return text;
}

function groupElements(group: GroupPath, content: string): string {
  return `jsonb_array_elements(${content} #> ${pathLiteral(group.split('.'))})`;
}

class SqlCompiler {
  private aliases = 0;

  constructor(
    private readonly params: Params,
    private readonly content: string,
  ) {}

  /** A boolean expression, never NULL, so NOT and OR behave as on the engine. */
  compile(query: Query, element: { group: GroupPath; alias: string } | undefined): string {
    switch (query.kind) {
      case 'and':
        return query.all.length === 0 ? 'true' : `(${query.all.map((q) => this.compile(q, element)).join(' AND ')})`;
      case 'or': {
        const any = query.any.length === 0 ? 'true' : `(${query.any.map((q) => this.compile(q, element)).join(' OR ')})`;
        const none = query.none.map((q) => ` AND NOT ${this.compile(q, element)}`).join('');
        return `(${any}${none})`;
      }
      case 'not':
        return `(NOT ${this.compile(query.query, element)})`;
      case 'element': {
        const alias = this.alias();
        return `EXISTS (SELECT 1 FROM ${groupElements(query.group, this.content)} AS ${alias} WHERE ${this.compile(query.query, { group: query.group, alias })})`;
      }
      default: {
        const field = query.field;
        const precheck = this.textPrecheck(query);
        if (field.group && element?.group !== field.group) {
          const alias = this.alias();
          const exists = `EXISTS (SELECT 1 FROM ${groupElements(field.group, this.content)} AS ${alias} WHERE ${this.leaf(query, alias)})`;
          return precheck ? `(${precheck} AND ${exists})` : exists;
        }
        const leaf = this.leaf(query, field.group ? element!.alias : this.content);
        return precheck ? `(${precheck} AND ${leaf})` : leaf;
      }
    }
  }

  /**
   * A cheap necessary condition for a text match, so that the tokenising functions only run on reports that
   * can match: every run of letters and digits of the query text is part of a token the value must hold, so it
   * occurs, case-insensitively, in the JSON text of the field's group or in the field's value (jsonb prints
   * letters and digits as they are).
   * The result of the leaf is unchanged (it is ANDed with the exact test), under NOT too.
   */
  private textPrecheck(query: Query): string | undefined {
    if (query.kind !== 'words' && query.kind !== 'prefix') return undefined;
    const text = query.kind === 'words' ? query.text : query.field.kind === 'text' ? query.prefix : undefined;
    if (text === undefined) return undefined;
    const pieces = [...new Set(text.split(/[^\p{L}\p{N}]+/u).filter((piece) => piece.length > 0))];
    if (pieces.length === 0) return undefined;
    // The JSON text of the field's whole group (all drugs, all reactions), or the field's own value: small.
    const field = query.field;
    const haystack = field.group ? `lower((${this.content} #> ${pathLiteral(field.group.split('.'))})::text)` : `lower(${this.content} #>> ${pathLiteral(field.jsonPath)})`;
    return pieces.map((piece) => `coalesce(strpos(${haystack}, lower(${this.params.add(piece, '::text')})) > 0, false)`).join(' AND ');
  }

  private alias(): string {
    this.aliases++;
    return `e${this.aliases}`;
  }

  private leaf(query: Exclude<Query, { kind: 'and' | 'or' | 'not' | 'element' }>, base: string): string {
    const field = query.field;
    const p = this.params;
    switch (query.kind) {
      case 'words':
        return `vigilo.std_phrase(${textAt(field, base)}, ${p.add(query.text, '::text')})`;
      case 'equals':
        return field.kind === 'number'
          ? `coalesce(${typedAt(field, base)} = ${p.add(query.value, '::float8')}, false)`
          : `coalesce(${textAt(field, base)} = ${p.add(query.value, '::text')}, false)`;
      case 'prefix': {
        const pattern = p.add(`${escapeLike(query.prefix)}%`, '::text');
        return field.kind === 'text'
          ? `vigilo.std_token_like(${textAt(field, base)}, ${pattern})`
          : `coalesce(${textAt(field, base)} LIKE ${pattern} ESCAPE '\\', false)`;
      }
      case 'range': {
        const value = typedAt(field, base);
        const cast = field.kind === 'number' ? '::float8' : '::text';
        const collate = field.kind === 'number' ? '' : ' COLLATE "C"';
        const parts: string[] = [];
        if (query.gte !== undefined) parts.push(`${value}${collate} >= ${p.add(query.gte, cast)}`);
        if (query.lte !== undefined) parts.push(`${value}${collate} <= ${p.add(query.lte, cast)}`);
        return `coalesce(${parts.join(' AND ')}, false)`;
      }
      case 'exists':
        return `(${typedAt(field, base)} IS NOT NULL)`;
    }
  }
}

/** The CTE of matching live reports: id, content and (when sorted) the sort key. */
function matching(p: ParsedRequest, o: SqlSource, params: Params, withKey: boolean): string {
  const predicate = p.query ? new SqlCompiler(params, o.content).compile(p.query, undefined) : 'true';
  const key = withKey && p.sort ? `, ${sortKeyExpr(p.sort, o.content, params)} AS k` : '';
  return `m AS (SELECT ${o.id} AS id, ${o.content} AS c${key} FROM ${o.from} WHERE (${o.where}) AND ${predicate})`;
}

/** The sort key of a report: min (asc) or max (desc) over its values, the sort's sentinel when it has none. */
function sortKeyExpr(sort: SortSpec, content: string, params: Params): string {
  const { field, order } = sort;
  const cast = field.kind === 'number' ? '::float8' : '::text';
  const collate = field.kind === 'number' ? '' : ' COLLATE "C"';
  const missing = params.add(missingSortKey(sort), cast);
  if (!field.group) return `coalesce(${typedAt(field, content)}${collate}, ${missing})`;
  const agg = order === 'asc' ? 'min' : 'max';
  return `coalesce((SELECT ${agg}(${typedAt(field, 'e')}${collate}) FROM ${groupElements(field.group, content)} AS e), ${missing})`;
}

/**
 * One page of results: every row carries the total; a page past the end is one row with a NULL id.
 * Order: the sort key, then the id in byte order (COLLATE "C"), as the engine orders keywords.
 */
export function buildSqlSearch(p: ParsedRequest, o: SqlSource): SqlStatement {
  const params = new Params();
  const cte = matching(p, o, params, true);
  const dir = p.sort?.order === 'desc' ? 'DESC' : 'ASC';
  const collate = p.sort && p.sort.field.kind !== 'number' ? ' COLLATE "C"' : '';
  const order = p.sort ? `k${collate} ${dir}, id COLLATE "C" ASC` : 'id COLLATE "C" ASC';
  let keyset = 'true';
  if (p.after) {
    const cast = p.sort?.field.kind === 'number' ? '::float8' : '::text';
    const id = params.add(p.after.id, '::text');
    if (p.sort) {
      const key = params.add(p.after.key, cast);
      const beyond = p.sort.order === 'asc' ? '>' : '<';
      keyset = `(k${collate} ${beyond} ${key} OR (k${collate} = ${key} AND id COLLATE "C" > ${id}))`;
    } else {
      keyset = `id COLLATE "C" > ${id}`;
    }
  }
  const limit = params.add(p.limit, '::int');
  const offset = params.add(p.after ? 0 : p.skip, '::int');
  const key = p.sort ? ', page.k AS key' : '';
  const text = `WITH ${cte}
SELECT total.n AS total, page.id, page.c AS content${key}
FROM (SELECT count(*) AS n FROM m) total
LEFT JOIN LATERAL (SELECT * FROM m WHERE ${keyset} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}) page ON true
ORDER BY ${p.sort ? `page.k${collate} ${dir}, ` : ''}page.id COLLATE "C" ASC`;
  return { text, values: params.values };
}

export interface SqlSearchRow {
  total: string | number;
  id: string | null;
  content: AdverseEventReport | null;
  key?: string | number | null;
}

/** Reads the rows of buildSqlSearch into a page; sources are de-identified exactly as the engine's documents. */
export function readSqlSearch(p: ParsedRequest, rows: readonly SqlSearchRow[]): SearchPage {
  const total = rows.length === 0 ? 0 : Number(rows[0]!.total);
  const live = rows.filter((row): row is SqlSearchRow & { id: string; content: AdverseEventReport } => row.id !== null && row.content !== null);
  const hits = live.map((row) => ({ id: row.id, source: deidentify(row.content) as unknown as Record<string, unknown> }));
  let next: string | undefined;
  const last = live[live.length - 1];
  if (last && p.limit > 0 && live.length === p.limit) {
    next = encodeCursor(p.sort, p.sort ? { key: last.key as string | number, id: last.id } : { id: last.id });
  }
  return { total, hits, next };
}

/** Term counts (reports per whole value) or a daily series, over the matching live reports. */
export function buildSqlCount(p: ParsedRequest, o: SqlSource): SqlStatement {
  const count = p.count;
  if (!count) throw new TypeError('buildSqlCount needs a parsed request with count');
  const params = new Params();
  const cte = matching(p, o, params, false);
  const field = count.field;
  const value = count.kind === 'time' ? typedAt(field, field.group ? 'e' : 'm.c') : textAt(field, field.group ? 'e' : 'm.c');
  const from = field.group ? `m CROSS JOIN LATERAL ${groupElements(field.group, 'm.c')} AS e` : 'm';
  const pairs = `SELECT DISTINCT m.id, ${value} AS v FROM ${from}`;
  const text =
    count.kind === 'time'
      ? `WITH ${cte}
SELECT v AS time, count(*) AS count FROM (${pairs}) x WHERE v IS NOT NULL GROUP BY v ORDER BY v COLLATE "C" ASC`
      : `WITH ${cte}
SELECT v AS term, count(*) AS count FROM (${pairs}) x WHERE v IS NOT NULL GROUP BY v
ORDER BY count(*) DESC, v COLLATE "C" ASC LIMIT ${params.add(p.limit, '::int')}`;
  return { text, values: params.values };
}

/** Reads the rows of buildSqlCount. */
export function readSqlCount(p: ParsedRequest, rows: readonly Record<string, unknown>[]): CountResult {
  if (p.count?.kind === 'time') {
    return { kind: 'time', results: rows.map((r) => ({ time: String(r['time']), count: Number(r['count']) })) };
  }
  return { kind: 'terms', results: rows.map((r) => ({ term: String(r['term']), count: Number(r['count']) })) };
}
