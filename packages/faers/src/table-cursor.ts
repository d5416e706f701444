import { faersFileError } from './errors.js';
import { KEY_PATTERN, type KeyComparator } from './key-order.js';
import type { LineBatch } from './lines.js';
import { KEY_COLUMN, type FaersFormat, type FaersRow, type FaersTable } from './tables.js';

/** What a cursor saw in one table, beyond the rows it returned. */
export interface TableDiagnostics {
  /** Rows parsed (including orphans and DEMO duplicates). */
  rows: number;
  /** Rows rebuilt from physical lines split by a line break inside a value (joined with a space). */
  repairedRows: number;
  /** Rows with too few columns and no continuation line, padded with empty values. */
  paddedRows: number;
  /** Lines that could not be read as a row (bad key, too many columns): dropped and counted here. */
  malformedLines: number;
  /** Rows whose key is not in DEMO: dropped by the join and counted here. */
  orphanRows: number;
}

export function emptyDiagnostics(): TableDiagnostics {
  return { rows: 0, repairedRows: 0, paddedRows: 0, malformedLines: 0, orphanRows: 0 };
}

export interface ParsedRow {
  /** The report-version key (primaryid or ISR), trimmed. */
  readonly key: string;
  /** Physical line number of the row's first line (1 is the header). */
  readonly line: number;
  readonly row: FaersRow;
}

/** A line that may continue on the next one (a value held a line break). */
interface Pending {
  text: string;
  line: number;
  parts: number;
}

/** More physical lines than this for one row means it is not a broken row but garbage. */
const MAX_LINES_PER_ROW = 20;

/**
 * Reads one `$`-separated table row by row, with one row of look-ahead, from
 * line batches. Parses the header, maps columns by (lower-cased) name, accepts
 * a trailing `$` on header and rows, repairs rows broken over several lines,
 * and, when given a comparator, checks that keys never decrease.
 */
export class TableCursor {
  readonly diagnostics: TableDiagnostics = emptyDiagnostics();
  private buffer: ParsedRow[] = [];
  private position = 0;
  private exhausted = false;
  private pending: Pending | undefined;
  private lastKey: string | undefined;
  private lastKeyLine = 0;

  private constructor(
    readonly table: FaersTable,
    readonly format: FaersFormat,
    readonly columns: readonly string[],
    private readonly keyIndex: number,
    private readonly batches: AsyncIterator<LineBatch>,
    private readonly compare: KeyComparator | undefined,
  ) {}

  /**
   * Reads the header line. `format`, when known (from DEMO), must match the
   * table's key column. Without `compare` no order is checked.
   */
  static async open(
    table: FaersTable,
    batches: AsyncIterator<LineBatch>,
    options: { format?: FaersFormat; compare?: KeyComparator } = {},
  ): Promise<TableCursor> {
    const first = await batches.next();
    const headerLine = first.done ? undefined : first.value.lines[0];
    if (headerLine === undefined) {
      throw faersFileError('header_invalid', `The ${table} table is empty: it has no header row`, { table });
    }
    // A UTF-8 byte order mark, decoded as Windows-1252, reads "ï»¿".
    const columns = headerLine
      .replace(/^(\uFEFF|\u00EF\u00BB\u00BF)/, '')
      .split('$')
      .map((name) => name.trim().toLowerCase());
    while (columns.length > 0 && columns[columns.length - 1] === '') columns.pop();
    const format: FaersFormat | undefined = columns.includes(KEY_COLUMN.faers)
      ? 'faers'
      : columns.includes(KEY_COLUMN.aers)
        ? 'aers'
        : undefined;
    if (format === undefined) {
      throw faersFileError('header_invalid', `The ${table} header has neither a primaryid nor an isr column`, { table });
    }
    if (options.format !== undefined && format !== options.format) {
      throw faersFileError(
        'header_invalid',
        `The ${table} table is in ${format.toUpperCase()} layout but DEMO is in ${options.format.toUpperCase()} layout`,
        { table },
      );
    }
    const cursor = new TableCursor(table, format, columns, columns.indexOf(KEY_COLUMN[format]), batches, options.compare);
    const rest = first.done ? undefined : first.value;
    if (rest && rest.lines.length > 1) {
      cursor.parseBatch({ lines: rest.lines.slice(1), numbers: rest.numbers.slice(1) });
    }
    return cursor;
  }

  /** The next row without consuming it; undefined at the end of the table. */
  async peek(): Promise<ParsedRow | undefined> {
    while (this.position >= this.buffer.length) {
      if (this.exhausted) return undefined;
      this.buffer = [];
      this.position = 0;
      const next = await this.batches.next();
      if (next.done) {
        this.exhausted = true;
        this.flushPending();
      } else {
        this.parseBatch(next.value);
      }
    }
    return this.buffer[this.position];
  }

  /** Stops reading: releases the underlying stream. The cursor is empty afterwards. */
  async close(): Promise<void> {
    this.exhausted = true;
    this.buffer = [];
    this.position = 0;
    this.pending = undefined;
    await this.batches.return?.();
  }

  /** Consumes the row last returned by peek(). */
  advance(): void {
    this.position += 1;
  }

  /** The next row, consumed. */
  async next(): Promise<ParsedRow | undefined> {
    const row = await this.peek();
    if (row !== undefined) this.advance();
    return row;
  }

  private parseBatch(batch: LineBatch): void {
    const { lines, numbers } = batch;
    for (let i = 0; i < lines.length; i += 1) this.parseLine(lines[i]!, numbers[i]!);
  }

  private parseLine(text: string, line: number): void {
    const fields = text.split('$');
    if (this.pending !== undefined) {
      if (this.isComplete(fields) && KEY_PATTERN.test(fields[this.keyIndex]!.trim())) {
        // This line is a row of its own: the pending one had no continuation.
        this.flushPending();
      } else {
        const pending = this.pending;
        const joined = `${pending.text} ${text}`;
        const joinedFields = joined.split('$');
        if (this.isComplete(joinedFields)) {
          this.pending = undefined;
          this.diagnostics.repairedRows += 1;
          this.accept(joinedFields, pending.line);
        } else if (joinedFields.length < this.columns.length && pending.parts < MAX_LINES_PER_ROW) {
          pending.text = joined;
          pending.parts += 1;
        } else {
          this.pending = undefined;
          this.diagnostics.malformedLines += pending.parts + 1;
        }
        return;
      }
    }
    if (this.isComplete(fields)) {
      this.accept(fields, line);
    } else if (fields.length < this.columns.length) {
      this.pending = { text, line, parts: 1 };
    } else {
      this.diagnostics.malformedLines += 1;
    }
  }

  /** A row left without continuation: keep it, padded, if its key is readable. */
  private flushPending(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    const fields = pending.text.split('$');
    if (fields.length > this.keyIndex) {
      while (fields.length < this.columns.length) fields.push('');
      this.diagnostics.paddedRows += 1;
      this.accept(fields, pending.line);
    } else {
      this.diagnostics.malformedLines += pending.parts;
    }
  }

  /** As many fields as columns, plus only empty ones (a trailing `$`). */
  private isComplete(fields: readonly string[]): boolean {
    const expected = this.columns.length;
    if (fields.length < expected) return false;
    for (let i = expected; i < fields.length; i += 1) if (fields[i] !== '') return false;
    return true;
  }

  private accept(fields: readonly string[], line: number): void {
    const key = fields[this.keyIndex]!.trim();
    if (!KEY_PATTERN.test(key)) {
      this.diagnostics.malformedLines += 1;
      return;
    }
    if (this.compare !== undefined && this.lastKey !== undefined && this.compare(this.lastKey, key) > 0) {
      throw faersFileError(
        'table_unsorted',
        `The ${this.table} table is not sorted by ${KEY_COLUMN[this.format]}: line ${line} (key ${key}) comes after line ${this.lastKeyLine} (key ${this.lastKey})`,
        { table: this.table, line, key, previousKey: this.lastKey },
      );
    }
    this.lastKey = key;
    this.lastKeyLine = line;
    const row: Record<string, string> = {};
    const columns = this.columns;
    for (let i = 0; i < columns.length; i += 1) {
      const name = columns[i]!;
      if (name !== '') row[name] = fields[i]!;
    }
    this.diagnostics.rows += 1;
    this.buffer.push({ key, line, row });
  }
}
