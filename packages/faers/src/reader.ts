import type { Readable } from 'node:stream';
import { QuarterArchive, type TableEntryInfo } from './archive.js';
import { faersFileError } from './errors.js';
import { comparatorFor, KeyOrderDetector, compareNumeric, type KeyComparator, type KeyOrder } from './key-order.js';
import { LegacyVersionAssigner } from './legacy-version.js';
import { readLineBatches } from './lines.js';
import { caseIdOf, legacyBaseVersion, mapFaersCase } from './mapper.js';
import { emptyDiagnostics, TableCursor, type ParsedRow, type TableDiagnostics } from './table-cursor.js';
import { FAERS_TABLES, SIDE_TABLES, type FaersFormat, type FaersRow, type FaersSideTable, type FaersTable } from './tables.js';
import type { FaersCaseRows, FaersRecord } from './types.js';

/** What a cheap first pass over a quarter finds (it reads DEMO only). */
export interface FaersQuarterInfo {
  readonly format: FaersFormat;
  /** `2017Q2`, from the file names. */
  readonly quarter: string | undefined;
  readonly tables: Readonly<Record<FaersTable, TableEntryInfo>>;
  /** DEMO rows: the number of records readFaersQuarter will yield (reports plus skipped). */
  readonly demoRows: number;
  /** The order of DEMO's keys, which the merge join expects of every table. */
  readonly keyOrder: KeyOrder | 'unsorted';
}

export type FaersJoinStrategy = 'merge' | 'memory';

export interface ReadFaersOptions {
  /**
   * `merge` (default): streams the seven tables side by side and joins them
   * on the key; memory stays bounded whatever the quarter's size, and every
   * table must be sorted by key in DEMO's order (checked: an unsorted table
   * fails with faersProblem `table_unsorted`).
   * `memory`: loads DEMO and the six other tables into memory first, so any
   * order works. The fallback for unsorted files; needs memory in proportion
   * to the quarter (a few GB for a recent one).
   */
  readonly join?: FaersJoinStrategy;
  /** Key order for the merge join. `auto` (default) takes DEMO's, from `info` or a first pass over DEMO. */
  readonly keyOrder?: KeyOrder | 'auto';
  /** The result of inspectFaersQuarter() on the same file, to save the first pass. */
  readonly info?: FaersQuarterInfo;
  /** Stops the reading (the iterator throws the signal's reason). */
  readonly signal?: AbortSignal;
}

/** Counters of one read, complete once iteration has ended. */
export interface FaersReadDiagnostics {
  format: FaersFormat | undefined;
  join: FaersJoinStrategy;
  keyOrder: KeyOrder | undefined;
  tables: Record<FaersTable, TableDiagnostics>;
}

/**
 * One read of a quarter: an async iterable of records, one per DEMO row, in
 * key order, plus counters (orphan rows, repaired lines...) that are complete
 * when the iteration ends. Iterating again reads the file again.
 */
export class FaersQuarterReader implements AsyncIterable<FaersRecord> {
  private current: FaersReadDiagnostics;

  constructor(
    readonly zipPath: string,
    readonly options: ReadFaersOptions = {},
  ) {
    this.current = newDiagnostics(options.join ?? 'merge');
  }

  get diagnostics(): FaersReadDiagnostics {
    return this.current;
  }

  [Symbol.asyncIterator](): AsyncIterator<FaersRecord> {
    this.current = newDiagnostics(this.options.join ?? 'merge');
    return (this.options.join === 'memory' ? memoryJoin : mergeJoin)(this.zipPath, this.options, this.current);
  }
}

/**
 * Reads a FAERS or legacy AERS quarterly ASCII zip as a stream of records:
 * `{ kind: 'report', report, source, dropped }` for each report version that
 * maps to a valid AdverseEventReport, `{ kind: 'skipped', reason, source,
 * dropped }` for each that cannot. File problems (not a zip, a table missing,
 * a table unsorted) throw an InputError with `fields.faersProblem`.
 */
export function readFaersQuarter(zipPath: string, options: ReadFaersOptions = {}): FaersQuarterReader {
  return new FaersQuarterReader(zipPath, options);
}

/** A first pass over DEMO only: format, quarter, table sizes, number of records to expect (for a progress bar), key order. */
export async function inspectFaersQuarter(zipPath: string): Promise<FaersQuarterInfo> {
  const archive = await QuarterArchive.open(zipPath);
  try {
    return await inspectArchive(archive);
  } finally {
    archive.close();
  }
}

async function inspectArchive(archive: QuarterArchive): Promise<FaersQuarterInfo> {
  const demo = await openCursor(archive, 'DEMO', {});
  const detector = new KeyOrderDetector();
  try {
    for (let row = await demo.next(); row !== undefined; row = await demo.next()) detector.observe(row.key);
  } finally {
    await demo.close();
  }
  const tables = Object.fromEntries(FAERS_TABLES.map((table) => [table, archive.info(table)])) as Record<FaersTable, TableEntryInfo>;
  return { format: demo.format, quarter: archive.quarter, tables, demoRows: demo.diagnostics.rows, keyOrder: detector.result() };
}

function newDiagnostics(join: FaersJoinStrategy): FaersReadDiagnostics {
  const tables = Object.fromEntries(FAERS_TABLES.map((table) => [table, emptyDiagnostics()])) as Record<FaersTable, TableDiagnostics>;
  return { format: undefined, join, keyOrder: undefined, tables };
}

async function* mergeJoin(zipPath: string, options: ReadFaersOptions, diagnostics: FaersReadDiagnostics): AsyncGenerator<FaersRecord> {
  const archive = await QuarterArchive.open(zipPath);
  const cursors: TableCursor[] = [];
  try {
    let order = options.keyOrder ?? 'auto';
    if (order === 'auto') {
      const info = options.info ?? (await inspectArchive(archive));
      if (info.keyOrder === 'unsorted') {
        throw faersFileError(
          'table_unsorted',
          'The DEMO table is sorted neither as text nor as numbers by its key; read it with the memory join instead',
          { table: 'DEMO' },
        );
      }
      order = info.keyOrder;
    }
    diagnostics.keyOrder = order;
    const compare = comparatorFor(order);
    const demo = await openCursor(archive, 'DEMO', { compare });
    cursors.push(demo);
    diagnostics.format = demo.format;
    diagnostics.tables.DEMO = demo.diagnostics;
    const sides: TableCursor[] = [];
    for (const table of SIDE_TABLES) {
      const cursor = await openCursor(archive, table, { compare, format: demo.format });
      cursors.push(cursor);
      sides.push(cursor);
      diagnostics.tables[table] = cursor.diagnostics;
    }
    const versions = demo.format === 'aers' ? new LegacyVersionAssigner() : undefined;
    let previousKey: string | undefined;
    for (let row = await demo.next(); row !== undefined; row = await demo.next()) {
      options.signal?.throwIfAborted();
      if (row.key === previousKey) {
        yield duplicate(demo.format, row);
        continue;
      }
      previousKey = row.key;
      const groups: FaersRow[][] = [];
      for (const cursor of sides) groups.push(await takeGroup(cursor, row.key, compare));
      yield mapRows(caseRows(demo.format, row, groups), versions);
    }
    for (const cursor of sides) {
      for (let orphan = await cursor.next(); orphan !== undefined; orphan = await cursor.next()) cursor.diagnostics.orphanRows += 1;
    }
  } finally {
    await Promise.allSettled(cursors.map((cursor) => cursor.close()));
    archive.close();
  }
}

/** Consumes the rows of `key`; rows with a smaller key have no DEMO row and are counted as orphans. */
async function takeGroup(cursor: TableCursor, key: string, compare: KeyComparator): Promise<FaersRow[]> {
  const rows: FaersRow[] = [];
  for (let next = await cursor.peek(); next !== undefined; next = await cursor.peek()) {
    const order = compare(next.key, key);
    if (order > 0) break;
    cursor.advance();
    if (order === 0) rows.push(next.row);
    else cursor.diagnostics.orphanRows += 1;
  }
  return rows;
}

async function* memoryJoin(zipPath: string, options: ReadFaersOptions, diagnostics: FaersReadDiagnostics): AsyncGenerator<FaersRecord> {
  const archive = await QuarterArchive.open(zipPath);
  try {
    const demoCursor = await openCursor(archive, 'DEMO', {});
    diagnostics.format = demoCursor.format;
    diagnostics.tables.DEMO = demoCursor.diagnostics;
    const demoRows = await readAll(demoCursor, options.signal);
    // Key order, as numbers: the order FDA assigns ISRs and primaryids in,
    // which legacy versions depend on. The sort is stable: duplicates keep file order.
    demoRows.sort((a, b) => compareNumeric(a.key, b.key));
    const groups = new Map<FaersSideTable, Map<string, FaersRow[]>>();
    for (const table of SIDE_TABLES) {
      const cursor = await openCursor(archive, table, { format: demoCursor.format });
      diagnostics.tables[table] = cursor.diagnostics;
      const byKey = new Map<string, FaersRow[]>();
      for (const parsed of await readAll(cursor, options.signal)) {
        const list = byKey.get(parsed.key);
        if (list) list.push(parsed.row);
        else byKey.set(parsed.key, [parsed.row]);
      }
      groups.set(table, byKey);
    }
    archive.close();
    const versions = demoCursor.format === 'aers' ? new LegacyVersionAssigner() : undefined;
    const seen = new Set<string>();
    for (const row of demoRows) {
      options.signal?.throwIfAborted();
      if (seen.has(row.key)) {
        yield duplicate(demoCursor.format, row);
        continue;
      }
      seen.add(row.key);
      const joined = SIDE_TABLES.map((table) => {
        const byKey = groups.get(table)!;
        const rows = byKey.get(row.key) ?? [];
        byKey.delete(row.key);
        return rows;
      });
      yield mapRows(caseRows(demoCursor.format, row, joined), versions);
    }
    for (const table of SIDE_TABLES) {
      for (const rows of groups.get(table)!.values()) diagnostics.tables[table].orphanRows += rows.length;
    }
  } finally {
    archive.close();
  }
}

async function readAll(cursor: TableCursor, signal: AbortSignal | undefined): Promise<ParsedRow[]> {
  const rows: ParsedRow[] = [];
  try {
    for (let row = await cursor.next(); row !== undefined; row = await cursor.next()) {
      rows.push(row);
      if ((rows.length & 0xffff) === 0) signal?.throwIfAborted();
    }
  } finally {
    await cursor.close();
  }
  return rows;
}

function caseRows(format: FaersFormat, demo: ParsedRow, groups: readonly FaersRow[][]): FaersCaseRows {
  const [drug, reac, outc, rpsr, ther, indi] = groups as [FaersRow[], FaersRow[], FaersRow[], FaersRow[], FaersRow[], FaersRow[]];
  return { format, key: demo.key, demoLine: demo.line, demo: demo.row, drug, reac, outc, rpsr, ther, indi };
}

function mapRows(rows: FaersCaseRows, versions: LegacyVersionAssigner | undefined): FaersRecord {
  if (versions === undefined) return mapFaersCase(rows);
  const caseid = caseIdOf(rows);
  // An invalid case id is skipped by the mapper; it must not take a version slot.
  const version = caseid === '' ? legacyBaseVersion(rows.demo) : versions.assign(caseid, legacyBaseVersion(rows.demo));
  return mapFaersCase(rows, { version });
}

function duplicate(format: FaersFormat, row: ParsedRow): FaersRecord {
  const caseid = caseIdOf({ format, demo: row.row });
  return {
    kind: 'skipped',
    reason: 'duplicate_primaryid',
    source: {
      format,
      primaryid: row.key,
      caseid,
      version: undefined,
      demoLine: row.line,
      rows: { DRUG: 0, REAC: 0, OUTC: 0, RPSR: 0, THER: 0, INDI: 0 },
    },
    dropped: {},
  };
}

async function openCursor(
  archive: QuarterArchive,
  table: FaersTable,
  options: { compare?: KeyComparator; format?: FaersFormat },
): Promise<TableCursor> {
  const stream = await archive.openTable(table);
  return TableCursor.open(table, readLineBatches(guard(stream, table))[Symbol.asyncIterator](), options);
}

/** Turns a failure to inflate an entry (corrupt data, bad CRC) into a file error naming the table. */
async function* guard(stream: Readable, table: FaersTable): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (cause) {
    throw faersFileError('archive_invalid', `The ${table} entry of the archive is corrupt`, { table }, cause);
  }
}

