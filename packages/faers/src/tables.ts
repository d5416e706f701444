/**
 * The seven tables of a FAERS / legacy AERS quarterly ASCII extract and how
 * their files are recognised inside the zip.
 */

/** `faers`: FDA FAERS (2012Q4 on, primaryid/caseid/caseversion). `aers`: legacy AERS (to 2012Q3, ISR/CASE/FOLL_SEQ). */
export type FaersFormat = 'faers' | 'aers';

export const FAERS_TABLES = ['DEMO', 'DRUG', 'REAC', 'OUTC', 'RPSR', 'THER', 'INDI'] as const;
export type FaersTable = (typeof FAERS_TABLES)[number];

/** The tables joined to DEMO, one group of rows per report version. */
export const SIDE_TABLES = ['DRUG', 'REAC', 'OUTC', 'RPSR', 'THER', 'INDI'] as const satisfies readonly FaersTable[];
export type FaersSideTable = (typeof SIDE_TABLES)[number];

/** One row of a table: lower-cased column name to raw (untrimmed) value. */
export type FaersRow = Readonly<Record<string, string>>;

/** Column holding the report-version key in every table. */
export const KEY_COLUMN: Readonly<Record<FaersFormat, string>> = { faers: 'primaryid', aers: 'isr' };

/**
 * Recognises a table file by its base name, whatever folder it sits in and
 * whatever its case: `ascii/DEMO17Q2.txt`, `ASCII/demo04q1.TXT`,
 * `faers_ascii_2018q1/ascii/DEMO18Q1_new.txt`. Other files (STAT*, readme,
 * PDFs, the DELETED folder) do not match.
 */
const TABLE_FILE = /^(DEMO|DRUG|REAC|OUTC|RPSR|THER|INDI)(\d{2})Q([1-4])(?:_NEW)?\.TXT$/i;

export interface TableFileMatch {
  readonly table: FaersTable;
  /** `2017Q2` from `DEMO17Q2.txt` (two-digit years are 20YY: AERS starts in 2004). */
  readonly quarter: string;
}

export function matchTableFile(entryName: string): TableFileMatch | undefined {
  if (entryName.endsWith('/')) return undefined;
  const base = entryName.slice(entryName.lastIndexOf('/') + 1);
  if (/(^|\/)deleted\//i.test(entryName)) return undefined;
  const match = TABLE_FILE.exec(base);
  if (!match) return undefined;
  return { table: match[1]!.toUpperCase() as FaersTable, quarter: `20${match[2]!}Q${match[3]!}` };
}
