/**
 * Code lists used to translate FAERS / AERS values into E2B / openFDA codes.
 * Keys are upper-case; look values up after trimming and upper-casing.
 */

/** DRUG.role_cod to drugcharacterization: primary and secondary suspect are both "suspect". */
export const ROLE_TO_CHARACTERIZATION: Readonly<Record<string, '1' | '2' | '3'>> = {
  PS: '1',
  SS: '1',
  C: '2',
  I: '3',
};

/** OUTC.outc_cod to the report's seriousness criterion. RI (required intervention) has no E2B flag of its own. */
export const OUTCOME_TO_SERIOUSNESS = {
  DE: 'seriousnessdeath',
  LT: 'seriousnesslifethreatening',
  HO: 'seriousnesshospitalization',
  DS: 'seriousnessdisabling',
  CA: 'seriousnesscongenitalanomali',
  RI: 'seriousnessother',
  OT: 'seriousnessother',
} as const;
export type OutcomeCode = keyof typeof OUTCOME_TO_SERIOUSNESS;
export type SeriousnessField = (typeof OUTCOME_TO_SERIOUSNESS)[OutcomeCode];

/** DEMO.age_cod to E2B age unit. */
export const AGE_UNIT: Readonly<Record<string, string>> = {
  DEC: '800',
  YR: '801',
  YRS: '801',
  MON: '802',
  WK: '803',
  WEEK: '803',
  DY: '804',
  DAY: '804',
  HR: '805',
};

/** DEMO.age_grp to E2B patientagegroup. */
export const AGE_GROUP: Readonly<Record<string, string>> = {
  N: '1',
  I: '2',
  C: '3',
  T: '4',
  A: '5',
  E: '6',
};

/** DEMO.sex (FAERS) / gndr_cod (AERS) to E2B patientsex. NS (not specified) is left out. */
export const SEX: Readonly<Record<string, string>> = {
  M: '1',
  F: '2',
  UNK: '0',
};

/** DEMO.occp_cod to primarysource.qualification. */
export const QUALIFICATION: Readonly<Record<string, string>> = {
  MD: '1',
  PH: '2',
  OT: '3',
  HP: '3',
  LW: '4',
  CN: '5',
};

/** THER.dur_cod to E2B duration unit. */
export const DURATION_UNIT: Readonly<Record<string, string>> = {
  YR: '801',
  MON: '802',
  WK: '803',
  DAY: '804',
  DY: '804',
  HR: '805',
  MIN: '806',
  SEC: '807',
};

/** DRUG.rechal to drugrecurreadministration (did the reaction recur on re-administration). D (does not apply) is left out. */
export const RECHALLENGE: Readonly<Record<string, string>> = {
  Y: '1',
  N: '2',
  U: '3',
};

/** DEMO.rept_cod to fulfillexpeditecriteria. DIR (direct report) and others are left out. */
export const EXPEDITED: Readonly<Record<string, string>> = {
  EXP: '1',
  '5DAY': '1',
  PER: '2',
};

/**
 * RPSR.rpsr_cod to reporttype (1 spontaneous, 2 study, 3 other). A study
 * source wins over any other; FGN (foreign) says where, not how, and maps to
 * nothing.
 */
export const REPORT_SOURCE_TYPE: Readonly<Record<string, '1' | '2' | '3'>> = {
  SDY: '2',
  HP: '1',
  CSM: '1',
  UF: '1',
  CR: '1',
  DT: '1',
  LIT: '1',
  OTH: '3',
};

/** Weight units to kilograms. */
export const WEIGHT_TO_KG: Readonly<Record<string, number>> = {
  KG: 1,
  KGS: 1,
  LBS: 0.45359237,
  LB: 0.45359237,
  GMS: 0.001,
  G: 0.001,
};

/** ICH E2B(R2) route of administration codes, by their label (upper-case). */
const ROUTE_LABELS: Readonly<Record<string, string>> = {
  '001': 'AURICULAR (OTIC)',
  '002': 'BUCCAL',
  '003': 'CUTANEOUS',
  '004': 'DENTAL',
  '005': 'ENDOCERVICAL',
  '006': 'ENDOSINUSIAL',
  '007': 'ENDOTRACHEAL',
  '008': 'EPIDURAL',
  '009': 'EXTRA-AMNIOTIC',
  '010': 'HEMODIALYSIS',
  '011': 'INTRA CORPUS CAVERNOSUM',
  '012': 'INTRA-AMNIOTIC',
  '013': 'INTRA-ARTERIAL',
  '014': 'INTRA-ARTICULAR',
  '015': 'INTRA-UTERINE',
  '016': 'INTRACARDIAC',
  '017': 'INTRACAVERNOUS',
  '018': 'INTRACEREBRAL',
  '019': 'INTRACERVICAL',
  '020': 'INTRACISTERNAL',
  '021': 'INTRACORNEAL',
  '022': 'INTRACORONARY',
  '023': 'INTRADERMAL',
  '024': 'INTRADISCAL (INTRASPINAL)',
  '025': 'INTRAHEPATIC',
  '026': 'INTRALESIONAL',
  '027': 'INTRALYMPHATIC',
  '028': 'INTRAMEDULLAR (BONE MARROW)',
  '029': 'INTRAMENINGEAL',
  '030': 'INTRAMUSCULAR',
  '031': 'INTRAOCULAR',
  '032': 'INTRAPERICARDIAL',
  '033': 'INTRAPERITONEAL',
  '034': 'INTRAPLEURAL',
  '035': 'INTRASYNOVIAL',
  '036': 'INTRATUMOR',
  '037': 'INTRATHECAL',
  '038': 'INTRATHORACIC',
  '039': 'INTRATRACHEAL',
  '040': 'INTRAVENOUS BOLUS',
  '041': 'INTRAVENOUS DRIP',
  '042': 'INTRAVENOUS (NOT OTHERWISE SPECIFIED)',
  '043': 'INTRAVESICAL',
  '044': 'IONTOPHORESIS',
  '045': 'NASAL',
  '046': 'OCCLUSIVE DRESSING TECHNIQUE',
  '047': 'OPHTHALMIC',
  '048': 'ORAL',
  '049': 'OROPHARINGEAL',
  '050': 'OTHER',
  '051': 'PARENTERAL',
  '052': 'PERIARTICULAR',
  '053': 'PERINEURAL',
  '054': 'RECTAL',
  '055': 'RESPIRATORY (INHALATION)',
  '056': 'RETROBULBAR',
  '057': 'SUNCONJUNCTIVAL',
  '058': 'SUBCUTANEOUS',
  '059': 'SUBDERMAL',
  '060': 'SUBLINGUAL',
  '061': 'TOPICAL',
  '062': 'TRANSDERMAL',
  '063': 'TRANSMAMMARY',
  '064': 'TRANSPLACENTAL',
  '065': 'UNKNOWN',
  '066': 'URETHRAL',
  '067': 'VAGINAL',
};

/** Spellings seen in AERS and FAERS that are not an E2B label verbatim. */
const ROUTE_ALIASES: Readonly<Record<string, string>> = {
  INTRAVENOUS: '042',
  'INTRAVENOUS NOS': '042',
  SUBCONJUNCTIVAL: '057',
  OROPHARYNGEAL: '049',
  'INTRA-CORPUS CAVERNOSUM': '011',
  INTRAUTERINE: '015',
  OTIC: '001',
  AURICULAR: '001',
  INHALATION: '055',
  RESPIRATORY: '055',
  UNK: '065',
};

export const ROUTE_CODE: ReadonlyMap<string, string> = new Map<string, string>([
  ...Object.entries(ROUTE_LABELS).map(([code, label]): [string, string] => [label, code]),
  ...Object.entries(ROUTE_ALIASES),
]);

/** Officially assigned ISO 3166-1 alpha-2 codes. */
export const ISO_COUNTRY_CODES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO ' +
    'FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE ' +
    'JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO ' +
    'MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW ' +
    'PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM ' +
    'TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);
