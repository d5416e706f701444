/**
 * An adverse event report shaped like ICH E2B(R3), with openFDA's field names
 * (https://open.fda.gov/apis/drug/event/). Coded values are strings, as in
 * openFDA, so openFDA documents validate unchanged. Fields that openFDA strips
 * because they identify people (patient initials, record numbers, reporter
 * contact, narratives, batch numbers, birth dates) are part of the model here:
 * they live in SQL only, and `deidentify()` removes them before anything leaves.
 *
 * Dates are E2B partial dates: CCYY, CCYYMM or CCYYMMDD.
 */
export interface AdverseEventReport {
  /** Identity of the case within a tenant (E2B C.1.1). */
  safetyreportid: string;
  /** Version of this case, 1 for the first; the current one is the highest stored. */
  safetyreportversion: number;
  /** Date the report was first received (E2B C.1.4). */
  receivedate?: string;
  receivedateformat?: string;
  /** Date the most recent information was received (E2B C.1.5). */
  receiptdate?: string;
  receiptdateformat?: string;
  transmissiondate?: string;
  transmissiondateformat?: string;
  /** 1 spontaneous, 2 study, 3 other, 4 not available to sender. */
  reporttype?: string;
  /** 1 serious, 2 not serious. */
  serious?: string;
  seriousnessdeath?: string;
  seriousnesslifethreatening?: string;
  seriousnesshospitalization?: string;
  seriousnessdisabling?: string;
  seriousnesscongenitalanomali?: string;
  seriousnessother?: string;
  fulfillexpeditecriteria?: string;
  /** ISO 3166-1 alpha-2 country where the reaction occurred. */
  occurcountry?: string;
  primarysourcecountry?: string;
  companynumb?: string;
  authoritynumb?: string;
  duplicate?: string;
  reportduplicate?: { duplicatesource?: string; duplicatenumb?: string };
  /** E2B C.1.11.1: 1 nullification, 2 amendment. */
  reportnullificationamendment?: string;
  /** E2B C.1.11.2, free text. Personal data. */
  reportnullificationamendmentreason?: string;
  primarysource?: PrimarySource;
  sender?: { sendertype?: string; senderorganization?: string };
  receiver?: { receivertype?: string; receiverorganization?: string };
  patient: Patient;
}

export interface PrimarySource {
  /** 1 physician, 2 pharmacist, 3 other health professional, 4 lawyer, 5 consumer. */
  qualification?: string;
  reportercountry?: string;
  literaturereference?: string;
  reportertitle?: string;
  reportergivename?: string;
  reportermiddlename?: string;
  reporterfamilyname?: string;
  reporterorganization?: string;
  reporterdepartment?: string;
  reporterstreet?: string;
  reportercity?: string;
  reporterstate?: string;
  reporterpostcode?: string;
  reportertel?: string;
  reporteremail?: string;
}

export interface Patient {
  /** Initials. Personal data. */
  patientinitial?: string;
  patientgpmedicalrecordnumb?: string;
  patientspecialistrecordnumb?: string;
  patienthospitalrecordnumb?: string;
  patientinvestigationnumb?: string;
  /** Exact birth date. Personal data; the age is kept instead. */
  patientbirthdate?: string;
  patientbirthdateformat?: string;
  patientonsetage?: string;
  /** 800 decade, 801 year, 802 month, 803 week, 804 day, 805 hour. */
  patientonsetageunit?: string;
  patientagegroup?: string;
  /** 0 unknown, 1 male, 2 female. */
  patientsex?: string;
  /** Kilograms. */
  patientweight?: string;
  patientheight?: string;
  patientlastmenstrualdate?: string;
  patientdeath?: { patientdeathdate?: string; patientdeathdateformat?: string; patientautopsyyesno?: string };
  parent?: Parent;
  drug: Drug[];
  reaction: Reaction[];
  summary?: { narrativeincludeclinical?: string; reportercomment?: string; sendercomment?: string };
}

export interface Parent {
  parentidentification?: string;
  parentbirthdate?: string;
  parentage?: string;
  parentageunit?: string;
  parentsex?: string;
  parentweight?: string;
  parentheight?: string;
  parentmedicalrelevanttext?: string;
}

export interface Drug {
  /** 1 suspect, 2 concomitant, 3 interacting. */
  drugcharacterization: string;
  medicinalproduct: string;
  activesubstance?: { activesubstancename?: string };
  drugbatchnumb?: string;
  drugauthorizationnumb?: string;
  drugstructuredosagenumb?: string;
  drugstructuredosageunit?: string;
  drugseparatedosagenumb?: string;
  drugintervaldosageunitnumb?: string;
  drugintervaldosagedefinition?: string;
  drugcumulativedosagenumb?: string;
  drugcumulativedosageunit?: string;
  drugdosagetext?: string;
  drugdosageform?: string;
  /** E2B route code, e.g. 048 oral, 065 unknown. */
  drugadministrationroute?: string;
  drugindication?: string;
  drugstartdate?: string;
  drugstartdateformat?: string;
  drugenddate?: string;
  drugenddateformat?: string;
  drugtreatmentduration?: string;
  drugtreatmentdurationunit?: string;
  /** 1 withdrawn, 2 reduced, 3 increased, 4 unchanged, 5 unknown, 6 not applicable. */
  actiondrug?: string;
  drugrecurreadministration?: string;
  drugadditional?: string;
}

export interface Reaction {
  /** MedDRA preferred term. */
  reactionmeddrapt: string;
  reactionmeddraversionpt?: string;
  /** 1 recovered, 2 recovering, 3 not recovered, 4 recovered with sequelae, 5 fatal, 6 unknown. */
  reactionoutcome?: string;
  /** The reporter's own words. Personal data (free text). */
  primarysourcereaction?: string;
  reactionstartdate?: string;
  reactionstartdateformat?: string;
}

/** The E2B seriousness criteria, in E2B order. */
export const SERIOUSNESS_CRITERIA = [
  'seriousnessdeath',
  'seriousnesslifethreatening',
  'seriousnesshospitalization',
  'seriousnessdisabling',
  'seriousnesscongenitalanomali',
  'seriousnessother',
] as const;

export type SeriousnessCriterion = (typeof SERIOUSNESS_CRITERIA)[number];

export const DRUG_CHARACTERIZATION = { suspect: '1', concomitant: '2', interacting: '3' } as const;
export const NULLIFICATION_CODE = '1';

export function isNullification(report: Pick<AdverseEventReport, 'reportnullificationamendment'>): boolean {
  return report.reportnullificationamendment === NULLIFICATION_CODE;
}
