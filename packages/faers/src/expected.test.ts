/**
 * The importer against an independent oracle: packages/testkit/faers_expected.py
 * counts cases, versions, drugs per role, reactions and outcomes from the raw
 * files with its own code (Python, csv module). Every difference must be
 * explained by a skipped record or a counted drop.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFaersQuarter } from './reader.js';
import { collectFaersStats, type FaersReportCounts } from './stats.js';
import { AERS_FIXTURE, EXPECTED_SCRIPT, FAERS_FIXTURE, quirkyFaersQuarter } from './test-support.js';
import type { FaersRecord } from './types.js';

const run = promisify(execFile);

type RoleCounts = Partial<Record<'PS' | 'SS' | 'C' | 'I' | 'other', number>>;

interface ExpectedCounts {
  cases: number;
  versions: number;
  drugs: Required<RoleCounts>;
  drugs_total: number;
  reactions: number;
  outcome_rows: Record<string, number>;
  outcomes: Record<string, number>;
  versions_with_outcome: number;
  e2b_seriousness: Record<
    'death' | 'lifethreatening' | 'hospitalization' | 'disabling' | 'congenitalanomali' | 'other' | 'serious' | 'not_serious',
    number
  >;
}

interface ExpectedVersion {
  primaryid: string;
  caseid: string;
  caseversion: number | null;
  current: boolean;
  drugs: RoleCounts;
  reactions: number;
  outcomes: string[];
}

interface Expected {
  format: 'faers' | 'aers';
  duplicate_demo_rows: number;
  orphan_rows: Record<string, number>;
  all_versions: ExpectedCounts;
  current_versions: ExpectedCounts;
  versions: ExpectedVersion[];
}

async function expectedOf(zipPath: string): Promise<Expected> {
  const { stdout } = await run('python3', [EXPECTED_SCRIPT, zipPath, '--per-version'], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as Expected;
}

async function recordsOf(zipPath: string): Promise<FaersRecord[]> {
  const records: FaersRecord[] = [];
  for await (const record of readFaersQuarter(zipPath)) records.push(record);
  return records;
}

const n = (value: number | undefined): number => value ?? 0;
const has = (version: ExpectedVersion, ...codes: string[]): boolean => codes.some((code) => version.outcomes.includes(code));
const SERIOUS_CODES = ['DE', 'LT', 'HO', 'DS', 'CA', 'RI', 'OT'];

/** The counts the report model must hold for a set of versions, by the documented mapping. */
function modelCounts(versions: readonly ExpectedVersion[]): FaersReportCounts {
  return {
    cases: new Set(versions.map((v) => v.caseid)).size,
    versions: versions.length,
    drugs: {
      suspect: versions.reduce((sum, v) => sum + n(v.drugs.PS) + n(v.drugs.SS), 0),
      concomitant: versions.reduce((sum, v) => sum + n(v.drugs.C), 0),
      interacting: versions.reduce((sum, v) => sum + n(v.drugs.I), 0),
    },
    reactions: versions.reduce((sum, v) => sum + v.reactions, 0),
    seriousness: {
      serious: versions.filter((v) => has(v, ...SERIOUS_CODES)).length,
      notSerious: versions.filter((v) => !has(v, ...SERIOUS_CODES)).length,
      death: versions.filter((v) => has(v, 'DE')).length,
      lifeThreatening: versions.filter((v) => has(v, 'LT')).length,
      hospitalization: versions.filter((v) => has(v, 'HO')).length,
      disabling: versions.filter((v) => has(v, 'DS')).length,
      congenitalAnomaly: versions.filter((v) => has(v, 'CA')).length,
      other: versions.filter((v) => has(v, 'OT', 'RI')).length,
    },
  };
}

/** The oracle's own aggregate, in the shape of FaersReportCounts. */
function fromOracle(counts: ExpectedCounts): FaersReportCounts {
  const s = counts.e2b_seriousness;
  return {
    cases: counts.cases,
    versions: counts.versions,
    drugs: { suspect: counts.drugs.PS + counts.drugs.SS, concomitant: counts.drugs.C, interacting: counts.drugs.I },
    reactions: counts.reactions,
    seriousness: {
      serious: s.serious,
      notSerious: s.not_serious,
      death: s.death,
      lifeThreatening: s.lifethreatening,
      hospitalization: s.hospitalization,
      disabling: s.disabling,
      congenitalAnomaly: s.congenitalanomali,
      other: s.other,
    },
  };
}

/** The current version of each case among `versions`, by the oracle's ranking (caseversion, or ISR for AERS). */
function currentOf(versions: readonly ExpectedVersion[], format: 'faers' | 'aers'): ExpectedVersion[] {
  const rank = (v: ExpectedVersion): [number, number] => [format === 'faers' ? (v.caseversion ?? -1) : 0, Number(v.primaryid)];
  const best = new Map<string, ExpectedVersion>();
  for (const v of versions) {
    const held = best.get(v.caseid);
    const [a1, a2] = rank(v);
    if (held === undefined) {
      best.set(v.caseid, v);
      continue;
    }
    const [b1, b2] = rank(held);
    if (a1 > b1 || (a1 === b1 && a2 > b2)) best.set(v.caseid, v);
  }
  return [...best.values()];
}

/** Checks one version against its record, explaining every difference by a drop or a skip. */
function checkVersion(version: ExpectedVersion, record: FaersRecord): void {
  const where = `primaryid ${version.primaryid}`;
  const known = n(version.drugs.PS) + n(version.drugs.SS) + n(version.drugs.C) + n(version.drugs.I);
  assert.equal(record.source.rows.DRUG, known + n(version.drugs.other), `${where}: DRUG rows joined`);
  assert.equal(record.source.rows.REAC, version.reactions, `${where}: REAC rows joined`);
  const unknownRoles = () => assert.equal(n(record.dropped.drug_unknown_role), n(version.drugs.other), `${where}: drugs with an unknown role`);
  const noName = n(record.dropped.drug_no_name);
  const noTerm = n(record.dropped.reaction_no_term);
  if (record.kind === 'skipped') {
    switch (record.reason) {
      case 'no_drug':
        unknownRoles();
        assert.equal(known, noName, `${where}: no_drug although some drugs were usable`);
        break;
      case 'no_reaction':
        unknownRoles();
        assert.equal(version.reactions, noTerm, `${where}: no_reaction although some reactions were usable`);
        break;
      case 'invalid_case_id':
        assert.doesNotMatch(version.caseid, /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, where);
        break;
      default:
        assert.fail(`${where}: unexpected skip ${record.reason}`);
    }
    return;
  }
  unknownRoles();
  const drugs = record.report.patient.drug;
  const count = (characterization: string) => drugs.filter((d) => d.drugcharacterization === characterization).length;
  assert.equal(drugs.length + noName, known, `${where}: drugs`);
  if (noName === 0) {
    assert.equal(count('1'), n(version.drugs.PS) + n(version.drugs.SS), `${where}: suspect drugs (PS + SS)`);
    assert.equal(count('2'), n(version.drugs.C), `${where}: concomitant drugs (C)`);
    assert.equal(count('3'), n(version.drugs.I), `${where}: interacting drugs (I)`);
  }
  assert.equal(record.report.patient.reaction.length + noTerm, version.reactions, `${where}: reactions`);
  const report = record.report;
  assert.equal(report.serious, has(version, ...SERIOUS_CODES) ? '1' : '2', `${where}: serious`);
  assert.equal(report.seriousnessdeath === '1', has(version, 'DE'), `${where}: DE`);
  assert.equal(report.seriousnesslifethreatening === '1', has(version, 'LT'), `${where}: LT`);
  assert.equal(report.seriousnesshospitalization === '1', has(version, 'HO'), `${where}: HO`);
  assert.equal(report.seriousnessdisabling === '1', has(version, 'DS'), `${where}: DS`);
  assert.equal(report.seriousnesscongenitalanomali === '1', has(version, 'CA'), `${where}: CA`);
  assert.equal(report.seriousnessother === '1', has(version, 'OT', 'RI'), `${where}: OT or RI`);
  assert.equal(report.safetyreportid, version.caseid, `${where}: safetyreportid`);
  if (version.caseversion !== null) assert.equal(report.safetyreportversion, version.caseversion, `${where}: version`);
}

describe('the importer against the independent expected-numbers script', function () {
  this.timeout(20000);

  for (const [name, zip] of [
    ['FAERS 2017Q2 fixture', async () => FAERS_FIXTURE],
    ['legacy AERS 2004Q1 fixture', async () => AERS_FIXTURE],
    ['synthetic FAERS quarter with skips, drops, orphans and a duplicate', quirkyFaersQuarter],
  ] as const) {
    describe(name, () => {
      let expected: Expected;
      let records: FaersRecord[];
      before(async () => {
        const path = await zip();
        [expected, records] = await Promise.all([expectedOf(path), recordsOf(path)]);
      });

      it('yields one record per version the script counts, plus one skipped record per duplicate DEMO row', () => {
        const duplicates = records.filter((r) => r.kind === 'skipped' && r.reason === 'duplicate_primaryid');
        assert.equal(duplicates.length, expected.duplicate_demo_rows);
        const keys = records.filter((r) => !duplicates.includes(r)).map((r) => r.source.primaryid);
        assert.deepEqual([...keys].sort(), expected.versions.map((v) => v.primaryid).sort());
        assert.equal(new Set(keys).size, keys.length);
      });

      it('holds, version by version, the drugs per role, reactions and outcomes of the raw rows, less what it counted as dropped or skipped', () => {
        const byKey = new Map(records.filter((r) => !(r.kind === 'skipped' && r.reason === 'duplicate_primaryid')).map((r) => [r.source.primaryid, r]));
        for (const version of expected.versions) checkVersion(version, byKey.get(version.primaryid)!);
      });

      it('adds up to the script numbers over all versions and over current versions, skipped versions set apart', async () => {
        // The oracle is consistent with itself.
        assert.deepEqual(modelCounts(expected.versions), fromOracle(expected.all_versions));
        assert.deepEqual(modelCounts(expected.versions.filter((v) => v.current)), fromOracle(expected.current_versions));

        // A duplicate DEMO row is skipped, but its primaryid is a version that the first row carries.
        const skipped = new Set(
          records.filter((r) => r.kind === 'skipped' && r.reason !== 'duplicate_primaryid').map((r) => r.source.primaryid),
        );
        const kept = expected.versions.filter((v) => !skipped.has(v.primaryid));
        const stats = await collectFaersStats(
          (async function* () {
            yield* records;
          })(),
        );
        const reportDrops = (reason: 'drug_no_name' | 'reaction_no_term') =>
          records.reduce((sum, r) => sum + (r.kind === 'report' ? n(r.dropped[reason]) : 0), 0);
        const all = modelCounts(kept);
        assert.equal(stats.all.versions, all.versions);
        assert.equal(stats.all.cases, all.cases);
        assert.deepEqual(stats.all.seriousness, all.seriousness);
        assert.equal(stats.all.reactions + reportDrops('reaction_no_term'), all.reactions);
        if (reportDrops('drug_no_name') === 0) {
          assert.deepEqual(stats.all.drugs, all.drugs);
        } else {
          const total = (c: FaersReportCounts) => c.drugs.suspect + c.drugs.concomitant + c.drugs.interacting;
          assert.equal(total(stats.all) + reportDrops('drug_no_name'), total(all));
        }
        const current = modelCounts(currentOf(kept, expected.format));
        assert.deepEqual(stats.current.seriousness, current.seriousness);
        assert.equal(stats.current.versions, current.versions);
        assert.equal(stats.current.cases, current.cases);
      });

      it('counts the same orphan rows', async () => {
        const reader = readFaersQuarter(await zip());
        for await (const _ of reader);
        for (const [table, count] of Object.entries(expected.orphan_rows)) {
          assert.equal(reader.diagnostics.tables[table as 'DRUG'].orphanRows, count, table);
        }
      });
    });
  }

  it('finds no skipped or dropped rows in the fixtures, so stored counts must equal the script numbers exactly', async () => {
    for (const zip of [FAERS_FIXTURE, AERS_FIXTURE]) {
      const [expected, stats] = await Promise.all([expectedOf(zip), collectFaersStats(readFaersQuarter(zip))]);
      assert.deepEqual(stats.skipped, {}, zip);
      for (const reason of ['drug_unknown_role', 'drug_no_name', 'reaction_no_term', 'outcome_unknown_code'] as const) {
        assert.equal(stats.dropped[reason], undefined, `${zip}: ${reason}`);
      }
      assert.deepEqual(stats.all, fromOracle(expected.all_versions), zip);
      assert.deepEqual(stats.current, fromOracle(expected.current_versions), zip);
    }
  });
});
