export {
  type AdverseEventReport,
  type Patient,
  type Drug,
  type Reaction,
  type PrimarySource,
  type Parent,
  DRUG_CHARACTERIZATION,
  SERIOUSNESS_CRITERIA,
  type SeriousnessCriterion,
  NULLIFICATION_CODE,
  isNullification,
} from './report.js';
export { adverseEventReportSchema, MAX_DRUGS_PER_REPORT, MAX_REACTIONS_PER_REPORT } from './schema.js';
export { validateReport, parseReport, MAX_VIOLATIONS, type ReportValidation } from './validate.js';
export { deidentify, PERSONAL_DATA, type PersonalDataField, type PersonalDataAction, type DeidentifiedReport } from './deidentify.js';
export { canonicalJson, contentHash, hashCanonical, hasUnstorableText } from './canonical.js';
export { isRealPartialDate, comparePartialDates, partialDateToIso } from './dates.js';
export { TENANT_ID_PATTERN, type TenantId, isTenantId, parseTenantId, tenantSchemaName, tenantRoleName } from './tenant.js';
export type {
  StoredVersionRef,
  StoredReport,
  PutOutcome,
  ReportToStore,
  ReportIdentity,
  ReportStore,
  PutOptions,
  TenantStatus,
  TenantRecord,
  TenantDirectory,
} from './ports.js';
export { toSearchDocument, type SearchDocument } from './searchDocument.js';
