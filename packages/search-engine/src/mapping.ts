import { canonicalJson, hashCanonical } from '@vigilo/domain';
import type { TenantIndexNames } from './ports.js';

/**
 * The mapping of a search document (see SearchDocument in @vigilo/domain and
 * docs/adr/0009-search-documents-and-index-layout.md). Engine-independent: the
 * same JSON goes to Elasticsearch 9 and OpenSearch 2, and it uses only what a
 * bare Elasticsearch node has (no analysis-common, no mapper-extras).
 *
 * Field rules:
 * - `dynamic: strict`: a document with a field the mapping does not declare is refused
 *   (bulk item 400, not retryable). Fields that de-identification removes are not
 *   declared at all, so a document that bypassed `deidentify()` cannot be stored.
 * - Names and free-text terms that openFDA indexes as text with an `.exact` keyword
 *   sub-field get the same here: `text` for word search, `.exact` for whole-value terms,
 *   counts and aggregations. `.exact` is case-sensitive, as in openFDA, except for
 *   `reactionmeddrapt.exact`, which openFDA counts case-insensitively: it uses the
 *   `vigilo_lowercase` normalizer, so its buckets come back in lower case.
 * - Coded values (E2B code lists, date format codes, units) are `keyword`.
 * - Measured numbers are `double` (the report holds them as decimal strings; the engine parses them).
 * - E2B partial dates (CCYY, CCYYMM, CCYYMMDD) are real `date` fields with format
 *   `yyyyMMdd||yyyyMM||yyyy`: a partial date is indexed as its first day.
 * - `report.patient.drug` and `report.patient.reaction` are `nested` (so "drug X as suspect"
 *   matches one drug element) with `include_in_root`, so plain (non-nested) queries and
 *   report-level counts work on the same paths as in openFDA.
 * - `vigilo.*` metadata: keywords, a long, a boolean and two real dates.
 */

/** Bump when the mapping changes; the template and every index it creates record it in `_meta`. */
export const MAPPING_VERSION = 1;

/** Priority of the tenants' composable templates. Their patterns never overlap, so any fixed value works. */
export const TEMPLATE_PRIORITY = 200;

/** The normalizer of case-insensitive `.exact` sub-fields (the server's built-in `lowercase` filter). */
export const LOWERCASE_NORMALIZER = 'vigilo_lowercase';

/** Date format of E2B partial dates. */
export const PARTIAL_DATE_FORMAT = 'yyyyMMdd||yyyyMM||yyyy';

type Mapping = Readonly<Record<string, unknown>>;
type Properties = Readonly<Record<string, Mapping>>;

const keyword: Mapping = { type: 'keyword' };
const textExact: Mapping = { type: 'text', fields: { exact: { type: 'keyword' } } };
const textExactCaseInsensitive: Mapping = { type: 'text', fields: { exact: { type: 'keyword', normalizer: LOWERCASE_NORMALIZER } } };
const text: Mapping = { type: 'text' };
const partialDate: Mapping = { type: 'date', format: PARTIAL_DATE_FORMAT };
const decimal: Mapping = { type: 'double' };
const object = (properties: Properties): Mapping => ({ properties });
const nested = (properties: Properties): Mapping => ({ type: 'nested', include_in_root: true, properties });

const drug = nested({
  drugcharacterization: keyword,
  medicinalproduct: textExact,
  activesubstance: object({ activesubstancename: textExact }),
  drugauthorizationnumb: textExact,
  drugstructuredosagenumb: textExact,
  drugstructuredosageunit: keyword,
  drugseparatedosagenumb: decimal,
  drugintervaldosageunitnumb: decimal,
  drugintervaldosagedefinition: keyword,
  drugcumulativedosagenumb: decimal,
  drugcumulativedosageunit: keyword,
  drugdosageform: textExact,
  drugadministrationroute: textExact,
  drugindication: textExact,
  drugstartdate: partialDate,
  drugstartdateformat: keyword,
  drugenddate: partialDate,
  drugenddateformat: keyword,
  drugtreatmentduration: textExact,
  drugtreatmentdurationunit: keyword,
  actiondrug: keyword,
  drugrecurreadministration: keyword,
  drugadditional: keyword,
  // not declared (personal data, removed by deidentify): drugbatchnumb, drugdosagetext
});

const reaction = nested({
  reactionmeddrapt: textExactCaseInsensitive,
  reactionmeddraversionpt: keyword,
  reactionoutcome: keyword,
  reactionstartdate: partialDate,
  reactionstartdateformat: keyword,
  // not declared (personal data): primarysourcereaction
});

const patient = object({
  patientonsetage: decimal,
  patientonsetageunit: keyword,
  patientagegroup: keyword,
  patientsex: keyword,
  patientweight: decimal,
  patientheight: decimal,
  patientdeath: object({ patientdeathdate: partialDate, patientdeathdateformat: keyword, patientautopsyyesno: keyword }),
  drug,
  reaction,
  // not declared (personal data): patientinitial, the four record numbers, patientbirthdate(format),
  // patientlastmenstrualdate, parent, summary
});

const report = object({
  safetyreportid: textExact,
  safetyreportversion: { type: 'integer' },
  receivedate: partialDate,
  receivedateformat: keyword,
  receiptdate: partialDate,
  receiptdateformat: keyword,
  transmissiondate: partialDate,
  transmissiondateformat: keyword,
  reporttype: keyword,
  serious: keyword,
  seriousnessdeath: keyword,
  seriousnesslifethreatening: keyword,
  seriousnesshospitalization: keyword,
  seriousnessdisabling: keyword,
  seriousnesscongenitalanomali: keyword,
  seriousnessother: keyword,
  fulfillexpeditecriteria: keyword,
  occurcountry: textExact,
  primarysourcecountry: textExact,
  companynumb: textExact,
  authoritynumb: textExact,
  duplicate: keyword,
  reportduplicate: object({ duplicatesource: textExact, duplicatenumb: textExact }),
  reportnullificationamendment: keyword,
  // not declared (personal data): reportnullificationamendmentreason
  primarysource: object({
    qualification: keyword,
    reportercountry: textExact,
    literaturereference: text,
    // not declared (personal data): reportertitle ... reporteremail
  }),
  sender: object({ sendertype: keyword, senderorganization: textExact }),
  receiver: object({ receivertype: keyword, receiverorganization: textExact }),
  patient,
});

const vigilo = object({
  tenant: keyword,
  safetyreportid: keyword,
  version: { type: 'long' },
  nullified: { type: 'boolean' },
  committedAt: { type: 'date', format: 'strict_date_optional_time' },
  receivedate: { type: 'date', format: 'strict_date' },
});

/** The `mappings` of every tenant index (a fresh copy on each call). */
export function searchDocumentMappings(): Record<string, unknown> {
  return structuredClone({
    dynamic: 'strict',
    _source: { enabled: true },
    _meta: { mapping_version: MAPPING_VERSION },
    properties: { vigilo, report },
  });
}

/**
 * Deepest `from + size` a search may reach: openFDA's `skip` goes to 25,000 with `limit` up to 1,000 (deeper
 * pages use `search_after`, which this does not limit).
 */
export const MAX_RESULT_WINDOW = 26_000;

/** Index settings the adapter controls; resolved from the factory options and TenantIndexSettings. */
export interface ResolvedIndexSettings {
  readonly shards: number;
  readonly replicas: number;
  /** Engine time value, e.g. `1s`; `-1` disables periodic refresh. */
  readonly refreshInterval: string;
  /** Engine time value for `index.gc_deletes`; undefined keeps the engine default (60s). */
  readonly gcDeletes: string | undefined;
}

/** The settings of a tenant's indices, as they go into the template. */
export function indexSettings(settings: ResolvedIndexSettings): Record<string, unknown> {
  return {
    number_of_shards: settings.shards,
    number_of_replicas: settings.replicas,
    // Set explicitly: with no explicit refresh_interval, a shard that sees no search for 30 s
    // stops refreshing in the background ("search idle"), which delays freshness.
    refresh_interval: settings.refreshInterval,
    max_result_window: MAX_RESULT_WINDOW,
    ...(settings.gcDeletes === undefined ? {} : { gc_deletes: settings.gcDeletes }),
    analysis: { normalizer: { [LOWERCASE_NORMALIZER]: { type: 'custom', char_filter: [], filter: ['lowercase'] } } },
  };
}

/**
 * Dynamic settings `ensureTenant` converges on an existing write index, as flat keys with the
 * engine's string values (null = engine default).
 */
export function dynamicIndexSettings(settings: ResolvedIndexSettings): Record<string, string | null> {
  return {
    'index.number_of_replicas': String(settings.replicas),
    'index.refresh_interval': settings.refreshInterval,
    'index.max_result_window': String(MAX_RESULT_WINDOW),
    'index.gc_deletes': settings.gcDeletes ?? null,
  };
}

/** Key of `_meta` holding the hash of the template's content, so unchanged templates are not re-put. */
export const TEMPLATE_HASH_META_KEY = 'content_hash';

/** The composable index template of one tenant, with a content hash in `_meta`. */
export function indexTemplateBody(
  names: TenantIndexNames,
  tenant: string,
  settings: ResolvedIndexSettings,
): Record<string, unknown> {
  const body = {
    index_patterns: [names.indexPattern],
    priority: TEMPLATE_PRIORITY,
    version: MAPPING_VERSION,
    // No aliases here: a new generation must not join the read alias before it is filled.
    template: { settings: indexSettings(settings), mappings: searchDocumentMappings() },
    _meta: { managed_by: 'vigilo', tenant, mapping_version: MAPPING_VERSION } as Record<string, unknown>,
  };
  body._meta[TEMPLATE_HASH_META_KEY] = hashCanonical(canonicalJson(body));
  return body;
}
