import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateReport, parseReport } from './validate.js';
import type { AdverseEventReport } from './report.js';

function base(): AdverseEventReport {
  return {
    safetyreportid: 'R-1',
    safetyreportversion: 1,
    serious: '1',
    seriousnessdeath: '1',
    patient: {
      drug: [{ drugcharacterization: '1', medicinalproduct: 'ASPIRIN', drugstartdate: '20200101', drugenddate: '20200301' }],
      reaction: [{ reactionmeddrapt: 'NAUSEA' }],
    },
  };
}

describe('validateReport', () => {
  it('accepts openFDA\'s example event once our identity fields are set', () => {
    const example = JSON.parse(readFileSync(new URL('../../../../shared/fixtures/openfda/event.example.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    delete example['@case_number'];
    delete example['@timestamp'];
    delete example['receiver'];
    example['safetyreportversion'] = 1;
    const result = validateReport(example);
    assert.equal(result.ok, true, JSON.stringify(!result.ok && result.violations));
  });

  it('reports a JSON pointer and a stable code for each violation, without echoing values', () => {
    const report = base() as unknown as Record<string, unknown>;
    (report['patient'] as Record<string, unknown>)['patientinitial'] = 123;
    const result = validateReport(report);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.violations.map((v) => [v.pointer, v.code]), [['/patient/patientinitial', 'VIG_REPORT_FIELD_TYPE']]);
    assert.ok(!JSON.stringify(result.violations).includes('123'));
  });

  it('rejects a calendar date that does not exist with VIG_REPORT_DATE_INVALID', () => {
    const report = base();
    report.patient.drug[0]!.drugstartdate = '20230229';
    const result = validateReport(report);
    assert.equal(!result.ok && result.violations[0]?.code, 'VIG_REPORT_DATE_INVALID');
  });

  it('rejects an end date before the start date with VIG_REPORT_DATE_ORDER', () => {
    const report = base();
    report.patient.drug[0]!.drugenddate = '2019';
    const result = validateReport(report);
    assert.equal(!result.ok && result.violations[0]?.pointer, '/patient/drug/0/drugenddate');
  });

  it('rejects seriousness criteria on a non-serious report', () => {
    const report = base();
    report.serious = '2';
    const result = validateReport(report);
    assert.equal(!result.ok && result.violations[0]?.code, 'VIG_REPORT_SERIOUSNESS_INCONSISTENT');
  });

  it('escapes JSON pointer tokens of unknown fields (RFC 6901)', () => {
    const report = { ...base(), 'a/b~c': 1 };
    const result = validateReport(report);
    assert.equal(!result.ok && result.violations[0]?.pointer, '/a~1b~0c');
  });

  it('parseReport throws an InputError carrying every violation', () => {
    assert.throws(
      () => parseReport({ safetyreportid: 'x' }),
      (error: { code?: string; violations?: unknown[] }) => error.code === 'VIG_REPORT_FIELD_MISSING' && error.violations?.length === 2,
    );
  });
});
