import assert from 'node:assert/strict';
import { validateReport, type AdverseEventReport } from '@vigilo/domain';
import { legacyBaseVersion, mapFaersCase } from './mapper.js';
import type { FaersRow } from './tables.js';
import type { FaersCaseRows, FaersRecord } from './types.js';

type Rows = Partial<Record<'drug' | 'reac' | 'outc' | 'rpsr' | 'ther' | 'indi', FaersRow[]>>;

function faersCase(demo: Record<string, string>, rows: Rows = {}): FaersCaseRows {
  return {
    format: 'faers',
    key: demo['primaryid'] ?? '1001',
    demoLine: 2,
    demo: { primaryid: '1001', caseid: '100', caseversion: '1', ...demo },
    drug: rows.drug ?? [{ drug_seq: '1', role_cod: 'PS', drugname: 'ASPIRIN' }],
    reac: rows.reac ?? [{ pt: 'Nausea' }],
    outc: rows.outc ?? [],
    rpsr: rows.rpsr ?? [],
    ther: rows.ther ?? [],
    indi: rows.indi ?? [],
  };
}

function aersCase(demo: Record<string, string>, rows: Rows = {}): FaersCaseRows {
  return {
    ...faersCase({}, rows),
    format: 'aers',
    key: demo['isr'] ?? '4000001',
    demo: { isr: '4000001', case: '3000001', i_f_cod: 'I', foll_seq: '', ...demo },
  };
}

function reportOf(record: FaersRecord): AdverseEventReport {
  assert.equal(record.kind, 'report', `expected a report, got ${JSON.stringify(record)}`);
  if (record.kind !== 'report') throw new Error('unreachable');
  const validation = validateReport(record.report);
  assert.ok(validation.ok, `the report must validate: ${JSON.stringify(validation)}`);
  return record.report;
}

describe('mapFaersCase', () => {
  it('takes caseid as safetyreportid and caseversion as safetyreportversion', () => {
    const report = reportOf(mapFaersCase(faersCase({ caseid: '10979236', caseversion: '4' })));
    assert.equal(report.safetyreportid, '10979236');
    assert.equal(report.safetyreportversion, 4);
  });

  it('maps role codes PS and SS to suspect (1), C to concomitant (2), I to interacting (3), in file order', () => {
    const report = reportOf(
      mapFaersCase(
        faersCase({}, {
          drug: [
            { drug_seq: '1', role_cod: 'PS', drugname: 'A' },
            { drug_seq: '2', role_cod: 'ss ', drugname: 'B' },
            { drug_seq: '3', role_cod: 'C', drugname: 'C' },
            { drug_seq: '4', role_cod: 'I', drugname: 'D' },
          ],
        }),
      ),
    );
    assert.deepEqual(
      report.patient.drug.map((d) => [d.medicinalproduct, d.drugcharacterization]),
      [['A', '1'], ['B', '1'], ['C', '2'], ['D', '3']],
    );
  });

  it('drops a drug with an unknown role or no name, and counts it', () => {
    const record = mapFaersCase(
      faersCase({}, {
        drug: [
          { drug_seq: '1', role_cod: 'PS', drugname: 'A' },
          { drug_seq: '2', role_cod: 'X', drugname: 'B' },
          { drug_seq: '3', role_cod: 'C', drugname: ' ', prod_ai: '' },
          { drug_seq: '4', role_cod: 'C', drugname: '', prod_ai: 'PARACETAMOL' },
        ],
      }),
    );
    const report = reportOf(record);
    assert.deepEqual(report.patient.drug.map((d) => d.medicinalproduct), ['A', 'PARACETAMOL']);
    assert.deepEqual(record.dropped, { drug_unknown_role: 1, drug_no_name: 1 });
  });

  const outcomeCases: { reason: string; codes: string[]; expected: Partial<AdverseEventReport> }[] = [
    { reason: 'no outcome row means not serious', codes: [], expected: { serious: '2' } },
    { reason: 'DE is death', codes: ['DE'], expected: { serious: '1', seriousnessdeath: '1' } },
    { reason: 'LT is life threatening', codes: ['LT'], expected: { serious: '1', seriousnesslifethreatening: '1' } },
    { reason: 'HO is hospitalisation', codes: ['HO'], expected: { serious: '1', seriousnesshospitalization: '1' } },
    { reason: 'DS is disabling', codes: ['DS'], expected: { serious: '1', seriousnessdisabling: '1' } },
    { reason: 'CA is congenital anomaly', codes: ['CA'], expected: { serious: '1', seriousnesscongenitalanomali: '1' } },
    { reason: 'RI (required intervention) is other', codes: ['RI'], expected: { serious: '1', seriousnessother: '1' } },
    { reason: 'OT and RI together set other once', codes: ['OT', 'RI'], expected: { serious: '1', seriousnessother: '1' } },
    {
      reason: 'several codes set several flags',
      codes: ['DE', 'HO', 'OT'],
      expected: { serious: '1', seriousnessdeath: '1', seriousnesshospitalization: '1', seriousnessother: '1' },
    },
    { reason: 'an unknown code is ignored and does not make the report serious', codes: ['ZZ'], expected: { serious: '2' } },
  ];
  for (const { reason, codes, expected } of outcomeCases) {
    it(`maps outcomes: ${reason}`, () => {
      const report = reportOf(mapFaersCase(faersCase({}, { outc: codes.map((outc_cod) => ({ outc_cod })) })));
      const flags = Object.fromEntries(Object.entries(report).filter(([key]) => key === 'serious' || key.startsWith('seriousness')));
      assert.deepEqual(flags, expected, reason);
    });
  }

  it('maps REAC pt to reactions in order and drops empty terms', () => {
    const record = mapFaersCase(faersCase({}, { reac: [{ pt: 'Nausea', drug_rec_act: '' }, { pt: '' }, { pt: 'Vomiting ' }] }));
    assert.deepEqual(reportOf(record).patient.reaction, [{ reactionmeddrapt: 'Nausea' }, { reactionmeddrapt: 'Vomiting' }]);
    assert.deepEqual(record.dropped, { reaction_no_term: 1 });
  });

  it('attaches therapy dates, duration and the first indication to the drug with the same drug_seq', () => {
    const record = mapFaersCase(
      faersCase({}, {
        drug: [
          { drug_seq: '1', role_cod: 'PS', drugname: 'A' },
          { drug_seq: '2', role_cod: 'C', drugname: 'B' },
        ],
        ther: [
          { dsg_drug_seq: '2', start_dt: '201503', end_dt: '20150620', dur: '3', dur_cod: 'MON' },
          { dsg_drug_seq: '9', start_dt: '2015' },
        ],
        indi: [
          { indi_drug_seq: '1', indi_pt: 'Pain' },
          { indi_drug_seq: '1', indi_pt: 'Fever' },
        ],
      }),
    );
    const [first, second] = reportOf(record).patient.drug;
    assert.equal(first?.drugindication, 'Pain');
    assert.equal(first?.drugstartdate, undefined);
    assert.deepEqual(
      [second?.drugstartdate, second?.drugstartdateformat, second?.drugenddate, second?.drugenddateformat],
      ['201503', '610', '20150620', '102'],
    );
    assert.deepEqual([second?.drugtreatmentduration, second?.drugtreatmentdurationunit], ['3', '802']);
    assert.deepEqual(record.dropped, { therapy_no_drug: 1, indication_extra: 1 });
  });

  it('merges several therapy periods of one drug into the earliest start and the latest end, without a duration', () => {
    const record = mapFaersCase(
      faersCase({}, {
        ther: [
          { dsg_drug_seq: '1', start_dt: '20150301', end_dt: '20150401', dur: '1', dur_cod: 'MON' },
          { dsg_drug_seq: '1', start_dt: '2014', end_dt: '201506' },
        ],
      }),
    );
    const drug = reportOf(record).patient.drug[0]!;
    assert.equal(drug.drugstartdate, '2014');
    assert.equal(drug.drugenddate, '201506');
    assert.equal(drug.drugtreatmentduration, undefined);
    assert.deepEqual(record.dropped, { therapy_merged: 1 });
  });

  it('drops impossible dates and both dates of a period that ends before it starts', () => {
    const record = mapFaersCase(
      faersCase(
        { init_fda_dt: '20170231', fda_dt: '20170406', rept_dt: '2017' },
        { ther: [{ dsg_drug_seq: '1', start_dt: '20030530', end_dt: '20030101' }] },
      ),
    );
    const report = reportOf(record);
    assert.equal(report.receivedate, undefined);
    assert.equal(report.receiptdate, '20170406');
    assert.equal(report.transmissiondate, '2017');
    assert.equal(report.transmissiondateformat, '602');
    assert.equal(report.patient.drug[0]?.drugstartdate, undefined);
    assert.equal(report.patient.drug[0]?.drugenddate, undefined);
    assert.deepEqual(record.dropped, { date_invalid: 1, date_order: 2 });
  });

  it('converts weight in pounds to kilograms and keeps kilograms as they are', () => {
    assert.equal(reportOf(mapFaersCase(faersCase({ wt: '152', wt_cod: 'LBS' }))).patient.patientweight, '68.95');
    assert.equal(reportOf(mapFaersCase(faersCase({ wt: '72.56', wt_cod: 'KG' }))).patient.patientweight, '72.56');
    const noUnit = mapFaersCase(faersCase({ wt: '70', wt_cod: '' }));
    assert.equal(reportOf(noUnit).patient.patientweight, undefined);
    assert.deepEqual(noUnit.dropped, { weight_invalid: 1 });
  });

  const ageCases: { reason: string; age: string; unit: string; expected: [string | undefined, string | undefined] }[] = [
    { reason: 'years', age: '42', unit: 'YR', expected: ['42', '801'] },
    { reason: 'decades', age: '6', unit: 'DEC', expected: ['6', '800'] },
    { reason: 'months', age: '18', unit: 'MON', expected: ['18', '802'] },
    { reason: 'weeks', age: '3', unit: 'WK', expected: ['3', '803'] },
    { reason: 'days', age: '.5', unit: 'DY', expected: ['0.5', '804'] },
    { reason: 'hours', age: '12', unit: 'HR', expected: ['12', '805'] },
    { reason: 'an age without unit is dropped', age: '42', unit: '', expected: [undefined, undefined] },
    { reason: 'a negative age is dropped', age: '-1', unit: 'YR', expected: [undefined, undefined] },
  ];
  for (const { reason, age, unit, expected } of ageCases) {
    it(`maps age and age_cod: ${reason}`, () => {
      const patient = reportOf(mapFaersCase(faersCase({ age, age_cod: unit }))).patient;
      assert.deepEqual([patient.patientonsetage, patient.patientonsetageunit], expected, reason);
    });
  }

  it('maps sex, age group and reporter occupation codes', () => {
    const report = reportOf(mapFaersCase(faersCase({ sex: 'F', age_grp: 'E', occp_cod: 'PH' })));
    assert.equal(report.patient.patientsex, '2');
    assert.equal(report.patient.patientagegroup, '6');
    assert.equal(report.primarysource?.qualification, '2');
    const qualifications = ['MD', 'PH', 'OT', 'LW', 'CN'].map(
      (occp_cod) => reportOf(mapFaersCase(faersCase({ occp_cod }))).primarysource?.qualification,
    );
    assert.deepEqual(qualifications, ['1', '2', '3', '4', '5']);
  });

  it('keeps countries that are ISO codes and drops the others', () => {
    const record = mapFaersCase(faersCase({ reporter_country: 'COUNTRY NOT SPECIFIED', occr_country: 'de' }));
    const report = reportOf(record);
    assert.equal(report.occurcountry, 'DE');
    assert.equal(report.primarysourcecountry, undefined);
    assert.equal(report.primarysource?.reportercountry, undefined);
    assert.deepEqual(record.dropped, { country_not_code: 1 });
    const named = mapFaersCase(faersCase({ reporter_country: 'UNITED STATES', occr_country: 'XX' }));
    assert.equal(reportOf(named).occurcountry, undefined);
    assert.deepEqual(named.dropped, { country_not_code: 2 });
  });

  const reportTypeCases: { reason: string; codes: string[]; rept_cod: string; expected: string | undefined }[] = [
    { reason: 'a study source makes a study report', codes: ['HP', 'SDY'], rept_cod: 'EXP', expected: '2' },
    { reason: 'a health professional source is spontaneous', codes: ['HP'], rept_cod: 'EXP', expected: '1' },
    { reason: 'a literature source is spontaneous', codes: ['LIT', 'FGN'], rept_cod: 'PER', expected: '1' },
    { reason: 'other alone is other', codes: ['OTH'], rept_cod: 'PER', expected: '3' },
    { reason: 'foreign alone says nothing', codes: ['FGN'], rept_cod: 'EXP', expected: undefined },
    { reason: 'no source says nothing', codes: [], rept_cod: 'EXP', expected: undefined },
    { reason: 'a direct report without source is spontaneous', codes: [], rept_cod: 'DIR', expected: '1' },
  ];
  for (const { reason, codes, rept_cod, expected } of reportTypeCases) {
    it(`maps RPSR to reporttype: ${reason}`, () => {
      const report = reportOf(mapFaersCase(faersCase({ rept_cod }, { rpsr: codes.map((rpsr_cod) => ({ rpsr_cod })) })));
      assert.equal(report.reporttype, expected, reason);
    });
  }

  it('maps rept_cod EXP to expedited and PER to not expedited', () => {
    assert.equal(reportOf(mapFaersCase(faersCase({ rept_cod: 'EXP' }))).fulfillexpeditecriteria, '1');
    assert.equal(reportOf(mapFaersCase(faersCase({ rept_cod: 'PER' }))).fulfillexpeditecriteria, '2');
    assert.equal(reportOf(mapFaersCase(faersCase({ rept_cod: 'DIR' }))).fulfillexpeditecriteria, undefined);
  });

  it('maps dosage, batch, route, application number and rechallenge of a drug', () => {
    const drug = reportOf(
      mapFaersCase(
        faersCase({}, {
          drug: [
            {
              drug_seq: '1',
              role_cod: 'PS',
              drugname: 'Vincristine',
              prod_ai: 'VINCRISTINE',
              route: 'Intravenous (not otherwise specified)',
              dose_vbm: '1.4 MG/M2 ON DAY 1',
              lot_num: 'L83382',
              nda_num: '020272',
              dose_amt: '1.4',
              dose_unit: 'MG/M**2',
              cum_dose_chr: '6600',
              cum_dose_unit: 'MG',
              dose_form: 'INJECTION',
              rechal: 'Y',
            },
          ],
        }),
      ),
    ).patient.drug[0];
    assert.deepEqual(drug, {
      drugcharacterization: '1',
      medicinalproduct: 'Vincristine',
      activesubstance: { activesubstancename: 'VINCRISTINE' },
      drugbatchnumb: 'L83382',
      drugauthorizationnumb: '020272',
      drugstructuredosagenumb: '1.4',
      drugstructuredosageunit: 'MG/M**2',
      drugcumulativedosagenumb: '6600',
      drugcumulativedosageunit: 'MG',
      drugdosagetext: '1.4 MG/M2 ON DAY 1',
      drugdosageform: 'INJECTION',
      drugadministrationroute: '042',
      drugrecurreadministration: '1',
    });
  });

  it('maps legacy upper-case routes and counts routes it cannot code', () => {
    const record = mapFaersCase(
      faersCase({}, {
        drug: [
          { drug_seq: '1', role_cod: 'PS', drugname: 'A', route: 'ORAL' },
          { drug_seq: '2', role_cod: 'C', drugname: 'B', route: 'INTRAVENOUS' },
          { drug_seq: '3', role_cod: 'C', drugname: 'C', route: 'By mouth somehow' },
        ],
      }),
    );
    assert.deepEqual(reportOf(record).patient.drug.map((d) => d.drugadministrationroute), ['048', '042', undefined]);
    assert.deepEqual(record.dropped, { route_unmapped: 1 });
  });

  const skipCases: { reason: string; rows: FaersCaseRows; expected: string }[] = [
    { reason: 'no DRUG row', rows: faersCase({}, { drug: [] }), expected: 'no_drug' },
    { reason: 'only unusable DRUG rows', rows: faersCase({}, { drug: [{ drug_seq: '1', role_cod: '', drugname: 'A' }] }), expected: 'no_drug' },
    { reason: 'no REAC row', rows: faersCase({}, { reac: [] }), expected: 'no_reaction' },
    { reason: 'only empty terms', rows: faersCase({}, { reac: [{ pt: '  ' }] }), expected: 'no_reaction' },
    { reason: 'an empty caseid', rows: faersCase({ caseid: '' }), expected: 'invalid_case_id' },
    { reason: 'a caseid with a space', rows: faersCase({ caseid: '12 34' }), expected: 'invalid_case_id' },
    { reason: 'a caseversion of 0', rows: faersCase({ caseversion: '0' }), expected: 'invalid_version' },
    { reason: 'a caseversion that is not a number', rows: faersCase({ caseversion: 'x' }), expected: 'invalid_version' },
    {
      reason: 'more drugs than the model allows',
      rows: faersCase({}, { drug: Array.from({ length: 501 }, (_, i) => ({ drug_seq: String(i + 1), role_cod: 'C', drugname: 'X' })) }),
      expected: 'too_many_drugs',
    },
  ];
  for (const { reason, rows, expected } of skipCases) {
    it(`yields a skipped record with reason ${expected} for ${reason}`, () => {
      const record = mapFaersCase(rows);
      assert.equal(record.kind, 'skipped', reason);
      assert.equal(record.kind === 'skipped' ? record.reason : undefined, expected, reason);
      assert.equal(record.source.primaryid, rows.key);
    });
  }

  it('reports the raw row counts of every table in source', () => {
    const record = mapFaersCase(faersCase({}, { outc: [{ outc_cod: 'HO' }], rpsr: [{ rpsr_cod: 'HP' }] }));
    assert.deepEqual(record.source.rows, { DRUG: 1, REAC: 1, OUTC: 1, RPSR: 1, THER: 0, INDI: 0 });
    assert.equal(record.source.format, 'faers');
    assert.equal(record.source.caseid, '100');
    assert.equal(record.source.version, 1);
  });

  it('is deterministic: the same rows give the same JSON, key order included', () => {
    const rows = faersCase({ age: '40', age_cod: 'YR', sex: 'M', fda_dt: '20170406' }, { outc: [{ outc_cod: 'HO' }] });
    assert.equal(JSON.stringify(mapFaersCase(rows)), JSON.stringify(mapFaersCase(rows)));
    const keys = Object.keys(reportOf(mapFaersCase(rows)));
    assert.equal(keys.at(-1), 'patient');
    assert.deepEqual(keys.slice(0, 2), ['safetyreportid', 'safetyreportversion']);
  });

  describe('legacy AERS', () => {
    it('takes CASE as safetyreportid, fda_dt as both receipt dates of an initial report, gndr_cod as sex', () => {
      const report = reportOf(mapFaersCase(aersCase({ case: '4061110', fda_dt: '20040102', gndr_cod: 'F', death_dt: '20031201' })));
      assert.equal(report.safetyreportid, '4061110');
      assert.equal(report.safetyreportversion, 1);
      assert.equal(report.receivedate, '20040102');
      assert.equal(report.receiptdate, '20040102');
      assert.equal(report.patient.patientsex, '2');
      assert.deepEqual(report.patient.patientdeath, { patientdeathdate: '20031201', patientdeathdateformat: '102' });
    });

    it('leaves receivedate out for a follow-up (the first receipt is in an earlier report)', () => {
      const report = reportOf(mapFaersCase(aersCase({ i_f_cod: 'F', fda_dt: '20040102' })));
      assert.equal(report.receivedate, undefined);
      assert.equal(report.receiptdate, '20040102');
    });

    const versionCases: { reason: string; demo: Record<string, string>; expected: number }[] = [
      { reason: 'an initial report is version 1', demo: { i_f_cod: 'I', foll_seq: '' }, expected: 1 },
      { reason: 'a follow-up without FOLL_SEQ is version 2', demo: { i_f_cod: 'F', foll_seq: '' }, expected: 2 },
      { reason: 'FOLL_SEQ n is version n + 1', demo: { i_f_cod: 'F', foll_seq: '7' }, expected: 8 },
      { reason: 'FOLL_SEQ 0 is the initial report', demo: { i_f_cod: 'I', foll_seq: '0' }, expected: 1 },
    ];
    for (const { reason, demo, expected } of versionCases) {
      it(`derives the base version: ${reason}`, () => {
        const rows = aersCase(demo);
        assert.equal(legacyBaseVersion(rows.demo), expected, reason);
        assert.equal(reportOf(mapFaersCase(rows)).safetyreportversion, expected, reason);
      });
    }

    it('uses the version it is given', () => {
      assert.equal(reportOf(mapFaersCase(aersCase({}), { version: 5 })).safetyreportversion, 5);
    });
  });
});
