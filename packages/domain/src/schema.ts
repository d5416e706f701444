/**
 * JSON Schema (draft 2020-12) of an adverse event report. This is the source
 * of truth: the published file `schema/adverse-event-report.schema.json` and
 * the ingest service's OpenAPI document are generated from it (a test keeps
 * the published copy in sync).
 *
 * `x-vigilo-pii: true` marks personal data. It documents the schema; the
 * authoritative list that de-identification applies is `PERSONAL_DATA` in
 * deidentify.ts, and a test checks the two agree.
 */

type Schema = Record<string, unknown>;

const DATE_PATTERN = '^[0-9]{4}([0-9]{2}([0-9]{2})?)?$';
const NUMBER_PATTERN = '^[0-9]{1,6}(\\.[0-9]{1,4})?$';

const text = (maxLength: number, description?: string, pii = false): Schema => ({
  type: 'string',
  minLength: 1,
  maxLength,
  ...(description ? { description } : {}),
  ...(pii ? { 'x-vigilo-pii': true } : {}),
});
const code = (values: readonly string[], description: string): Schema => ({
  type: 'string',
  enum: [...values],
  description,
});
const date = (description: string, pii = false): Schema => ({
  type: 'string',
  pattern: DATE_PATTERN,
  format: 'e2b-date',
  description: `${description} E2B partial date: CCYY, CCYYMM or CCYYMMDD.`,
  ...(pii ? { 'x-vigilo-pii': true } : {}),
});
const dateFormat: Schema = code(['102', '602', '610'], 'E2B date format code: 102 CCYYMMDD, 610 CCYYMM, 602 CCYY.');
const numeric = (description: string): Schema => ({ type: 'string', pattern: NUMBER_PATTERN, description });
const flag = (description: string): Schema => code(['1', '2'], `${description} 1 yes, 2 no.`);
const country: Schema = { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code.' };
const obj = (properties: Record<string, Schema>, required: string[] = [], description?: string): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...(required.length ? { required } : {}),
  ...(description ? { description } : {}),
});

export const MAX_DRUGS_PER_REPORT = 500;
export const MAX_REACTIONS_PER_REPORT = 500;

const drug = obj(
  {
    drugcharacterization: code(['1', '2', '3'], 'Role of the drug: 1 suspect, 2 concomitant, 3 interacting.'),
    medicinalproduct: text(500, 'Drug name as reported.'),
    activesubstance: obj({ activesubstancename: text(500, 'Active substance.') }),
    drugbatchnumb: text(100, 'Batch or lot number. Personal data (traceable to a patient).', true),
    drugauthorizationnumb: text(100, 'Marketing authorisation or application number.'),
    drugstructuredosagenumb: numeric('Dose amount.'),
    drugstructuredosageunit: text(10, 'Dose unit code.'),
    drugseparatedosagenumb: numeric('Number of separate doses.'),
    drugintervaldosageunitnumb: numeric('Number of units in the dosing interval.'),
    drugintervaldosagedefinition: text(10, 'Dosing interval unit code.'),
    drugcumulativedosagenumb: numeric('Cumulative dose.'),
    drugcumulativedosageunit: text(10, 'Cumulative dose unit code.'),
    drugdosagetext: text(2000, 'Dosage as free text. Personal data (free text).', true),
    drugdosageform: text(100, 'Dosage form.'),
    drugadministrationroute: { type: 'string', pattern: '^[0-9]{3}$', description: 'E2B route of administration code (001-067).' },
    drugindication: text(250, 'Indication, MedDRA term.'),
    drugstartdate: date('Start of administration.', true),
    drugstartdateformat: dateFormat,
    drugenddate: date('End of administration.', true),
    drugenddateformat: dateFormat,
    drugtreatmentduration: numeric('Duration of treatment.'),
    drugtreatmentdurationunit: code(['801', '802', '803', '804', '805', '806', '807'], 'Duration unit code.'),
    actiondrug: code(['1', '2', '3', '4', '5', '6'], 'Action taken with the drug.'),
    drugrecurreadministration: code(['1', '2', '3'], 'Did the reaction recur on readministration: 1 yes, 2 no, 3 unknown.'),
    drugadditional: code(['1', '2', '3'], 'Additional information on the drug.'),
  },
  ['drugcharacterization', 'medicinalproduct'],
  'A drug taken by the patient, in its own array element so that role, route and product stay together.',
);

const reaction = obj(
  {
    reactionmeddrapt: text(250, 'MedDRA preferred term.'),
    reactionmeddraversionpt: { type: 'string', pattern: '^[0-9]{1,2}(\\.[0-9])?$', description: 'MedDRA version.' },
    reactionoutcome: code(['1', '2', '3', '4', '5', '6'], 'Outcome: 1 recovered, 2 recovering, 3 not recovered, 4 recovered with sequelae, 5 fatal, 6 unknown.'),
    primarysourcereaction: text(500, 'Reaction in the reporter\'s words. Personal data (free text).', true),
    reactionstartdate: date('Onset of the reaction.', true),
    reactionstartdateformat: dateFormat,
  },
  ['reactionmeddrapt'],
);

const patient = obj(
  {
    patientinitial: text(20, 'Patient initials. Personal data.', true),
    patientgpmedicalrecordnumb: text(100, 'GP medical record number. Personal data.', true),
    patientspecialistrecordnumb: text(100, 'Specialist record number. Personal data.', true),
    patienthospitalrecordnumb: text(100, 'Hospital record number. Personal data.', true),
    patientinvestigationnumb: text(100, 'Investigation number. Personal data.', true),
    patientbirthdate: date('Birth date. Personal data; the onset age is kept instead.', true),
    patientbirthdateformat: dateFormat,
    patientonsetage: numeric('Age at onset of the reaction.'),
    patientonsetageunit: code(['800', '801', '802', '803', '804', '805'], 'Age unit: 800 decade, 801 year, 802 month, 803 week, 804 day, 805 hour.'),
    patientagegroup: code(['1', '2', '3', '4', '5', '6'], 'Age group: 1 neonate, 2 infant, 3 child, 4 adolescent, 5 adult, 6 elderly.'),
    patientsex: code(['0', '1', '2'], 'Sex: 0 unknown, 1 male, 2 female.'),
    patientweight: numeric('Weight in kilograms.'),
    patientheight: numeric('Height in centimetres.'),
    patientlastmenstrualdate: date('Last menstrual period. Personal data.', true),
    patientdeath: obj({
      patientdeathdate: date('Date of death. Personal data (reduced to the year for search).', true),
      patientdeathdateformat: dateFormat,
      patientautopsyyesno: code(['1', '2', '3'], 'Autopsy done: 1 yes, 2 no, 3 unknown.'),
    }),
    parent: {
      ...obj({
        parentidentification: text(100, 'Parent identification. Personal data.', true),
        parentbirthdate: date('Parent birth date. Personal data.', true),
        parentage: numeric('Parent age.'),
        parentageunit: code(['801'], 'Parent age unit.'),
        parentsex: code(['0', '1', '2'], 'Parent sex.'),
        parentweight: numeric('Parent weight.'),
        parentheight: numeric('Parent height.'),
        parentmedicalrelevanttext: text(10000, 'Parent medical history. Personal data (free text).', true),
      }),
      'x-vigilo-pii': true,
      description: 'Parent data for a parent-child report. Personal data as a whole.',
    },
    drug: { type: 'array', minItems: 1, maxItems: MAX_DRUGS_PER_REPORT, items: drug },
    reaction: { type: 'array', minItems: 1, maxItems: MAX_REACTIONS_PER_REPORT, items: reaction },
    summary: {
      ...obj({
        narrativeincludeclinical: text(100000, 'Case narrative. Personal data (free text).', true),
        reportercomment: text(20000, 'Reporter comment. Personal data (free text).', true),
        sendercomment: text(20000, 'Sender comment. Personal data (free text).', true),
      }),
      'x-vigilo-pii': true,
      description: 'Narrative and comments. Personal data as a whole (free text).',
    },
  },
  ['drug', 'reaction'],
);

const primarysource = obj({
  qualification: code(['1', '2', '3', '4', '5'], 'Reporter qualification: 1 physician, 2 pharmacist, 3 other health professional, 4 lawyer, 5 consumer.'),
  reportercountry: country,
  literaturereference: text(1000, 'Literature reference.'),
  reportertitle: text(50, 'Reporter title. Personal data.', true),
  reportergivename: text(100, 'Reporter given name. Personal data.', true),
  reportermiddlename: text(100, 'Reporter middle name. Personal data.', true),
  reporterfamilyname: text(100, 'Reporter family name. Personal data.', true),
  reporterorganization: text(200, 'Reporter organisation. Personal data.', true),
  reporterdepartment: text(200, 'Reporter department. Personal data.', true),
  reporterstreet: text(200, 'Reporter street. Personal data.', true),
  reportercity: text(100, 'Reporter city. Personal data.', true),
  reporterstate: text(100, 'Reporter state. Personal data.', true),
  reporterpostcode: text(20, 'Reporter postcode. Personal data.', true),
  reportertel: text(50, 'Reporter telephone. Personal data.', true),
  reporteremail: text(200, 'Reporter e-mail. Personal data.', true),
});

export const adverseEventReportSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://vigilo.dev/schemas/adverse-event-report.schema.json',
  title: 'AdverseEventReport',
  description:
    'An adverse drug event report shaped like ICH E2B(R3) with openFDA field names. Drugs and reactions are arrays of objects and stay that way in search.',
  ...obj(
    {
      safetyreportid: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$', description: 'Case identifier, unique within a tenant.' },
      safetyreportversion: { type: 'integer', minimum: 1, maximum: 100000, description: 'Version of the case; the highest stored version is current.' },
      receivedate: date('Date the report was first received.'),
      receivedateformat: dateFormat,
      receiptdate: date('Date the most recent information was received.'),
      receiptdateformat: dateFormat,
      transmissiondate: date('Date of this transmission.'),
      transmissiondateformat: dateFormat,
      reporttype: code(['1', '2', '3', '4'], 'Report type: 1 spontaneous, 2 study, 3 other, 4 not available to sender.'),
      serious: flag('Serious report.'),
      seriousnessdeath: code(['1'], 'Resulted in death.'),
      seriousnesslifethreatening: code(['1'], 'Life threatening.'),
      seriousnesshospitalization: code(['1'], 'Caused or prolonged hospitalisation.'),
      seriousnessdisabling: code(['1'], 'Disabling.'),
      seriousnesscongenitalanomali: code(['1'], 'Congenital anomaly.'),
      seriousnessother: code(['1'], 'Other medically important condition.'),
      fulfillexpeditecriteria: flag('Fulfils expedited reporting criteria.'),
      occurcountry: country,
      primarysourcecountry: country,
      companynumb: text(100, 'Sender\'s case number.'),
      authoritynumb: text(100, 'Regulatory authority case number.'),
      duplicate: code(['1'], 'Other case identifiers exist.'),
      reportduplicate: obj({ duplicatesource: text(100), duplicatenumb: text(100) }),
      reportnullificationamendment: code(['1', '2'], 'E2B C.1.11.1: 1 nullification (the case is withdrawn), 2 amendment.'),
      reportnullificationamendmentreason: text(2000, 'Reason for nullification or amendment. Personal data (free text).', true),
      primarysource,
      sender: obj({ sendertype: code(['1', '2', '3', '4', '5', '6'], 'Sender type.'), senderorganization: text(200) }),
      receiver: obj({ receivertype: code(['1', '2', '3', '4', '5', '6'], 'Receiver type.'), receiverorganization: text(200) }),
      patient,
    },
    ['safetyreportid', 'safetyreportversion', 'patient'],
  ),
} as const;

export type JsonSchema = typeof adverseEventReportSchema;
