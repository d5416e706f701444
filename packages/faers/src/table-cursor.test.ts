import assert from 'node:assert/strict';
import { isVigiloError } from '@vigilo/errors';
import { faersProblemOf } from './errors.js';
import { compareLexicographic, compareNumeric, KeyOrderDetector } from './key-order.js';
import { readLineBatches } from './lines.js';
import { TableCursor, type ParsedRow } from './table-cursor.js';

async function* chunksOf(...parts: (string | number[])[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part, 'latin1') : Uint8Array.from(part);
}

async function lines(...parts: (string | number[])[]): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readLineBatches(chunksOf(...parts))) out.push(...batch.lines);
  return out;
}

async function cursorOver(text: string, options: Parameters<typeof TableCursor.open>[2] = {}): Promise<TableCursor> {
  return TableCursor.open('DRUG', readLineBatches(chunksOf(text))[Symbol.asyncIterator](), options);
}

async function rowsOf(cursor: TableCursor): Promise<ParsedRow[]> {
  const rows: ParsedRow[] = [];
  for (let row = await cursor.next(); row !== undefined; row = await cursor.next()) rows.push(row);
  return rows;
}

describe('readLineBatches', () => {
  it('splits LF and CRLF lines, drops empty lines and keeps a last line without line end', async () => {
    assert.deepEqual(await lines('a$b\r\nc$d\n\r\n\ne$f'), ['a$b', 'c$d', 'e$f']);
  });

  it('joins a line split across chunks, including a CR and its LF in different chunks', async () => {
    assert.deepEqual(await lines('ab', 'c\r', '\nde', 'f\n'), ['abc', 'def']);
  });

  it('decodes Latin-1 / Windows-1252 bytes', async () => {
    // "Ménière" in Latin-1, then a Windows-1252 right double quote (0x94).
    assert.deepEqual(await lines([0x4d, 0xe9, 0x6e, 0x69, 0xe8, 0x72, 0x65, 0x0a, 0x94, 0x0a]), ['Ménière', '\u201d']);
  });

  it('numbers physical lines from 1, empty ones included', async () => {
    const numbers: number[] = [];
    for await (const batch of readLineBatches(chunksOf('h\n\nx\ny'))) numbers.push(...batch.numbers);
    assert.deepEqual(numbers, [1, 3, 4]);
  });
});

describe('TableCursor', () => {
  it('maps columns by lower-cased header name and accepts a trailing $ on header and rows', async () => {
    const cursor = await cursorOver('ISR$DRUG_SEQ$ROLE_COD$\n4263742$1004492716$PS$\n4263743$1$C\n');
    assert.equal(cursor.format, 'aers');
    const rows = await rowsOf(cursor);
    assert.deepEqual(
      rows.map((r) => [r.key, r.line, r.row]),
      [
        ['4263742', 2, { isr: '4263742', drug_seq: '1004492716', role_cod: 'PS' }],
        ['4263743', 3, { isr: '4263743', drug_seq: '1', role_cod: 'C' }],
      ],
    );
    assert.equal(cursor.diagnostics.rows, 2);
  });

  it('ignores a UTF-8 byte order mark before the header', async () => {
    const cursor = await TableCursor.open('DEMO', readLineBatches(chunksOf([0xef, 0xbb, 0xbf], 'primaryid$caseid\n101$10\n'))[Symbol.asyncIterator]());
    assert.deepEqual(cursor.columns, ['primaryid', 'caseid']);
    assert.deepEqual((await rowsOf(cursor)).map((r) => r.key), ['101']);
  });

  it('repairs a row broken over two lines by a line break inside a value', async () => {
    const cursor = await cursorOver('primaryid$caseid$drugname$route\n101$10$ASPIRIN\n100 MG$Oral\n102$10$X$Oral\n');
    const rows = await rowsOf(cursor);
    assert.deepEqual(rows.map((r) => r.row['drugname']), ['ASPIRIN 100 MG', 'X']);
    assert.equal(cursor.diagnostics.repairedRows, 1);
  });

  it('pads a short row that has no continuation, and counts it', async () => {
    const cursor = await cursorOver('primaryid$caseid$drugname$route\n101$10$ASPIRIN\n102$10$X$Oral\n103$10\n');
    const rows = await rowsOf(cursor);
    assert.deepEqual(rows.map((r) => [r.key, r.row['route']]), [['101', ''], ['102', 'Oral'], ['103', '']]);
    assert.equal(cursor.diagnostics.paddedRows, 2);
  });

  it('counts lines with extra non-empty fields or a non-numeric key as malformed and goes on', async () => {
    const cursor = await cursorOver('primaryid$caseid$drugname\n101$10$A$B\nabc$10$X\n102$10$Y\n');
    const rows = await rowsOf(cursor);
    assert.deepEqual(rows.map((r) => r.key), ['102']);
    assert.equal(cursor.diagnostics.malformedLines, 2);
  });

  it('rejects a table whose key goes down, naming the table and the line, with VIG_FAERS_FILE_INVALID', async () => {
    const read = async () => rowsOf(await cursorOver('primaryid$caseid\n200$1\n300$1\n250$1\n', { compare: compareNumeric }));
    await assert.rejects(read(), (error: unknown) => {
      assert.ok(isVigiloError(error));
      assert.equal(error.code, 'VIG_FAERS_FILE_INVALID');
      assert.equal(faersProblemOf(error), 'table_unsorted');
      assert.equal(error.fields['table'], 'DRUG');
      assert.equal(error.fields['line'], 4);
      return true;
    });
  });

  it('accepts equal consecutive keys (several rows of one report)', async () => {
    const cursor = await cursorOver('primaryid$caseid\n200$1\n200$1\n300$1\n', { compare: compareNumeric });
    assert.equal((await rowsOf(cursor)).length, 3);
  });

  it('rejects a header without a key column, and a table in the other layout than DEMO', async () => {
    await assert.rejects(cursorOver('foo$bar\n1$2\n'), (error: unknown) => faersProblemOf(error) === 'header_invalid');
    await assert.rejects(cursorOver('isr$pt\n1$X\n', { format: 'faers' }), (error: unknown) => faersProblemOf(error) === 'header_invalid');
    await assert.rejects(cursorOver(''), (error: unknown) => faersProblemOf(error) === 'header_invalid');
  });
});

describe('key order', () => {
  it('compares keys as text or as numbers', () => {
    assert.ok(compareLexicographic('100034653', '30000012') < 0);
    assert.ok(compareNumeric('100034653', '30000012') > 0);
    assert.equal(compareNumeric('007', '7'), 0);
  });

  const detections: { reason: string; keys: string[]; expected: string }[] = [
    { reason: 'same-length increasing keys agree with both orders; text wins', keys: ['101', '102', '205'], expected: 'lexicographic' },
    { reason: 'keys sorted as text', keys: ['100034653', '109792364', '30000012'], expected: 'lexicographic' },
    { reason: 'keys sorted as numbers', keys: ['30000012', '100034653'], expected: 'numeric' },
    { reason: 'keys in no order', keys: ['5', '3', '9'], expected: 'unsorted' },
  ];
  for (const { reason, keys, expected } of detections) {
    it(`detects the order of DEMO: ${reason}`, () => {
      const detector = new KeyOrderDetector();
      for (const key of keys) detector.observe(key);
      assert.equal(detector.result(), expected, reason);
    });
  }
});
