import assert from 'node:assert/strict';
import { deidentify, PERSONAL_DATA } from './deidentify.js';
import { adverseEventReportSchema } from './schema.js';
import { validateReport } from './validate.js';
import type { AdverseEventReport } from './report.js';

/** Every leaf of a JSON value with its dotted path (arrays as `[]`). */
function leaves(value: unknown, path = ''): Array<[string, unknown]> {
  if (Array.isArray(value)) return value.flatMap((item) => leaves(item, `${path}[]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  }
  return [[path, value]];
}

/** Paths the schema marks `x-vigilo-pii`, collected independently of PERSONAL_DATA. */
function schemaPiiPaths(node: Record<string, unknown>, path = ''): string[] {
  const out: string[] = [];
  if (node['x-vigilo-pii'] === true && path) out.push(path);
  const props = node['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (props && node['x-vigilo-pii'] !== true) {
    for (const [key, child] of Object.entries(props)) out.push(...schemaPiiPaths(child, path ? `${path}.${key}` : key));
  }
  const items = node['items'] as Record<string, unknown> | undefined;
  if (items) out.push(...schemaPiiPaths(items, `${path}[]`));
  return out;
}

// Built here field by field, not with the testkit, so this unit test stays free of shared helpers.
const MARK = 'ZZPII';
function everyPersonalField(): AdverseEventReport {
  return {
    safetyreportid: 'C-9',
    safetyreportversion: 2,
    reportnullificationamendment: '2',
    reportnullificationamendmentreason: `${MARK}reason`,
    primarysource: {
      qualification: '3', reportercountry: 'DE', reportertitle: `${MARK}t`, reportergivename: `${MARK}g`, reportermiddlename: `${MARK}m`,
      reporterfamilyname: `${MARK}f`, reporterorganization: `${MARK}o`, reporterdepartment: `${MARK}d`, reporterstreet: `${MARK}s`,
      reportercity: `${MARK}c`, reporterstate: `${MARK}st`, reporterpostcode: `${MARK}pc`, reportertel: `${MARK}tel`, reporteremail: `${MARK}@x.org`,
    },
    patient: {
      patientinitial: `${MARK}i`, patientgpmedicalrecordnumb: `${MARK}gp`, patientspecialistrecordnumb: `${MARK}sp`,
      patienthospitalrecordnumb: `${MARK}h`, patientinvestigationnumb: `${MARK}inv`, patientbirthdate: '19610704', patientbirthdateformat: '102',
      patientonsetage: '62', patientonsetageunit: '801', patientsex: '1', patientlastmenstrualdate: '20230811',
      patientdeath: { patientdeathdate: '20230923', patientdeathdateformat: '102' },
      parent: { parentidentification: `${MARK}pid`, parentbirthdate: '19300105', parentmedicalrelevanttext: `${MARK}ptext` },
      summary: { narrativeincludeclinical: `${MARK}narr`, reportercomment: `${MARK}rc`, sendercomment: `${MARK}sc` },
      drug: [{ drugcharacterization: '1', medicinalproduct: 'X', drugbatchnumb: `${MARK}lot`, drugdosagetext: `${MARK}dose`, drugstartdate: '20230101', drugstartdateformat: '102', drugenddate: '20230601' }],
      reaction: [{ reactionmeddrapt: 'RASH', primarysourcereaction: `${MARK}verb`, reactionstartdate: '20230317' }],
    },
  };
}

describe('deidentify', () => {
  it('starts from a valid report that fills every personal-data field', () => {
    const input = everyPersonalField();
    assert.equal(validateReport(input).ok, true);
    const declared = PERSONAL_DATA.map((f) => f.path);
    const filled = new Set(leaves(input).map(([p]) => p));
    for (const path of declared) {
      assert.ok([...filled].some((p) => p === path || p.startsWith(`${path}.`)), `fixture does not fill ${path}`);
    }
  });

  it('leaves no personal-data value and no removed field in its output', () => {
    const input = everyPersonalField();
    const output = deidentify(input);
    const text = JSON.stringify(output);
    assert.ok(!text.includes(MARK), `a marked value survived: ${text}`);
    for (const date of ['19610704', '20230811', '20230923', '19300105', '20230101', '20230601', '20230317']) {
      assert.ok(!text.includes(date), `exact date ${date} survived`);
    }
    const outPaths = new Set(leaves(output).map(([p]) => p));
    for (const field of PERSONAL_DATA.filter((f) => f.action === 'remove')) {
      assert.ok(![...outPaths].some((p) => p === field.path || p.startsWith(`${field.path}.`)), `${field.path} survived`);
    }
  });

  it('keeps the age, the year of generalised dates and everything that is not personal data', () => {
    const output = deidentify(everyPersonalField());
    assert.equal(output.patient.patientonsetage, '62');
    assert.equal(output.patient.patientdeath?.patientdeathdate, '2023');
    assert.equal(output.patient.patientdeath?.patientdeathdateformat, '602');
    assert.equal(output.patient.drug[0]?.drugstartdate, '2023');
    assert.equal(output.patient.drug[0]?.medicinalproduct, 'X');
    assert.equal(output.patient.reaction[0]?.reactionmeddrapt, 'RASH');
    assert.equal(output.primarysource?.qualification, '3');
    assert.equal(validateReport(output).ok, true, 'the de-identified report is still a valid report');
  });

  it('drops fields that the schema does not declare, whatever their name', () => {
    const input = { ...everyPersonalField(), socialsecuritynumber: '123-45-6789' } as unknown as AdverseEventReport;
    (input.patient as unknown as Record<string, unknown>)['ssn'] = '987';
    const text = JSON.stringify(deidentify(input));
    assert.ok(!text.includes('123-45-6789') && !text.includes('987'));
  });

  it('does not modify its input', () => {
    const input = everyPersonalField();
    const before = JSON.stringify(input);
    deidentify(input);
    assert.equal(JSON.stringify(input), before);
  });

  it('declares exactly the fields the schema marks as personal data', () => {
    const fromSchema = schemaPiiPaths(adverseEventReportSchema as unknown as Record<string, unknown>).sort();
    // birthdateformat is removed because its date is; it is not itself marked.
    const declared = PERSONAL_DATA.map((f) => f.path).filter((p) => p !== 'patient.patientbirthdateformat').sort();
    assert.deepEqual(declared, fromSchema);
  });
});
