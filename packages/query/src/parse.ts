import type { Cursor, CountSpec, ParsedRequest, Query, SortSpec } from './ast.js';
import { GROUP_PATHS, type GroupPath, type ResolvedField, resolveField } from './catalogue.js';
import { decodeCursor } from './cursor.js';
import { QueryError, type QueryParameter } from './errors.js';
import { DEFAULT_LIMITS, type QueryLimits } from './limits.js';
import { parse as generatedParse } from './parser.generated.js';
import type { Syn, SynPhrase, SynRange, SynTerm, SynValue } from './syntax.js';
import { parseDay, parseNumber } from './values.js';

/** The parameters of a search request, as the service receives them. */
export interface SearchRequest {
  /** The raw query-string value: `+` stands for a space, as on openFDA. */
  readonly search?: string | undefined;
  readonly count?: string | undefined;
  readonly sort?: string | undefined;
  readonly limit: number;
  readonly skip: number;
  /** The cursor of the previous page (`SearchPage.next`). */
  readonly after?: string | undefined;
}

/** openFDA's encoding: `+` in the query string is a space (Express has already decoded `%XX`). */
export function decodeSearch(raw: string): string {
  return raw.replace(/\+/g, ' ');
}

function resolveLimits(limits: Partial<QueryLimits> | undefined): QueryLimits {
  return { ...DEFAULT_LIMITS, ...(limits ?? {}) };
}

type PeggyExpectation =
  | { type: 'literal'; text: string }
  | { type: 'class'; inverted: boolean; parts: unknown[] }
  | { type: 'other'; description: string }
  | { type: 'any' | 'end' };

interface PeggyError {
  message: string;
  location?: { start?: { offset?: number } };
  expected?: PeggyExpectation[] | null;
  found?: string | null;
}

/**
 * Words peggy's expectations at the farthest position the way a user thinks of the query: a clause, a value,
 * a closing quote or bracket, AND/OR; rather than the grammar's character classes.
 */
export function describeExpected(expected: readonly PeggyExpectation[], found: string | null | undefined, before = ''): string {
  const literals = new Set(expected.flatMap((e) => (e.type === 'literal' ? [e.text] : [])));
  const others = new Set(expected.flatMap((e) => (e.type === 'other' ? [e.description] : [])));
  const invertedClass = expected.some((e) => e.type === 'class' && e.inverted);
  const wanted: string[] = [];
  if (literals.has('"') && invertedClass && !literals.has('[')) wanted.push('a closing quote (")');
  else if (literals.has('[') || (invertedClass && literals.has('('))) wanted.push('a value (a term, "a phrase", [a TO b] or (a OR b))');
  else if (literals.has('NOT') || literals.has('_exists_')) wanted.push('a clause (field:value)');
  if (literals.has(':') && !wanted.length) wanted.push('":" after the field name (a clause is field:value)');
  if (literals.has('TO')) wanted.push('TO');
  if (literals.has(']')) wanted.push('"]"');
  if (literals.has(')')) wanted.push('")"');
  if (literals.has('AND') || literals.has('OR')) wanted.push('AND/OR');
  if (wanted.length === 0 && others.has('whitespace')) {
    // Only a space would do: a keyword ends the text so far, and what it needs after it is missing.
    const keyword = /(?:^|\s)(AND|OR|NOT|TO)$/.exec(before)?.[1];
    wanted.push(keyword === 'TO' ? 'the upper bound after TO' : keyword ? `a clause (field:value) after ${keyword}` : 'a space');
  }
  if (wanted.length === 0) wanted.push('something else');
  const list = wanted.length === 1 ? wanted[0]! : `${wanted.slice(0, -1).join(', ')} or ${wanted.at(-1)!}`;
  const what = found === null || found === undefined ? 'the end of the query' : `"${found}"`;
  return `Expected ${list} but found ${what}`;
}

function isPeggyError(error: unknown): error is PeggyError {
  return typeof error === 'object' && error !== null && 'location' in error && 'message' in error;
}

/** Refuses deep nesting before the recursive-descent parser sees it. */
function checkDepth(text: string, limits: QueryLimits): void {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') {
      depth++;
      if (depth > limits.maxDepth) {
        throw new QueryError('VIG_QUERY_TOO_COMPLEX', `Parentheses nest deeper than ${limits.maxDepth} levels`, { parameter: 'search', position: i, limit: 'maxDepth' });
      }
    } else if (c === ')') depth = Math.max(0, depth - 1);
  }
}

/** Parses a decoded search string into the raw syntax tree; throws VIG_QUERY_SYNTAX with the offset. */
export function parseSyntax(text: string): Syn {
  try {
    return generatedParse(text, {}) as Syn;
  } catch (error) {
    if (isPeggyError(error)) {
      const position = error.location?.start?.offset ?? 0;
      const message = error.expected ? describeExpected(error.expected, error.found, text.slice(0, position)) : error.message;
      throw new QueryError('VIG_QUERY_SYNTAX', `Syntax error at position ${position}: ${message}`, { parameter: 'search', position });
    }
    throw error;
  }
}

interface Budget {
  clauses: number;
  wildcards: number;
}

class Resolver {
  private readonly budget: Budget = { clauses: 0, wildcards: 0 };

  constructor(private readonly limits: QueryLimits) {}

  resolve(syn: Syn, group: GroupPath | undefined): Query {
    switch (syn.t) {
      case 'and':
        return { kind: 'and', all: syn.items.map((item) => this.resolve(item, group)) };
      case 'or': {
        const any: Query[] = [];
        const none: Query[] = [];
        for (const item of syn.items) {
          const q = this.resolve(item, group);
          if (q.kind === 'not') none.push(q.query);
          else any.push(q);
        }
        return { kind: 'or', any, none };
      }
      case 'not':
        return { kind: 'not', query: this.resolve(syn.item, group) };
      case 'exists':
      case 'missing': {
        this.countClause(syn.at);
        const field = this.field(syn.field, syn.fieldAt, group);
        const exists: Query = { kind: 'exists', field };
        return syn.t === 'exists' ? exists : { kind: 'not', query: exists };
      }
      case 'group': {
        const element = this.groupPath(syn.path, syn.pathAt, group);
        return { kind: 'element', group: element, query: this.resolve(syn.body, element) };
      }
      case 'field':
        return this.leaf(this.field(syn.field, syn.fieldAt, group), syn.value, syn.at);
    }
  }

  private groupPath(path: string, at: number, group: GroupPath | undefined): GroupPath {
    if (group !== undefined) {
      throw new QueryError('VIG_QUERY_SYNTAX', `Groups do not nest: ${path}:( ... ) inside ${group}:( ... )`, { parameter: 'search', position: at });
    }
    const found = GROUP_PATHS.find((g) => g === path);
    if (found) return found;
    throw new QueryError(
      'VIG_QUERY_UNKNOWN_FIELD',
      `${path} is not a group: same-element conditions are written patient.drug:( ... ) or patient.reaction:( ... ); a list of values is field:(a OR b)`,
      { parameter: 'search', position: at },
    );
  }

  private field(name: string, at: number, group: GroupPath | undefined): ResolvedField {
    const full = group && !name.startsWith(`${group}.`) ? `${group}.${name}` : name;
    const field = resolveField(full);
    if (!field) throw new QueryError('VIG_QUERY_UNKNOWN_FIELD', `Unknown field ${full}`, { parameter: 'search', position: at });
    if (group && field.group !== group) {
      throw new QueryError('VIG_QUERY_UNKNOWN_FIELD', `${full} is not a field of ${group} elements`, { parameter: 'search', position: at });
    }
    return field;
  }

  private countClause(at: number): void {
    this.budget.clauses++;
    if (this.budget.clauses > this.limits.maxClauses) {
      throw new QueryError('VIG_QUERY_TOO_COMPLEX', `More than ${this.limits.maxClauses} conditions`, { parameter: 'search', position: at, limit: 'maxClauses' });
    }
  }

  private leaf(field: ResolvedField, value: SynValue, at: number): Query {
    switch (value.t) {
      case 'list': {
        if (value.items.length > this.limits.maxListTerms) {
          const over = value.items[this.limits.maxListTerms]!;
          throw new QueryError('VIG_QUERY_TOO_COMPLEX', `More than ${this.limits.maxListTerms} values in one list`, { parameter: 'search', position: over.at, limit: 'maxListTerms' });
        }
        return {
          kind: 'or',
          any: value.items.map((item) => {
            this.countClause(item.at);
            return this.single(field, item);
          }),
          none: [],
        };
      }
      case 'range':
        this.countClause(at);
        return this.range(field, value);
      default:
        this.countClause(at);
        return this.single(field, value);
    }
  }

  private single(field: ResolvedField, value: SynTerm | SynPhrase): Query {
    const text = value.text;
    const bad = (message: string, offset = 0): never => {
      throw new QueryError('VIG_QUERY_BAD_VALUE', message, { parameter: 'search', position: value.at + offset });
    };
    if (value.t === 'term' && text.includes('*')) {
      const star = text.indexOf('*');
      if (star !== text.length - 1) bad(`Only a trailing * is supported (${field.name})`, star);
      return this.prefix(field, text.slice(0, -1), value.at);
    }
    switch (field.kind) {
      case 'text':
        if (!/[\p{L}\p{N}]/u.test(text)) bad(`${field.name} is searched by words and this value has none`);
        return { kind: 'words', field, text };
      case 'keyword':
        return { kind: 'equals', field, value: field.lowercase ? text.toLowerCase() : text };
      case 'date': {
        const day = parseDay(text);
        if (day === undefined) return bad(`${field.name} takes a date as YYYYMMDD or YYYY-MM-DD`);
        return { kind: 'range', field, gte: day, lte: day };
      }
      case 'number': {
        const number = parseNumber(text);
        if (number === undefined) return bad(`${field.name} takes a number`);
        return { kind: 'equals', field, value: number };
      }
    }
  }

  private prefix(field: ResolvedField, prefix: string, at: number): Query {
    const bad = (message: string): never => {
      throw new QueryError('VIG_QUERY_BAD_VALUE', message, { parameter: 'search', position: at });
    };
    if (field.kind === 'date' || field.kind === 'number') bad(`${field.name} does not take wildcards; use a range`);
    if ([...prefix].length < this.limits.minPrefixLength) bad(`A wildcard needs at least ${this.limits.minPrefixLength} characters before *`);
    if (field.kind === 'text' && !/^[\p{L}\p{N}_]+$/u.test(prefix)) bad(`A wildcard on ${field.name} matches the start of one word: letters and digits only`);
    this.budget.wildcards++;
    if (this.budget.wildcards > this.limits.maxWildcards) {
      throw new QueryError('VIG_QUERY_TOO_COMPLEX', `More than ${this.limits.maxWildcards} wildcards`, { parameter: 'search', position: at, limit: 'maxWildcards' });
    }
    return { kind: 'prefix', field, prefix: field.kind === 'text' || field.lowercase ? prefix.toLowerCase() : prefix };
  }

  private range(field: ResolvedField, range: SynRange): Query {
    if (field.kind === 'text') {
      throw new QueryError('VIG_QUERY_BAD_VALUE', `${field.name} is a text field; ranges take a date, number or keyword field${field.hasExact ? ` (${field.name}.exact)` : ''}`, {
        parameter: 'search',
        position: range.at,
      });
    }
    const bound = (b: SynRange['lo']): string | number | undefined => {
      if (b.text === null) return undefined;
      const parsed = field.kind === 'date' ? parseDay(b.text) : field.kind === 'number' ? parseNumber(b.text) : field.lowercase ? b.text.toLowerCase() : b.text;
      if (parsed === undefined) {
        const what = field.kind === 'date' ? 'a date as YYYYMMDD or YYYY-MM-DD' : 'a number';
        throw new QueryError('VIG_QUERY_BAD_VALUE', `${field.name} range bounds take ${what} or *`, { parameter: 'search', position: b.at });
      }
      return parsed;
    };
    const gte = bound(range.lo);
    const lte = bound(range.hi);
    if (gte === undefined && lte === undefined) return { kind: 'exists', field };
    if (gte !== undefined && lte !== undefined && (typeof gte === 'number' ? gte > (lte as number) : compareBytes(gte as string, lte as string) > 0)) {
      throw new QueryError('VIG_QUERY_BAD_VALUE', 'The lower bound of the range is above its upper bound', { parameter: 'search', position: range.at });
    }
    return { kind: 'range', field, gte, lte };
  }
}

/** Compares strings in UTF-8 byte order, the engine's order for keywords (SQL: COLLATE "C"). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Parses the `search` parameter (raw: `+` is a space) into the typed query. */
export function parseSearch(raw: string, limits?: Partial<QueryLimits>): Query {
  const resolved = resolveLimits(limits);
  if (raw.length > resolved.maxLength) {
    throw new QueryError('VIG_QUERY_TOO_COMPLEX', `The search is longer than ${resolved.maxLength} characters`, { parameter: 'search', position: resolved.maxLength, limit: 'maxLength' });
  }
  const text = decodeSearch(raw);
  checkDepth(text, resolved);
  return new Resolver(resolved).resolve(parseSyntax(text), undefined);
}

function fieldOf(name: string, parameter: QueryParameter): ResolvedField {
  const field = resolveField(name);
  if (!field) throw new QueryError('VIG_QUERY_UNKNOWN_FIELD', `Unknown field ${name}`, { parameter, position: 0 });
  return field;
}

/** Parses `count`: a keyword, `.exact` or date field. */
export function parseCount(raw: string): CountSpec {
  const name = decodeSearch(raw).trim();
  const field = fieldOf(name, 'count');
  if (field.kind === 'date') return { field, kind: 'time' };
  if (field.kind === 'keyword') return { field, kind: 'terms' };
  const hint = field.kind === 'text' && field.hasExact ? `; count ${name}.exact for whole values` : '';
  throw new QueryError('VIG_QUERY_BAD_COUNT', `${name} cannot be counted: count a keyword, .exact or date field${hint}`, { parameter: 'count', position: 0 });
}

const SORT = /^([A-Za-z_][A-Za-z0-9_.]*):(asc|desc)$/;

/** Parses `sort`: `field:asc` or `field:desc` on a keyword, `.exact`, date or number field. */
export function parseSort(raw: string): SortSpec {
  const text = decodeSearch(raw).trim();
  const m = SORT.exec(text);
  if (!m) throw new QueryError('VIG_QUERY_BAD_SORT', 'sort takes field:asc or field:desc', { parameter: 'sort', position: 0 });
  const field = fieldOf(m[1]!, 'sort');
  if (field.kind === 'text') {
    throw new QueryError('VIG_QUERY_BAD_SORT', `${field.name} is a text field; sort on ${field.hasExact ? `${field.name}.exact` : 'another field'}`, { parameter: 'sort', position: 0 });
  }
  return { field, order: m[2] as 'asc' | 'desc' };
}

function checkInteger(value: number, max: number, parameter: 'limit' | 'skip', min = 0): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new QueryError('VIG_QUERY_BAD_PAGING', `${parameter} must be an integer from ${min} to ${max}`, { parameter, position: 0 });
  }
}

/** Parses and checks a whole request. Throws QueryError. */
export function parseRequest(req: SearchRequest, limits?: Partial<QueryLimits>): ParsedRequest {
  const resolved = resolveLimits(limits);
  const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';
  const query = present(req.search) ? parseSearch(req.search, resolved) : undefined;
  const count = present(req.count) ? parseCount(req.count) : undefined;
  const sort = present(req.sort) ? parseSort(req.sort) : undefined;
  checkInteger(req.limit, resolved.maxLimit, 'limit', count ? 1 : 0);
  checkInteger(req.skip, resolved.maxSkip, 'skip');
  if (count && (sort || req.skip > 0 || present(req.after))) {
    throw new QueryError('VIG_QUERY_BAD_COUNT', 'count cannot be combined with sort, skip or a cursor', { parameter: 'count', position: 0 });
  }
  let after: Cursor | undefined;
  if (present(req.after)) {
    if (req.skip > 0) throw new QueryError('VIG_QUERY_BAD_PAGING', 'A cursor replaces skip: send skip=0 with it', { parameter: 'skip', position: 0 });
    after = decodeCursor(req.after, sort);
  }
  return { query, count, sort, limit: req.limit, skip: req.skip, after };
}
