import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import { Empirical } from './prng.js';

/**
 * Empirical distributions taken from real FAERS / AERS quarterly extracts
 * (the fixtures in ../shared/fixtures/faers): how many drugs and reactions a
 * report has, how popular each drug name and reaction term is, the role of
 * the first and the other drugs, routes, sex, age, countries, outcomes.
 * The generator samples from these, so a synthetic report looks like a
 * FAERS report in shape and skew (a few drugs and terms dominate).
 */
export interface FaersProfile {
  readonly sources: readonly string[];
  readonly reports: number;
  readonly drugsPerReport: Empirical<number>;
  readonly reactionsPerReport: Empirical<number>;
  /** DRUG.drugname, trimmed and upper-cased. */
  readonly drugNames: Empirical<string>;
  /** The most frequent DRUG.prod_ai per drug name, where the quarter has that column. */
  readonly activeSubstance: ReadonlyMap<string, string>;
  /** REAC.pt, trimmed and upper-cased. */
  readonly reactionTerms: Empirical<string>;
  /** DRUG.role_cod of the first drug of a report, as drugcharacterization. */
  readonly firstDrugRole: Empirical<string>;
  /** DRUG.role_cod of the other drugs. */
  readonly otherDrugRole: Empirical<string>;
  /** DRUG.route as an E2B route code; '' when absent or unmapped. */
  readonly routes: Empirical<string>;
  /** DRUG.dose_form; '' when absent. */
  readonly doseForms: Empirical<string>;
  /** DRUG.dose_vbm (verbatim dose, free text); '' when absent. */
  readonly doseTexts: Empirical<string>;
  /** INDI.indi_pt, upper-cased. */
  readonly indications: Empirical<string>;
  /** Share of drugs with an indication row. */
  readonly indicationShare: number;
  /** Patient sex as E2B code; '' when absent. */
  readonly sex: Empirical<string>;
  /** `age|unit` (E2B age unit code); '' when absent. */
  readonly ages: Empirical<string>;
  /** Weight in kilograms; '' when absent. */
  readonly weights: Empirical<string>;
  /** Country of occurrence (ISO alpha-2); '' when absent. */
  readonly countries: Empirical<string>;
  /** Reporter qualification code; '' when absent. */
  readonly qualifications: Empirical<string>;
  /** Seriousness criteria of a report (sorted, comma-separated field names); '' when not serious. */
  readonly seriousness: Empirical<string>;
  /** DEMO.mfr_sndr (manufacturer sender); '' when absent. */
  readonly senders: Empirical<string>;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURE_NAMES = ['faers_ascii_2017q2.zip', 'aers_ascii_2004q1.zip'];

/**
 * The two fixture quarters: from ../shared/fixtures/faers (every developer
 * and CI has it), else the copy in packages/faers/fixtures.
 */
export function defaultFixtures(): string[] {
  for (const dir of [path.resolve(REPO_ROOT, '../shared/fixtures/faers'), path.join(REPO_ROOT, 'packages/faers/fixtures')]) {
    const paths = FIXTURE_NAMES.map((f) => path.join(dir, f));
    if (paths.every((p) => existsSync(p))) return paths;
  }
  throw new Error(`FAERS fixtures not found (${FIXTURE_NAMES.join(', ')} in ../shared/fixtures/faers or packages/faers/fixtures)`);
}

type Row = Record<string, string>;
interface Tables {
  DEMO: Row[];
  DRUG: Row[];
  REAC: Row[];
  OUTC: Row[];
  INDI: Row[];
}
const WANTED = ['DEMO', 'DRUG', 'REAC', 'OUTC', 'INDI'] as const;

/** Reads the wanted tables of one quarterly zip (`$`-separated, header row, Windows-1252). */
export async function readQuarter(zipPath: string): Promise<Tables> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  const tables: Tables = { DEMO: [], DRUG: [], REAC: [], OUTC: [], INDI: [] };
  try {
    for await (const entry of zip.eachEntry()) {
      const match = /(?:^|\/)([A-Z]{4})\d{2}Q\d\.txt$/i.exec(entry.fileName);
      const table = match?.[1]?.toUpperCase() as (typeof WANTED)[number] | undefined;
      if (!table || !WANTED.includes(table)) continue;
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const text = new TextDecoder('windows-1252').decode(Buffer.concat(chunks));
      const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
      const header = (lines.shift() ?? '').split('$').map((h) => h.trim().toLowerCase());
      for (const line of lines) {
        const cells = line.split('$');
        const row: Row = {};
        header.forEach((h, i) => (row[h] = (cells[i] ?? '').trim()));
        tables[table].push(row);
      }
    }
  } finally {
    zip.close();
  }
  for (const t of WANTED) if (tables[t].length === 0) throw new Error(`${zipPath} has no ${t} table`);
  return tables;
}

const ROLE: Record<string, string> = { PS: '1', SS: '1', C: '2', I: '3' };
const SEX: Record<string, string> = { M: '1', F: '2', UNK: '0' };
const AGE_UNIT: Record<string, string> = { DEC: '800', YR: '801', YRS: '801', MON: '802', WK: '803', WEEK: '803', DY: '804', DAY: '804', HR: '805' };
const QUALIFICATION: Record<string, string> = { MD: '1', PH: '2', OT: '3', HP: '3', LW: '4', CN: '5' };
const SERIOUSNESS: Record<string, string> = {
  DE: 'seriousnessdeath',
  LT: 'seriousnesslifethreatening',
  HO: 'seriousnesshospitalization',
  DS: 'seriousnessdisabling',
  CA: 'seriousnesscongenitalanomali',
  RI: 'seriousnessother',
  OT: 'seriousnessother',
};
/** E2B route codes of the route spellings found in FAERS and AERS. */
const ROUTE: Record<string, string> = {
  ORAL: '048',
  UNKNOWN: '065',
  INTRAVENOUS: '042',
  'INTRAVENOUS (NOT OTHERWISE SPECIFIED)': '042',
  'INTRAVENOUS NOS': '042',
  'INTRAVENOUS DRIP': '041',
  'INTRAVENOUS BOLUS': '040',
  SUBCUTANEOUS: '058',
  INTRAMUSCULAR: '030',
  OTHER: '050',
  INTRATHECAL: '037',
  TRANSDERMAL: '062',
  'RESPIRATORY (INHALATION)': '055',
  INHALATION: '055',
  OPHTHALMIC: '047',
  TOPICAL: '061',
  CUTANEOUS: '003',
  NASAL: '045',
  RECTAL: '054',
  VAGINAL: '067',
  SUBLINGUAL: '060',
  BUCCAL: '002',
  PARENTERAL: '051',
  INTRAVESICAL: '043',
  'INTRA-ARTICULAR': '014',
  INTRAOCULAR: '031',
  INTRAVITREAL: '050',
  EPIDURAL: '008',
  INTRADERMAL: '023',
};
const NUMBER = /^[0-9]{1,6}(\.[0-9]{1,4})?$/;
const WEIGHT_TO_KG: Record<string, number> = { KG: 1, KGS: 1, LBS: 0.45359237, LB: 0.45359237 };

/** Reads the quarters and derives the distributions the generator samples from. */
export async function loadFaersProfile(zipPaths: readonly string[] = defaultFixtures()): Promise<FaersProfile> {
  const drugsPerReport: number[] = [];
  const reactionsPerReport: number[] = [];
  const drugNames: string[] = [];
  const substances = new Map<string, Map<string, number>>();
  const terms: string[] = [];
  const firstRoles: string[] = [];
  const otherRoles: string[] = [];
  const routes: string[] = [];
  const forms: string[] = [];
  const doseTexts: string[] = [];
  const indications: string[] = [];
  let drugsWithIndication = 0;
  let drugRows = 0;
  const sexes: string[] = [];
  const ages: string[] = [];
  const weights: string[] = [];
  const countries: string[] = [];
  const qualifications: string[] = [];
  const seriousness: string[] = [];
  const senders: string[] = [];
  let reports = 0;

  for (const zipPath of zipPaths) {
    const t = await readQuarter(zipPath);
    const key = (row: Row) => row['primaryid'] ?? row['isr'] ?? '';
    const group = (rows: Row[]) => {
      const byKey = new Map<string, Row[]>();
      for (const row of rows) {
        const k = key(row);
        let list = byKey.get(k);
        if (!list) byKey.set(k, (list = []));
        list.push(row);
      }
      return byKey;
    };
    const drugs = group(t.DRUG);
    const reacs = group(t.REAC);
    const outcs = group(t.OUTC);
    const indiKeys = new Set(t.INDI.map((r) => `${key(r)}|${r['indi_drug_seq'] ?? r['drug_seq']}`));
    for (const r of t.INDI) if (r['indi_pt']) indications.push(r['indi_pt'].toUpperCase());

    for (const demo of t.DEMO) {
      const k = key(demo);
      const reportDrugs = (drugs.get(k) ?? []).slice().sort((a, b) => Number(a['drug_seq']) - Number(b['drug_seq']));
      const reportReacs = reacs.get(k) ?? [];
      if (reportDrugs.length === 0 || reportReacs.length === 0) continue;
      reports++;
      drugsPerReport.push(reportDrugs.length);
      reactionsPerReport.push(reportReacs.length);
      reportDrugs.forEach((d, i) => {
        drugRows++;
        const name = (d['drugname'] ?? '').toUpperCase();
        if (name) drugNames.push(name);
        const ai = (d['prod_ai'] ?? '').toUpperCase();
        if (name && ai) {
          let m = substances.get(name);
          if (!m) substances.set(name, (m = new Map()));
          m.set(ai, (m.get(ai) ?? 0) + 1);
        }
        const role = ROLE[(d['role_cod'] ?? '').toUpperCase()];
        if (role) (i === 0 ? firstRoles : otherRoles).push(role);
        routes.push(ROUTE[(d['route'] ?? '').toUpperCase()] ?? '');
        forms.push(d['dose_form'] ?? '');
        doseTexts.push(d['dose_vbm'] ?? '');
        if (indiKeys.has(`${k}|${d['drug_seq']}`)) drugsWithIndication++;
      });
      for (const r of reportReacs) if (r['pt']) terms.push(r['pt'].toUpperCase());
      sexes.push(SEX[(demo['sex'] ?? demo['gndr_cod'] ?? '').toUpperCase()] ?? '');
      const unit = AGE_UNIT[(demo['age_cod'] ?? '').toUpperCase()];
      const age = demo['age'] ?? '';
      ages.push(unit && NUMBER.test(age) ? `${age}|${unit}` : '');
      const wtFactor = WEIGHT_TO_KG[(demo['wt_cod'] ?? '').toUpperCase()];
      const wt = Number(demo['wt']);
      weights.push(wtFactor && wt > 0 ? String(Math.round(wt * wtFactor * 10) / 10) : '');
      const country = (demo['occr_country'] ?? '').toUpperCase();
      countries.push(/^[A-Z]{2}$/.test(country) ? country : '');
      qualifications.push(QUALIFICATION[(demo['occp_cod'] ?? '').toUpperCase()] ?? '');
      const criteria = new Set<string>();
      for (const o of outcs.get(k) ?? []) {
        const field = SERIOUSNESS[(o['outc_cod'] ?? '').toUpperCase()];
        if (field) criteria.add(field);
      }
      seriousness.push([...criteria].sort().join(','));
      senders.push(demo['mfr_sndr'] ?? '');
    }
  }

  const activeSubstance = new Map<string, string>();
  for (const [name, m] of substances) activeSubstance.set(name, [...m].sort((a, b) => b[1] - a[1])[0]![0]);
  return {
    sources: zipPaths.map((p) => path.basename(p)),
    reports,
    drugsPerReport: Empirical.of(drugsPerReport),
    reactionsPerReport: Empirical.of(reactionsPerReport),
    drugNames: Empirical.of(drugNames),
    activeSubstance,
    reactionTerms: Empirical.of(terms),
    firstDrugRole: Empirical.of(firstRoles),
    otherDrugRole: Empirical.of(otherRoles),
    routes: Empirical.of(routes),
    doseForms: Empirical.of(forms),
    doseTexts: Empirical.of(doseTexts),
    indications: Empirical.of(indications),
    indicationShare: drugRows ? drugsWithIndication / drugRows : 0,
    sex: Empirical.of(sexes),
    ages: Empirical.of(ages),
    weights: Empirical.of(weights),
    countries: Empirical.of(countries),
    qualifications: Empirical.of(qualifications),
    seriousness: Empirical.of(seriousness),
    senders: Empirical.of(senders),
  };
}

/** A short, human-readable description of a profile (for logs and docs). */
export function describeProfile(p: FaersProfile): Record<string, unknown> {
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    sources: p.sources,
    reports: p.reports,
    meanDrugsPerReport: round(p.drugsPerReport.mean((v) => v)),
    maxDrugsPerReport: Math.max(...p.drugsPerReport.values),
    meanReactionsPerReport: round(p.reactionsPerReport.mean((v) => v)),
    maxReactionsPerReport: Math.max(...p.reactionsPerReport.values),
    distinctDrugNames: p.drugNames.values.length,
    top10DrugShare: round(p.drugNames.topShare(10)),
    topDrugs: p.drugNames.values.slice(0, 5),
    distinctReactionTerms: p.reactionTerms.values.length,
    top10ReactionShare: round(p.reactionTerms.topShare(10)),
    topReactions: p.reactionTerms.values.slice(0, 5),
  };
}
