/**
 * Helpers for this package's tests (and for tests elsewhere that need a
 * synthetic quarter): fixture paths and a small writer of quarterly zips.
 * Not exported from the package index.
 */
import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export const FAERS_FIXTURE = fileURLToPath(new URL('../fixtures/faers_ascii_2017q2.zip', import.meta.url));
export const AERS_FIXTURE = fileURLToPath(new URL('../fixtures/aers_ascii_2004q1.zip', import.meta.url));
export const EXPECTED_SCRIPT = fileURLToPath(new URL('../../testkit/faers_expected.py', import.meta.url));

export interface TableTextOptions {
  /** End header and rows with `$`, as FDA's own files do. */
  readonly trailingDollar?: boolean;
  readonly crlf?: boolean;
  /** Start with a UTF-8 byte order mark (as Latin-1 text: three characters). */
  readonly bom?: boolean;
}

/** `$`-separated text of a table. */
export function tableText(header: readonly string[], rows: readonly (readonly string[])[], options: TableTextOptions = {}): string {
  const end = options.crlf ? '\r\n' : '\n';
  const tail = options.trailingDollar ? '$' : '';
  const bom = options.bom ? '\u00EF\u00BB\u00BF' : '';
  return bom + [header, ...rows].map((fields) => fields.join('$') + tail + end).join('');
}

export interface ZipEntrySpec {
  readonly name: string;
  /** Text is written as Latin-1 (one byte per character). */
  readonly content: string | Buffer;
}

let counter = 0;
const created: string[] = [];
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** Writes a zip with the given entries into a fresh temporary directory (removed when the process exits); returns its path. */
export async function writeZip(entries: readonly ZipEntrySpec[], fileName = 'quarter.zip'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `vigilo-faers-${process.pid}-${(counter += 1)}-`));
  created.push(dir);
  const path = join(dir, fileName);
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    const buffer = typeof entry.content === 'string' ? Buffer.from(entry.content, 'latin1') : entry.content;
    zip.addBuffer(buffer, entry.name);
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  return path;
}

/** FAERS column lists (2017Q2 layout, as in the fixture). */
export const FAERS_COLUMNS = {
  DEMO: [
    'primaryid', 'caseid', 'caseversion', 'i_f_code', 'event_dt', 'mfr_dt', 'init_fda_dt', 'fda_dt', 'rept_cod',
    'auth_num', 'mfr_num', 'mfr_sndr', 'lit_ref', 'age', 'age_cod', 'age_grp', 'sex', 'e_sub', 'wt', 'wt_cod',
    'rept_dt', 'to_mfr', 'occp_cod', 'reporter_country', 'occr_country',
  ],
  DRUG: [
    'primaryid', 'caseid', 'drug_seq', 'role_cod', 'drugname', 'prod_ai', 'val_vbm', 'route', 'dose_vbm',
    'cum_dose_chr', 'cum_dose_unit', 'dechal', 'rechal', 'lot_num', 'exp_dt', 'nda_num', 'dose_amt', 'dose_unit',
    'dose_form', 'dose_freq',
  ],
  REAC: ['primaryid', 'caseid', 'pt', 'drug_rec_act'],
  OUTC: ['primaryid', 'caseid', 'outc_cod'],
  RPSR: ['primaryid', 'caseid', 'rpsr_cod'],
  THER: ['primaryid', 'caseid', 'dsg_drug_seq', 'start_dt', 'end_dt', 'dur', 'dur_cod'],
  INDI: ['primaryid', 'caseid', 'indi_drug_seq', 'indi_pt'],
} as const;

/** Legacy AERS column lists (2004Q1 layout). */
export const AERS_COLUMNS = {
  DEMO: [
    'ISR', 'CASE', 'I_F_COD', 'FOLL_SEQ', 'IMAGE', 'EVENT_DT', 'MFR_DT', 'FDA_DT', 'REPT_COD', 'MFR_NUM', 'MFR_SNDR',
    'AGE', 'AGE_COD', 'GNDR_COD', 'E_SUB', 'WT', 'WT_COD', 'REPT_DT', 'OCCP_COD', 'DEATH_DT', 'TO_MFR', 'CONFID',
  ],
  DRUG: ['ISR', 'DRUG_SEQ', 'ROLE_COD', 'DRUGNAME', 'VAL_VBM', 'ROUTE', 'DOSE_VBM', 'DECHAL', 'RECHAL', 'LOT_NUM', 'EXP_DT', 'NDA_NUM'],
  REAC: ['ISR', 'PT'],
  OUTC: ['ISR', 'OUTC_COD'],
  RPSR: ['ISR', 'RPSR_COD'],
  THER: ['ISR', 'DRUG_SEQ', 'START_DT', 'END_DT', 'DUR', 'DUR_COD'],
  INDI: ['ISR', 'DRUG_SEQ', 'INDI_PT'],
} as const;

type Columns = Readonly<Record<string, readonly string[]>>;

/** A row given by column name; missing columns are empty. */
export function rowOf(columns: readonly string[], values: Readonly<Record<string, string>>): string[] {
  const lower = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  return columns.map((column) => lower[column.toLowerCase()] ?? '');
}

export interface QuarterSpec {
  readonly columns: Columns;
  readonly rows: Readonly<Record<string, readonly Readonly<Record<string, string>>[]>>;
  /** File name of each table, `{table}` replaced: default `ascii/{TABLE}99Q1.txt`. */
  readonly fileName?: (table: string) => string;
  readonly text?: TableTextOptions;
}

/** Writes a whole quarter (the seven tables) as a zip. */
export async function writeQuarter(spec: QuarterSpec): Promise<string> {
  const fileName = spec.fileName ?? ((table: string) => `ascii/${table}99Q1.txt`);
  const entries = Object.entries(spec.columns).map(([table, columns]) => ({
    name: fileName(table),
    content: tableText(
      columns,
      (spec.rows[table] ?? []).map((values) => rowOf(columns, values)),
      spec.text,
    ),
  }));
  return writeZip(entries);
}

/**
 * A FAERS quarter written the way FDA writes them (trailing $, CRLF), with the quirks the importer must survive:
 * keys sorted as text, a duplicate DEMO row, an invalid caseid, versions without
 * reactions, an unknown role, an empty term, orphan rows, an impossible date.
 */
export async function quirkyFaersQuarter(): Promise<string> {
  const demo = (primaryid: string, caseid: string, caseversion: string, extra: Record<string, string> = {}) => ({
    primaryid,
    caseid,
    caseversion,
    i_f_code: 'F',
    fda_dt: '20990115',
    init_fda_dt: '20980101',
    rept_cod: 'EXP',
    occp_cod: 'MD',
    reporter_country: 'COUNTRY NOT SPECIFIED',
    occr_country: 'FR',
    ...extra,
  });
  const drug = (primaryid: string, seq: string, role: string, name: string) => ({ primaryid, drug_seq: seq, role_cod: role, drugname: name });
  // Keys of different lengths, sorted as text: 1000011 < 200001 < 300002.
  return writeQuarter({
    columns: FAERS_COLUMNS,
    fileName: (table) => `faers_ascii_2099q1/ASCII/${table.toLowerCase()}99q1.txt`,
    text: { trailingDollar: true, crlf: true, bom: true },
    rows: {
      DEMO: [
        demo('1000011', '100001', '1', { wt: '152', wt_cod: 'LBS' }),
        demo('200001', '20000', '1'),
        demo('300002', '30000', '2'),
        demo('300002', '30000', '2'),
        demo('400001', '40000', '1'),
        demo('500001', '', '1'),
        demo('600003', '60000', '3'),
        demo('600004', '60000', '4'),
      ],
      DRUG: [
        { ...drug('1000011', '1', 'PS', 'Caf\u00e9 Cr\u00e8me'), dose_vbm: 'PERSONAL DOSE TEXT', lot_num: 'LOT-123' },
        drug('1000011', '2', 'SS', 'B'),
        drug('1000011', '3', 'XX', 'NO ROLE'),
        drug('200001', '1', 'C', 'C1'),
        drug('300002', '1', 'PS', 'D'),
        drug('300002', '2', 'I', 'E'),
        drug('400001', '1', 'PS', 'F'),
        drug('500001', '1', 'PS', 'G'),
        drug('600003', '1', 'PS', 'H'),
        drug('600004', '1', 'PS', 'H'),
        drug('600004', '2', 'C', 'J'),
        drug('700000', '1', 'PS', 'ORPHAN'),
      ],
      REAC: [
        { primaryid: '1000011', pt: 'Nausea' },
        { primaryid: '1000011', pt: 'Vomiting' },
        { primaryid: '300002', pt: 'Rash' },
        { primaryid: '500001', pt: 'Rash' },
        { primaryid: '600003', pt: 'Headache' },
        { primaryid: '600004', pt: 'Headache' },
        { primaryid: '600004', pt: '' },
      ],
      OUTC: [
        { primaryid: '1000011', outc_cod: 'HO' },
        { primaryid: '1000011', outc_cod: 'RI' },
        { primaryid: '300002', outc_cod: 'DE' },
        { primaryid: '600004', outc_cod: 'OT' },
        { primaryid: '650000', outc_cod: 'DE' },
      ],
      RPSR: [{ primaryid: '300002', rpsr_cod: 'SDY' }],
      THER: [{ primaryid: '1000011', dsg_drug_seq: '1', start_dt: '20981301', end_dt: '2099' }],
      INDI: [{ primaryid: '1000011', indi_drug_seq: '2', indi_pt: 'Pain' }],
    },
  });
}
