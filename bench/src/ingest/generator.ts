import type { AdverseEventReport, Drug, Reaction } from '@vigilo/domain';
import type { FaersProfile } from './profile.js';
import { Rng } from './prng.js';

/**
 * Synthetic adverse event reports shaped like FAERS: the number of drugs and
 * reactions per report, drug names, reaction terms, roles, routes, sex, age,
 * countries and seriousness are drawn from the empirical distributions of
 * the fixture quarters. Personal-data fields (initials, batch numbers,
 * reporter names, a 200-800 character narrative) are filled in so that the
 * payload has a realistic size. Deterministic for a given seed.
 */
export interface GeneratorOptions {
  seed: number;
  /** Prefix of safetyreportid; the report's index follows, zero-padded. @default 'SYN-' */
  idPrefix?: string;
  /** Narrative length range in characters. @default [200, 800] */
  narrativeLength?: readonly [number, number];
}

const GIVEN = ['Maria', 'James', 'Anna', 'Ahmed', 'Chen', 'Laura', 'Pierre', 'Sofia', 'David', 'Yuki', 'Olga', 'Kwame', 'Elena', 'Raj', 'Grace', 'Tomas'];
const FAMILY = ['Smith', 'Garcia', 'Muller', 'Rossi', 'Kowalski', 'Nguyen', 'Okafor', 'Tanaka', 'Dubois', 'Johansson', 'Patel', 'Silva', 'Novak', 'Byrne'];
const CITIES = ['Springfield', 'Lyon', 'Leeds', 'Porto', 'Graz', 'Tampere', 'Osaka', 'Ghent', 'Cork', 'Bologna'];
const ORGS = ['General Hospital', 'University Medical Center', 'Community Pharmacy', 'Family Practice', 'Regional Clinic'];
const OUTCOMES = ['1', '1', '2', '2', '3', '6', '6', '6'];
const FILLER = [
  'Medical history was not reported.',
  'Concomitant medications were not otherwise specified.',
  'The patient was treated symptomatically and monitored closely.',
  'Laboratory values at the time of the event were within normal limits except as noted.',
  'The reporter considered the event possibly related to the suspect drug.',
  'No further information is expected from the reporter.',
  'The dose was not changed and the event resolved over the following days.',
  'The patient had no known drug allergies.',
  'A causality assessment was not provided by the sender.',
  'The event was considered medically significant by the reporting physician.',
  'Follow-up information was requested but not received.',
  'The patient was hospitalised for observation and discharged in stable condition.',
  'Relevant tests included a complete blood count and liver function tests.',
  'The suspect product was withdrawn and the patient recovered.',
  'The lot number was checked and no quality complaint was found.',
];

const pad2 = (n: number) => String(n).padStart(2, '0');
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

function chars(rng: Rng, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
  return s;
}

function date(rng: Rng, fromYear: number, toYear: number): string {
  return `${rng.int(fromYear, toYear)}${pad2(rng.int(1, 12))}${pad2(rng.int(1, 28))}`;
}

const cap = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

export class ReportGenerator {
  private readonly rng: Rng;
  private readonly idPrefix: string;
  private readonly narrativeLength: readonly [number, number];
  private index = 0;

  constructor(
    private readonly profile: FaersProfile,
    options: GeneratorOptions,
  ) {
    this.rng = new Rng(options.seed);
    this.idPrefix = options.idPrefix ?? 'SYN-';
    this.narrativeLength = options.narrativeLength ?? [200, 800];
  }

  /** The next report; its safetyreportid is the prefix and a running index. */
  next(): AdverseEventReport {
    const p = this.profile;
    const rng = this.rng;
    const i = this.index++;
    const receivedate = date(rng, 2004, 2017);
    const receiveYear = Number(receivedate.slice(0, 4));
    const country = p.countries.sample(rng) || 'US';
    const criteria = p.seriousness.sample(rng);
    const sender = p.senders.sample(rng);

    const nDrugs = p.drugsPerReport.sample(rng);
    const drugs: Drug[] = [];
    for (let d = 0; d < nDrugs; d++) {
      const name = cap(p.drugNames.sample(rng), 500);
      const role = (d === 0 ? p.firstDrugRole : p.otherDrugRole).sample(rng);
      const drug: Drug = { drugcharacterization: role, medicinalproduct: name };
      const substance = p.activeSubstance.get(name);
      if (substance) drug.activesubstance = { activesubstancename: cap(substance, 500) };
      if (role === '1' || rng.chance(0.2)) drug.drugbatchnumb = `${chars(rng, LETTERS, 2)}${chars(rng, DIGITS, 4)}${chars(rng, LETTERS, 1)}`;
      const doseText = p.doseTexts.sample(rng);
      if (doseText) drug.drugdosagetext = cap(doseText, 2000);
      const form = p.doseForms.sample(rng);
      if (form) drug.drugdosageform = cap(form, 100);
      const route = p.routes.sample(rng);
      if (route) drug.drugadministrationroute = route;
      if (rng.chance(p.indicationShare)) drug.drugindication = cap(p.indications.sample(rng), 250);
      if (rng.chance(0.3)) {
        drug.drugstartdate = date(rng, receiveYear - 2, receiveYear - 1);
        drug.drugstartdateformat = '102';
      }
      if (role === '1') drug.actiondrug = rng.pick(['1', '2', '4', '5', '6']);
      drugs.push(drug);
    }
    if (!drugs.some((d) => d.drugcharacterization === '1')) drugs[0]!.drugcharacterization = '1';

    const nReactions = p.reactionsPerReport.sample(rng);
    const seen = new Set<string>();
    const reactions: Reaction[] = [];
    for (let r = 0; r < nReactions; r++) {
      let term = p.reactionTerms.sample(rng);
      for (let tries = 0; seen.has(term) && tries < 5; tries++) term = p.reactionTerms.sample(rng);
      seen.add(term);
      const reaction: Reaction = { reactionmeddrapt: cap(term, 250), reactionmeddraversionpt: '20.0', reactionoutcome: criteria.includes('seriousnessdeath') && r === 0 ? '5' : rng.pick(OUTCOMES) };
      if (rng.chance(0.3)) reaction.primarysourcereaction = cap(`${term.toLowerCase()} after starting ${drugs[0]!.medicinalproduct.toLowerCase()}`, 500);
      if (rng.chance(0.3)) {
        reaction.reactionstartdate = date(rng, receiveYear - 1, receiveYear - 1);
        reaction.reactionstartdateformat = '102';
      }
      reactions.push(reaction);
    }

    const [age, ageUnit] = (p.ages.sample(rng) || '|').split('|') as [string, string];
    const sex = p.sex.sample(rng);
    const weight = p.weights.sample(rng);
    const qualification = p.qualifications.sample(rng);
    const initials = `${chars(rng, LETTERS, 1)}${chars(rng, LETTERS, rng.int(1, 2))}`;

    // Built field by field (patient last); the key order is the one FAERS-derived documents have.
    const report = {
      safetyreportid: `${this.idPrefix}${String(i).padStart(9, '0')}`,
      safetyreportversion: 1,
      receivedate,
      receivedateformat: '102',
      receiptdate: receivedate,
      receiptdateformat: '102',
      reporttype: rng.chance(0.85) ? '1' : '2',
      serious: criteria ? '1' : '2',
    } as AdverseEventReport;
    for (const field of criteria ? criteria.split(',') : []) (report as unknown as Record<string, string>)[field] = '1';
    report.fulfillexpeditecriteria = criteria ? '1' : '2';
    report.occurcountry = country;
    report.primarysourcecountry = country;
    report.companynumb = cap(`${country}-${(sender || 'SENDER').replace(/[^A-Za-z0-9]+/g, '').slice(0, 20).toUpperCase()}-${receiveYear}${chars(rng, DIGITS, 6)}`, 100);
    report.primarysource = { reportercountry: country };
    if (qualification) report.primarysource.qualification = qualification;
    if (qualification && qualification !== '5' && rng.chance(0.5)) {
      report.primarysource.reportergivename = rng.pick(GIVEN);
      report.primarysource.reporterfamilyname = rng.pick(FAMILY);
      report.primarysource.reporterorganization = `${rng.pick(CITIES)} ${rng.pick(ORGS)}`;
      report.primarysource.reportercity = rng.pick(CITIES);
    }
    if (sender) report.sender = { sendertype: '2', senderorganization: cap(sender, 200) };

    report.patient = { patientinitial: initials, drug: drugs, reaction: reactions };
    if (age && ageUnit) {
      report.patient.patientonsetage = age;
      report.patient.patientonsetageunit = ageUnit;
    }
    if (sex) report.patient.patientsex = sex;
    if (weight) report.patient.patientweight = weight;
    if (criteria.includes('seriousnessdeath')) report.patient.patientdeath = { patientdeathdate: receivedate.slice(0, 4), patientdeathdateformat: '602' };
    report.patient.summary = { narrativeincludeclinical: this.narrative(initials, age, ageUnit, sex, drugs, reactions) };
    return report;
  }

  private narrative(initials: string, age: string, ageUnit: string, sex: string, drugs: Drug[], reactions: Reaction[]): string {
    const rng = this.rng;
    const [min, max] = this.narrativeLength;
    const target = rng.int(min, max);
    const who = `${age && ageUnit === '801' ? `A ${age}-year-old` : 'A'} ${sex === '1' ? 'male' : sex === '2' ? 'female' : ''} patient (${initials})`.replace(/ +/g, ' ');
    const suspect = drugs.find((d) => d.drugcharacterization === '1') ?? drugs[0]!;
    const parts = [
      `${who} received ${suspect.medicinalproduct}${suspect.drugindication ? ` for ${suspect.drugindication.toLowerCase()}` : ''}${suspect.drugbatchnumb ? ` (lot ${suspect.drugbatchnumb})` : ''}.`,
      `The patient experienced ${reactions.map((r) => r.reactionmeddrapt.toLowerCase()).join(', ')}.`,
    ];
    if (drugs.length > 1) parts.push(`Other medications included ${drugs.slice(1, 6).map((d) => d.medicinalproduct).join(', ')}.`);
    let text = parts.join(' ');
    while (text.length < target) text += ' ' + rng.pick(FILLER);
    if (text.length > max) {
      const cut = text.lastIndexOf(' ', max);
      text = text.slice(0, cut > min ? cut : max);
    }
    return text;
  }
}
