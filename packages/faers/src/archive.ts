import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { faersFileError } from './errors.js';
import { FAERS_TABLES, matchTableFile, type FaersTable } from './tables.js';

export interface TableEntryInfo {
  /** Path of the file inside the zip, e.g. `ascii/DEMO17Q2.txt`. */
  readonly entryName: string;
  readonly uncompressedSize: number;
  readonly compressedSize: number;
}

/**
 * A quarterly zip opened for random access: the central directory is read
 * once, then any number of table entries can be streamed at the same time
 * (yauzl reads each entry from its own offset of the file).
 */
export class QuarterArchive {
  private closed = false;
  private readonly streams = new Set<Readable>();

  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: ReadonlyMap<FaersTable, yauzl.Entry>,
    /** `2017Q2`, from the file names, when they carry it. */
    readonly quarter: string | undefined,
  ) {}

  static async open(zipPath: string): Promise<QuarterArchive> {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: true });
    } catch (cause) {
      throw faersFileError('archive_invalid', 'The FAERS quarter is not a readable zip archive', {}, cause);
    }
    try {
      const found = new Map<FaersTable, yauzl.Entry>();
      const quarters = new Set<string>();
      for await (const entry of zip.eachEntry()) {
        const match = matchTableFile(entry.fileName);
        if (!match) continue;
        const previous = found.get(match.table);
        if (previous) {
          throw faersFileError(
            'table_ambiguous',
            `The archive holds two ${match.table} files: ${previous.fileName} and ${entry.fileName}`,
            { table: match.table },
          );
        }
        found.set(match.table, entry);
        quarters.add(match.quarter);
      }
      const missing = FAERS_TABLES.filter((table) => !found.has(table));
      if (missing.length > 0) {
        throw faersFileError(
          'table_missing',
          `The archive lacks the ${missing.join(', ')} table${missing.length > 1 ? 's' : ''} (expected files like DEMO17Q2.txt)`,
          { tables: missing },
        );
      }
      return new QuarterArchive(zip, found, quarters.size === 1 ? [...quarters][0] : undefined);
    } catch (error) {
      zip.close();
      throw error;
    }
  }

  info(table: FaersTable): TableEntryInfo {
    const entry = this.entry(table);
    return { entryName: entry.fileName, uncompressedSize: entry.uncompressedSize, compressedSize: entry.compressedSize };
  }

  /** A fresh byte stream of one table (decompressed). Several may be open at once. */
  async openTable(table: FaersTable): Promise<Readable> {
    if (this.closed) throw new Error('QuarterArchive is closed');
    let stream: Readable;
    try {
      stream = await this.zip.openReadStreamPromise(this.entry(table));
    } catch (cause) {
      throw faersFileError('archive_invalid', `The ${table} entry of the archive cannot be read`, { table }, cause);
    }
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    return stream;
  }

  /** Destroys open table streams and closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
    this.zip.close();
  }

  private entry(table: FaersTable): yauzl.Entry {
    const entry = this.entries.get(table);
    if (!entry) throw faersFileError('table_missing', `The archive lacks the ${table} table`, { table });
    return entry;
  }
}
