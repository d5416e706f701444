import type { AdverseEventReport } from '@vigilo/domain';

/** A small valid report; `overrides` are merged at the top level. */
export function minimalReport(overrides: Partial<AdverseEventReport> = {}): AdverseEventReport {
  return {
    safetyreportid: 'CASE-1',
    safetyreportversion: 1,
    receivedate: '20240105',
    serious: '1',
    seriousnesshospitalization: '1',
    occurcountry: 'US',
    primarysource: { qualification: '1', reportercountry: 'US' },
    patient: {
      patientonsetage: '54',
      patientonsetageunit: '801',
      patientsex: '2',
      drug: [
        { drugcharacterization: '1', medicinalproduct: 'ASPIRIN', drugadministrationroute: '048', drugindication: 'PAIN' },
        { drugcharacterization: '2', medicinalproduct: 'METFORMIN' },
      ],
      reaction: [{ reactionmeddrapt: 'NAUSEA', reactionoutcome: '1' }],
    },
    ...overrides,
  };
}

/**
 * Marker values for every personal-data field that holds free text. Each is
 * unique, so a test can search any output (documents, logs) for all of them.
 */
export const PII_MARKERS = {
  reason: 'PIIMARK-nullreason-Zq81',
  reportertitle: 'PIIMARK-title-Zq82',
  reportergivename: 'PIIMARK-given-Zq83',
  reportermiddlename: 'PIIMARK-middle-Zq84',
  reporterfamilyname: 'PIIMARK-family-Zq85',
  reporterorganization: 'PIIMARK-org-Zq86',
  reporterdepartment: 'PIIMARK-dept-Zq87',
  reporterstreet: 'PIIMARK-street-Zq88',
  reportercity: 'PIIMARK-city-Zq89',
  reporterstate: 'PIIMARK-state-Zq90',
  reporterpostcode: 'PIIMARK-pc91',
  reportertel: 'PIIMARK-tel-Zq92',
  reporteremail: 'PIIMARK-mail-Zq93@example.org',
  patientinitial: 'PIIMARK-ini94',
  gp: 'PIIMARK-gp-Zq95',
  specialist: 'PIIMARK-spec-Zq96',
  hospital: 'PIIMARK-hosp-Zq97',
  investigation: 'PIIMARK-inv-Zq98',
  parentid: 'PIIMARK-parent-Zq99',
  parenttext: 'PIIMARK-parenttext-Zq100',
  narrative: 'PIIMARK-narrative-Zq101 the patient, Jane Roe of 12 Elm Street, ...',
  reportercomment: 'PIIMARK-repcomment-Zq102',
  sendercomment: 'PIIMARK-sendcomment-Zq103',
  batch: 'PIIMARK-batch-Zq104',
  dosagetext: 'PIIMARK-dosetext-Zq105',
  verbatim: 'PIIMARK-verbatim-Zq106',
} as const;

/** Exact dates about the patient that must not survive (only their year may). */
export const PII_DATES = {
  birth: '19470312',
  lastmenstrual: '20231117',
  death: '20240219',
  parentbirth: '19201104',
  drugstart: '20231203',
  drugend: '20240114',
  reactionstart: '20231215',
} as const;

/** A valid report with every personal-data field of the model filled in. */
export function reportWithEveryPersonalField(id = 'CASE-PII', version = 1): AdverseEventReport {
  const m = PII_MARKERS;
  const d = PII_DATES;
  return {
    safetyreportid: id,
    safetyreportversion: version,
    receivedate: '20240220',
    serious: '1',
    seriousnessdeath: '1',
    occurcountry: 'FR',
    reportnullificationamendment: '2',
    reportnullificationamendmentreason: m.reason,
    primarysource: {
      qualification: '1',
      reportercountry: 'FR',
      reportertitle: m.reportertitle,
      reportergivename: m.reportergivename,
      reportermiddlename: m.reportermiddlename,
      reporterfamilyname: m.reporterfamilyname,
      reporterorganization: m.reporterorganization,
      reporterdepartment: m.reporterdepartment,
      reporterstreet: m.reporterstreet,
      reportercity: m.reportercity,
      reporterstate: m.reporterstate,
      reporterpostcode: m.reporterpostcode,
      reportertel: m.reportertel,
      reporteremail: m.reporteremail,
    },
    patient: {
      patientinitial: m.patientinitial,
      patientgpmedicalrecordnumb: m.gp,
      patientspecialistrecordnumb: m.specialist,
      patienthospitalrecordnumb: m.hospital,
      patientinvestigationnumb: m.investigation,
      patientbirthdate: d.birth,
      patientbirthdateformat: '102',
      patientonsetage: '76',
      patientonsetageunit: '801',
      patientsex: '1',
      patientweight: '81.5',
      patientlastmenstrualdate: d.lastmenstrual,
      patientdeath: { patientdeathdate: d.death, patientdeathdateformat: '102', patientautopsyyesno: '2' },
      parent: { parentidentification: m.parentid, parentbirthdate: d.parentbirth, parentage: '103', parentsex: '2', parentmedicalrelevanttext: m.parenttext },
      summary: { narrativeincludeclinical: m.narrative, reportercomment: m.reportercomment, sendercomment: m.sendercomment },
      drug: [
        {
          drugcharacterization: '1',
          medicinalproduct: 'WARFARIN',
          drugbatchnumb: m.batch,
          drugdosagetext: m.dosagetext,
          drugstartdate: d.drugstart,
          drugstartdateformat: '102',
          drugenddate: d.drugend,
          drugenddateformat: '102',
          drugadministrationroute: '048',
        },
      ],
      reaction: [
        { reactionmeddrapt: 'HAEMORRHAGE', reactionoutcome: '5', primarysourcereaction: m.verbatim, reactionstartdate: d.reactionstart, reactionstartdateformat: '102' },
      ],
    },
  };
}

/** True when `text` contains any marker or any exact personal date. */
export function findPersonalData(text: string): string[] {
  const found: string[] = [];
  for (const value of Object.values(PII_MARKERS)) if (text.includes(value) || text.includes(value.split(' ')[0]!)) found.push(value);
  for (const value of Object.values(PII_DATES)) if (text.includes(value) || text.includes(`${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`)) found.push(value);
  return found;
}
