import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { validateReport } from '@vigilo/domain';
import { faersProblemOf } from './errors.js';
import { inspectFaersQuarter, readFaersQuarter, type ReadFaersOptions } from './reader.js';
import { collectFaersStats } from './stats.js';
import {
  AERS_COLUMNS,
  AERS_FIXTURE,
  FAERS_COLUMNS,
  FAERS_FIXTURE,
  quirkyFaersQuarter,
  tableText,
  writeQuarter,
  writeZip,
  rowOf,
} from './test-support.js';
import type { FaersRecord } from './types.js';

async function readAll(path: string, options: ReadFaersOptions = {}): Promise<FaersRecord[]> {
  const records: FaersRecord[] = [];
  for await (const record of readFaersQuarter(path, options)) records.push(record);
  return records;
}

const byKey = (records: readonly FaersRecord[]) => [...records].sort((a, b) => Number(a.source.primaryid) - Number(b.source.primaryid));

describe('readFaersQuarter on the fixtures', () => {
  for (const [name, path, format, quarter] of [
    ['FAERS 2017Q2', FAERS_FIXTURE, 'faers', '2017Q2'],
    ['legacy AERS 2004Q1', AERS_FIXTURE, 'aers', '2004Q1'],
  ] as const) {
    describe(name, () => {
      it('inspects format, quarter, table files, record count and key order', async () => {
        const info = await inspectFaersQuarter(path);
        assert.equal(info.format, format);
        assert.equal(info.quarter, quarter);
        assert.equal(info.demoRows, 100);
        assert.equal(info.keyOrder, 'lexicographic');
        assert.match(info.tables.DEMO.entryName, /^ascii\/DEMO\d\dQ\d\.txt$/i);
        assert.ok(info.tables.DRUG.uncompressedSize > 0);
      });

      it('yields one valid report per DEMO row, with nothing skipped and nothing left unjoined', async () => {
        const reader = readFaersQuarter(path);
        const records: FaersRecord[] = [];
        for await (const record of reader) records.push(record);
        assert.equal(records.length, 100);
        for (const record of records) {
          assert.equal(record.kind, 'report', JSON.stringify(record.source));
          if (record.kind === 'report') assert.ok(validateReport(record.report).ok, record.source.primaryid);
        }
        assert.equal(reader.diagnostics.format, format);
        for (const [table, diagnostics] of Object.entries(reader.diagnostics.tables)) {
          assert.equal(diagnostics.orphanRows, 0, table);
          assert.equal(diagnostics.malformedLines, 0, table);
        }
      });

      it('gives the same records with the merge join and the memory join', async () => {
        const merged = await readAll(path, { join: 'merge' });
        const loaded = await readAll(path, { join: 'memory' });
        assert.deepEqual(byKey(loaded), byKey(merged));
      });

      it('gives the same records when the key order is given instead of detected', async () => {
        const info = await inspectFaersQuarter(path);
        assert.deepEqual(await readAll(path, { info }), await readAll(path));
        assert.deepEqual(await readAll(path, { keyOrder: 'lexicographic' }), await readAll(path));
      });
    });
  }

  it('stops cleanly when the consumer stops early', async () => {
    let seen = 0;
    for await (const record of readFaersQuarter(FAERS_FIXTURE)) {
      assert.equal(record.kind, 'report');
      seen += 1;
      if (seen === 3) break;
    }
    assert.equal(seen, 3);
  });

  it('stops with the abort reason when the signal fires', async () => {
    const controller = new AbortController();
    const reading = (async () => {
      for await (const _ of readFaersQuarter(FAERS_FIXTURE, { signal: controller.signal })) controller.abort(new Error('stop'));
    })();
    await assert.rejects(reading, /stop/);
  });
});

describe('readFaersQuarter on a quarter with quirks', () => {
  it('finds lower-case table files under any folder, reads CRLF, trailing $, Latin-1 and text-sorted keys', async () => {
    const path = await quirkyFaersQuarter();
    const info = await inspectFaersQuarter(path);
    assert.equal(info.format, 'faers');
    assert.equal(info.quarter, '2099Q1');
    assert.equal(info.keyOrder, 'lexicographic');
    assert.equal(info.demoRows, 8);

    const reader = readFaersQuarter(path);
    const records: FaersRecord[] = [];
    for await (const record of reader) records.push(record);
    assert.deepEqual(
      records.map((r) => [r.source.primaryid, r.kind === 'report' ? 'report' : r.reason]),
      [
        ['1000011', 'report'],
        ['200001', 'no_reaction'],
        ['300002', 'report'],
        ['300002', 'duplicate_primaryid'],
        ['400001', 'no_reaction'],
        ['500001', 'invalid_case_id'],
        ['600003', 'report'],
        ['600004', 'report'],
      ],
    );
    const first = records[0]!;
    assert.equal(first.kind, 'report');
    if (first.kind !== 'report') return;
    const report = first.report;
    assert.equal(report.patient.drug[0]?.medicinalproduct, 'Caf\u00e9 Cr\u00e8me');
    assert.deepEqual(report.patient.drug.map((d) => d.drugcharacterization), ['1', '1']);
    assert.equal(report.patient.drug[1]?.drugindication, 'Pain');
    assert.equal(report.patient.drug[0]?.drugstartdate, undefined, 'month 13 is dropped');
    assert.equal(report.patient.drug[0]?.drugenddate, '2099');
    assert.equal(report.patient.patientweight, '68.95');
    assert.equal(report.serious, '1');
    assert.equal(report.seriousnesshospitalization, '1');
    assert.equal(report.seriousnessother, '1');
    assert.equal(report.occurcountry, 'FR');
    assert.equal(report.primarysourcecountry, undefined);
    assert.deepEqual(first.dropped, { drug_unknown_role: 1, country_not_code: 1, date_invalid: 1 });
    assert.deepEqual(first.source.rows, { DRUG: 3, REAC: 2, OUTC: 2, RPSR: 0, THER: 1, INDI: 1 });

    assert.equal(reader.diagnostics.tables.DRUG.orphanRows, 1);
    assert.equal(reader.diagnostics.tables.OUTC.orphanRows, 1);
  });

  it('gives the same records with the memory join', async () => {
    const path = await quirkyFaersQuarter();
    assert.deepEqual(byKey(await readAll(path, { join: 'memory' })), byKey(await readAll(path)));
  });

  it('collects what it read: cases, versions, drugs by role, reactions, seriousness, skipped and dropped', async () => {
    const stats = await collectFaersStats(readFaersQuarter(await quirkyFaersQuarter()));
    assert.equal(stats.records, 8);
    assert.deepEqual(stats.skipped, { duplicate_primaryid: 1, invalid_case_id: 1, no_reaction: 2 });
    assert.equal(stats.all.versions, 4);
    assert.equal(stats.all.cases, 3);
    assert.deepEqual(stats.all.drugs, { suspect: 5, concomitant: 1, interacting: 1 });
    assert.equal(stats.all.reactions, 5);
    assert.equal(stats.current.versions, 3);
    assert.deepEqual(stats.current.drugs, { suspect: 4, concomitant: 1, interacting: 1 });
    assert.equal(stats.current.seriousness.other, 2);
    assert.equal(stats.dropped.reaction_no_term, 1);
  });
});

describe('readFaersQuarter on legacy AERS', () => {
  it('gives the ISRs of one case strictly increasing versions, from FOLL_SEQ where it can', async () => {
    const demo = (isr: string, c: string, ifCod: string, follSeq: string) => ({ ISR: isr, CASE: c, I_F_COD: ifCod, FOLL_SEQ: follSeq, FDA_DT: '20040105' });
    const path = await writeQuarter({
      columns: AERS_COLUMNS,
      rows: {
        DEMO: [demo('4000001', '300', 'I', ''), demo('4000002', '300', 'F', ''), demo('4000003', '300', 'F', ''), demo('4000004', '301', 'F', '4'), demo('4000005', '301', 'F', '')],
        DRUG: ['4000001', '4000002', '4000003', '4000004', '4000005'].map((isr) => ({ ISR: isr, DRUG_SEQ: `9${isr}`, ROLE_COD: 'PS', DRUGNAME: 'X' })),
        REAC: ['4000001', '4000002', '4000003', '4000004', '4000005'].map((isr) => ({ ISR: isr, PT: 'NAUSEA' })),
      },
    });
    for (const join of ['merge', 'memory'] as const) {
      const versions = (await readAll(path, { join })).map((r) => [r.source.caseid, r.source.version]);
      assert.deepEqual(versions, [['300', 1], ['300', 2], ['300', 3], ['301', 5], ['301', 6]], join);
    }
  });
});

describe('readFaersQuarter on broken quarters', () => {
  it('fails the merge join with table_unsorted when a table is not in DEMO order, and the memory join reads it', async () => {
    const path = await writeQuarter({
      columns: FAERS_COLUMNS,
      rows: {
        DEMO: [{ primaryid: '101', caseid: '10', caseversion: '1' }, { primaryid: '102', caseid: '11', caseversion: '1' }],
        DRUG: [{ primaryid: '102', drug_seq: '1', role_cod: 'PS', drugname: 'A' }, { primaryid: '101', drug_seq: '1', role_cod: 'PS', drugname: 'B' }],
        REAC: [{ primaryid: '101', pt: 'X' }, { primaryid: '102', pt: 'Y' }],
      },
    });
    await assert.rejects(readAll(path), (error: unknown) => faersProblemOf(error) === 'table_unsorted');
    const records = await readAll(path, { join: 'memory' });
    assert.deepEqual(records.map((r) => r.kind), ['report', 'report']);
  });

  it('fails with table_unsorted when DEMO itself is in no order', async () => {
    const path = await writeQuarter({
      columns: FAERS_COLUMNS,
      rows: { DEMO: ['5', '3', '9'].map((primaryid) => ({ primaryid, caseid: primaryid, caseversion: '1' })) },
    });
    assert.equal((await inspectFaersQuarter(path)).keyOrder, 'unsorted');
    await assert.rejects(readAll(path), (error: unknown) => faersProblemOf(error) === 'table_unsorted');
    assert.deepEqual((await readAll(path, { join: 'memory' })).map((r) => r.source.primaryid), ['3', '5', '9']);
  });

  it('fails with table_missing naming the missing tables', async () => {
    const path = await writeZip([{ name: 'ascii/DEMO99Q1.txt', content: tableText(FAERS_COLUMNS.DEMO, [rowOf(FAERS_COLUMNS.DEMO, { primaryid: '1' })]) }]);
    await assert.rejects(inspectFaersQuarter(path), (error: unknown) => {
      assert.equal(faersProblemOf(error), 'table_missing');
      assert.match(String((error as Error).message), /DRUG, REAC, OUTC, RPSR, THER, INDI/);
      return true;
    });
  });

  it('fails with table_ambiguous when two files claim one table', async () => {
    const demo = tableText(FAERS_COLUMNS.DEMO, []);
    const path = await writeZip([
      { name: 'ascii/DEMO99Q1.txt', content: demo },
      { name: 'other/demo99q1.TXT', content: demo },
    ]);
    await assert.rejects(inspectFaersQuarter(path), (error: unknown) => faersProblemOf(error) === 'table_ambiguous');
  });

  it('fails with archive_invalid on a file that is not a zip', async () => {
    const path = join(dirname(await writeZip([])), 'not-a.zip');
    await writeFile(path, 'primaryid$caseid\n');
    await assert.rejects(inspectFaersQuarter(path), (error: unknown) => faersProblemOf(error) === 'archive_invalid');
    await assert.rejects(readAll(path), (error: unknown) => faersProblemOf(error) === 'archive_invalid');
  });
});
