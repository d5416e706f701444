import { minimalReport } from '@vigilo/testkit';

/** One malformed request body and the answer the API must give. */
export interface MalformedCase {
  /** Why this input is wrong, printed when the case fails. */
  readonly reason: string;
  /** Raw request body (sent as-is). */
  readonly body: string;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
  /** JSON pointer of the first violation, when the code is about a field. */
  readonly pointer?: string;
}

type Json = Record<string, unknown>;
const clone = (): Json => JSON.parse(JSON.stringify(minimalReport({ safetyreportid: 'BAD-1' }))) as Json;
const patient = (r: Json) => r['patient'] as Json;
const drug0 = (r: Json) => (patient(r)['drug'] as Json[])[0]!;
const reaction0 = (r: Json) => (patient(r)['reaction'] as Json[])[0]!;

function mutate(reason: string, code: string, pointer: string, change: (r: Json) => void): MalformedCase {
  const report = clone();
  change(report);
  return { reason, body: JSON.stringify(report), status: 422, code, pointer };
}

export const MALFORMED_CORPUS: readonly MalformedCase[] = [
  // Not a report at all
  { reason: 'empty body', body: '', status: 400, code: 'VIG_REQUEST_MALFORMED_JSON' },
  { reason: 'truncated JSON', body: '{"safetyreportid": "A', status: 400, code: 'VIG_REQUEST_MALFORMED_JSON' },
  { reason: 'single quotes are not JSON', body: "{'safetyreportid': 'A'}", status: 400, code: 'VIG_REQUEST_MALFORMED_JSON' },
  { reason: 'trailing comma', body: '{"safetyreportid": "A",}', status: 400, code: 'VIG_REQUEST_MALFORMED_JSON' },
  { reason: 'a JSON array instead of an object', body: '[]', status: 422, code: 'VIG_REPORT_NOT_OBJECT', pointer: '/' },
  { reason: 'a JSON string', body: '"report"', status: 422, code: 'VIG_REPORT_NOT_OBJECT', pointer: '/' },
  { reason: 'JSON null', body: 'null', status: 422, code: 'VIG_REPORT_NOT_OBJECT', pointer: '/' },
  { reason: 'a number', body: '42', status: 422, code: 'VIG_REPORT_NOT_OBJECT', pointer: '/' },
  { reason: 'XML', body: '<report/>', contentType: 'application/xml', status: 415, code: 'VIG_REQUEST_UNSUPPORTED_MEDIA_TYPE' },
  { reason: 'form encoding', body: 'safetyreportid=A', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'VIG_REQUEST_UNSUPPORTED_MEDIA_TYPE' },
  { reason: 'text/plain JSON', body: '{}', contentType: 'text/plain', status: 415, code: 'VIG_REQUEST_UNSUPPORTED_MEDIA_TYPE' },
  { reason: 'NDJSON sent to the single endpoint', body: '{}\n{}', contentType: 'application/x-ndjson', status: 415, code: 'VIG_REQUEST_UNSUPPORTED_MEDIA_TYPE' },
  { reason: 'an empty object', body: '{}', status: 422, code: 'VIG_REPORT_FIELD_MISSING', pointer: '/safetyreportid' },
  // Identity
  mutate('safetyreportid missing', 'VIG_REPORT_FIELD_MISSING', '/safetyreportid', (r) => delete r['safetyreportid']),
  mutate('safetyreportid is a number', 'VIG_REPORT_FIELD_TYPE', '/safetyreportid', (r) => (r['safetyreportid'] = 123)),
  mutate('safetyreportid with spaces', 'VIG_REPORT_FIELD_FORMAT', '/safetyreportid', (r) => (r['safetyreportid'] = 'A B')),
  mutate('safetyreportid with a slash', 'VIG_REPORT_FIELD_FORMAT', '/safetyreportid', (r) => (r['safetyreportid'] = '../etc')),
  mutate('safetyreportid empty', 'VIG_REPORT_FIELD_FORMAT', '/safetyreportid', (r) => (r['safetyreportid'] = '')),
  mutate('safetyreportid too long', 'VIG_REPORT_FIELD_FORMAT', '/safetyreportid', (r) => (r['safetyreportid'] = 'A'.repeat(101))),
  mutate('safetyreportversion missing', 'VIG_REPORT_FIELD_MISSING', '/safetyreportversion', (r) => delete r['safetyreportversion']),
  mutate('safetyreportversion is a string', 'VIG_REPORT_FIELD_TYPE', '/safetyreportversion', (r) => (r['safetyreportversion'] = '1')),
  mutate('safetyreportversion is zero', 'VIG_REPORT_FIELD_RANGE', '/safetyreportversion', (r) => (r['safetyreportversion'] = 0)),
  mutate('safetyreportversion is negative', 'VIG_REPORT_FIELD_RANGE', '/safetyreportversion', (r) => (r['safetyreportversion'] = -3)),
  mutate('safetyreportversion is fractional', 'VIG_REPORT_FIELD_TYPE', '/safetyreportversion', (r) => (r['safetyreportversion'] = 1.5)),
  mutate('safetyreportversion is absurdly high', 'VIG_REPORT_FIELD_RANGE', '/safetyreportversion', (r) => (r['safetyreportversion'] = 1e9)),
  // Top-level codes and dates
  mutate('serious is 3', 'VIG_REPORT_FIELD_CODE', '/serious', (r) => (r['serious'] = '3')),
  mutate('serious as a number', 'VIG_REPORT_FIELD_TYPE', '/serious', (r) => (r['serious'] = 1)),
  mutate('seriousnessdeath is 2', 'VIG_REPORT_FIELD_CODE', '/seriousnessdeath', (r) => (r['seriousnessdeath'] = '2')),
  mutate('seriousness criterion on a non-serious report', 'VIG_REPORT_SERIOUSNESS_INCONSISTENT', '/seriousnesshospitalization', (r) => (r['serious'] = '2')),
  mutate('reporttype unknown', 'VIG_REPORT_FIELD_CODE', '/reporttype', (r) => (r['reporttype'] = '9')),
  mutate('receivedate with dashes', 'VIG_REPORT_FIELD_FORMAT', '/receivedate', (r) => (r['receivedate'] = '2024-01-05')),
  mutate('receivedate February 30th', 'VIG_REPORT_DATE_INVALID', '/receivedate', (r) => (r['receivedate'] = '20240230')),
  mutate('receivedate month 13', 'VIG_REPORT_DATE_INVALID', '/receivedate', (r) => (r['receivedate'] = '202413')),
  mutate('receivedate of five digits', 'VIG_REPORT_FIELD_FORMAT', '/receivedate', (r) => (r['receivedate'] = '20241')),
  mutate('receivedate year 1492', 'VIG_REPORT_DATE_INVALID', '/receivedate', (r) => (r['receivedate'] = '1492')),
  mutate('receivedateformat unknown', 'VIG_REPORT_FIELD_CODE', '/receivedateformat', (r) => (r['receivedateformat'] = '999')),
  mutate('occurcountry lower case', 'VIG_REPORT_FIELD_FORMAT', '/occurcountry', (r) => (r['occurcountry'] = 'us')),
  mutate('occurcountry as a name', 'VIG_REPORT_FIELD_FORMAT', '/occurcountry', (r) => (r['occurcountry'] = 'UNITED STATES')),
  mutate('nullification code 3', 'VIG_REPORT_FIELD_CODE', '/reportnullificationamendment', (r) => (r['reportnullificationamendment'] = '3')),
  mutate('an unknown top-level field', 'VIG_REPORT_FIELD_UNKNOWN', '/ssn', (r) => (r['ssn'] = 'x')),
  mutate('openFDA metadata field', 'VIG_REPORT_FIELD_UNKNOWN', '/@timestamp', (r) => (r['@timestamp'] = '2004-01-01')),
  mutate('a NUL character, which PostgreSQL cannot store', 'VIG_REPORT_FIELD_FORMAT', '/', (r) => (r['companynumb'] = 'A\u0000B')),
  mutate('an unpaired UTF-16 surrogate', 'VIG_REPORT_FIELD_FORMAT', '/', (r) => (patient(r)['patientinitial'] = 'J\ud800')),
  mutate('companynumb empty', 'VIG_REPORT_FIELD_EMPTY', '/companynumb', (r) => (r['companynumb'] = '')),
  mutate('companynumb too long', 'VIG_REPORT_FIELD_TOO_LARGE', '/companynumb', (r) => (r['companynumb'] = 'X'.repeat(101))),
  // Primary source
  mutate('qualification 6', 'VIG_REPORT_FIELD_CODE', '/primarysource/qualification', (r) => ((r['primarysource'] as Json)['qualification'] = '6')),
  mutate('primarysource is an array', 'VIG_REPORT_FIELD_TYPE', '/primarysource', (r) => (r['primarysource'] = [])),
  mutate('unknown primarysource field', 'VIG_REPORT_FIELD_UNKNOWN', '/primarysource/phone', (r) => ((r['primarysource'] as Json)['phone'] = '1')),
  // Patient
  mutate('patient missing', 'VIG_REPORT_FIELD_MISSING', '/patient', (r) => delete r['patient']),
  mutate('patient is a string', 'VIG_REPORT_FIELD_TYPE', '/patient', (r) => (r['patient'] = 'Jane')),
  mutate('patientsex 3', 'VIG_REPORT_FIELD_CODE', '/patient/patientsex', (r) => (patient(r)['patientsex'] = '3')),
  mutate('patientsex as a word', 'VIG_REPORT_FIELD_CODE', '/patient/patientsex', (r) => (patient(r)['patientsex'] = 'F')),
  mutate('patientonsetage negative', 'VIG_REPORT_FIELD_FORMAT', '/patient/patientonsetage', (r) => (patient(r)['patientonsetage'] = '-4')),
  mutate('patientonsetage as a number', 'VIG_REPORT_FIELD_TYPE', '/patient/patientonsetage', (r) => (patient(r)['patientonsetage'] = 54)),
  mutate('patientonsetageunit unknown', 'VIG_REPORT_FIELD_CODE', '/patient/patientonsetageunit', (r) => (patient(r)['patientonsetageunit'] = '806')),
  mutate('patientweight with a unit', 'VIG_REPORT_FIELD_FORMAT', '/patient/patientweight', (r) => (patient(r)['patientweight'] = '70kg')),
  mutate('patientbirthdate impossible', 'VIG_REPORT_DATE_INVALID', '/patient/patientbirthdate', (r) => (patient(r)['patientbirthdate'] = '19990431')),
  mutate('drug missing', 'VIG_REPORT_FIELD_MISSING', '/patient/drug', (r) => delete patient(r)['drug']),
  mutate('no drugs', 'VIG_REPORT_FIELD_EMPTY', '/patient/drug', (r) => (patient(r)['drug'] = [])),
  mutate('drug is an object', 'VIG_REPORT_FIELD_TYPE', '/patient/drug', (r) => (patient(r)['drug'] = { medicinalproduct: 'X' })),
  mutate('reaction missing', 'VIG_REPORT_FIELD_MISSING', '/patient/reaction', (r) => delete patient(r)['reaction']),
  mutate('no reactions', 'VIG_REPORT_FIELD_EMPTY', '/patient/reaction', (r) => (patient(r)['reaction'] = [])),
  mutate('too many reactions', 'VIG_REPORT_FIELD_TOO_LARGE', '/patient/reaction', (r) => (patient(r)['reaction'] = Array.from({ length: 501 }, () => ({ reactionmeddrapt: 'X' })))),
  // Drugs
  mutate('drugcharacterization missing', 'VIG_REPORT_FIELD_MISSING', '/patient/drug/0/drugcharacterization', (r) => delete drug0(r)['drugcharacterization']),
  mutate('drugcharacterization 4', 'VIG_REPORT_FIELD_CODE', '/patient/drug/0/drugcharacterization', (r) => (drug0(r)['drugcharacterization'] = '4')),
  mutate('drugcharacterization as FAERS role code', 'VIG_REPORT_FIELD_CODE', '/patient/drug/0/drugcharacterization', (r) => (drug0(r)['drugcharacterization'] = 'PS')),
  mutate('medicinalproduct missing', 'VIG_REPORT_FIELD_MISSING', '/patient/drug/0/medicinalproduct', (r) => delete drug0(r)['medicinalproduct']),
  mutate('medicinalproduct empty', 'VIG_REPORT_FIELD_EMPTY', '/patient/drug/0/medicinalproduct', (r) => (drug0(r)['medicinalproduct'] = '')),
  mutate('medicinalproduct null', 'VIG_REPORT_FIELD_TYPE', '/patient/drug/0/medicinalproduct', (r) => (drug0(r)['medicinalproduct'] = null)),
  mutate('route as text', 'VIG_REPORT_FIELD_FORMAT', '/patient/drug/0/drugadministrationroute', (r) => (drug0(r)['drugadministrationroute'] = 'ORAL')),
  mutate('drugstartdate impossible', 'VIG_REPORT_DATE_INVALID', '/patient/drug/0/drugstartdate', (r) => (drug0(r)['drugstartdate'] = '20230631')),
  mutate('drug ends before it starts', 'VIG_REPORT_DATE_ORDER', '/patient/drug/0/drugenddate', (r) => Object.assign(drug0(r), { drugstartdate: '20230601', drugenddate: '20230501' })),
  mutate('actiondrug 7', 'VIG_REPORT_FIELD_CODE', '/patient/drug/0/actiondrug', (r) => (drug0(r)['actiondrug'] = '7')),
  mutate('unknown drug field', 'VIG_REPORT_FIELD_UNKNOWN', '/patient/drug/0/openfda', (r) => (drug0(r)['openfda'] = {})),
  mutate('drugtreatmentdurationunit unknown', 'VIG_REPORT_FIELD_CODE', '/patient/drug/0/drugtreatmentdurationunit', (r) => (drug0(r)['drugtreatmentdurationunit'] = '900')),
  // Reactions
  mutate('reactionmeddrapt missing', 'VIG_REPORT_FIELD_MISSING', '/patient/reaction/0/reactionmeddrapt', (r) => delete reaction0(r)['reactionmeddrapt']),
  mutate('reactionmeddrapt too long', 'VIG_REPORT_FIELD_TOO_LARGE', '/patient/reaction/0/reactionmeddrapt', (r) => (reaction0(r)['reactionmeddrapt'] = 'X'.repeat(251))),
  mutate('reactionoutcome 7', 'VIG_REPORT_FIELD_CODE', '/patient/reaction/0/reactionoutcome', (r) => (reaction0(r)['reactionoutcome'] = '7')),
  mutate('reactionmeddraversionpt malformed', 'VIG_REPORT_FIELD_FORMAT', '/patient/reaction/0/reactionmeddraversionpt', (r) => (reaction0(r)['reactionmeddraversionpt'] = 'v26')),
  mutate('reaction is a string', 'VIG_REPORT_FIELD_TYPE', '/patient/reaction/0', (r) => ((patient(r)['reaction'] as unknown[])[0] = 'NAUSEA')),
];
