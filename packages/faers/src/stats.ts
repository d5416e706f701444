import type { AdverseEventReport } from '@vigilo/domain';
import type { FaersDropReason, FaersRecord, FaersSkipReason } from './types.js';

/** Counts over a set of reports. */
export interface FaersReportCounts {
  /** Distinct safetyreportid. */
  cases: number;
  /** Reports (versions). */
  versions: number;
  /** Drugs by drugcharacterization: 1 suspect (PS+SS), 2 concomitant (C), 3 interacting (I). */
  drugs: { suspect: number; concomitant: number; interacting: number };
  reactions: number;
  /** Reports with serious = 1 / 2, and with each seriousness criterion set. */
  seriousness: {
    serious: number;
    notSerious: number;
    death: number;
    lifeThreatening: number;
    hospitalization: number;
    disabling: number;
    congenitalAnomaly: number;
    other: number;
  };
}

/** What the importer reads from a quarter. */
export interface FaersStats {
  /** DEMO rows read: one record each (report or skipped). */
  records: number;
  /** Distinct case ids over all records, reports or skipped. */
  casesRead: number;
  /** Every report produced (all versions). */
  all: FaersReportCounts;
  /** The highest version of each case among the reports produced. */
  current: FaersReportCounts;
  skipped: Partial<Record<FaersSkipReason, number>>;
  dropped: Partial<Record<FaersDropReason, number>>;
}

interface ReportSummary {
  version: number;
  suspect: number;
  concomitant: number;
  interacting: number;
  reactions: number;
  flags: number;
}

const FLAG_BITS = {
  serious: 1,
  seriousnessdeath: 2,
  seriousnesslifethreatening: 4,
  seriousnesshospitalization: 8,
  seriousnessdisabling: 16,
  seriousnesscongenitalanomali: 32,
  seriousnessother: 64,
} as const;

function summarise(report: AdverseEventReport): ReportSummary {
  const summary: ReportSummary = { version: report.safetyreportversion, suspect: 0, concomitant: 0, interacting: 0, reactions: 0, flags: 0 };
  for (const drug of report.patient.drug) {
    if (drug.drugcharacterization === '1') summary.suspect += 1;
    else if (drug.drugcharacterization === '2') summary.concomitant += 1;
    else if (drug.drugcharacterization === '3') summary.interacting += 1;
  }
  summary.reactions = report.patient.reaction.length;
  if (report.serious === '1') summary.flags |= FLAG_BITS.serious;
  for (const [field, bit] of Object.entries(FLAG_BITS)) {
    if (field !== 'serious' && report[field as keyof AdverseEventReport] === '1') summary.flags |= bit;
  }
  return summary;
}

function emptyCounts(): FaersReportCounts {
  return {
    cases: 0,
    versions: 0,
    drugs: { suspect: 0, concomitant: 0, interacting: 0 },
    reactions: 0,
    seriousness: { serious: 0, notSerious: 0, death: 0, lifeThreatening: 0, hospitalization: 0, disabling: 0, congenitalAnomaly: 0, other: 0 },
  };
}

function addTo(counts: FaersReportCounts, summary: ReportSummary): void {
  counts.versions += 1;
  counts.drugs.suspect += summary.suspect;
  counts.drugs.concomitant += summary.concomitant;
  counts.drugs.interacting += summary.interacting;
  counts.reactions += summary.reactions;
  const s = counts.seriousness;
  if (summary.flags & FLAG_BITS.serious) s.serious += 1;
  else s.notSerious += 1;
  if (summary.flags & FLAG_BITS.seriousnessdeath) s.death += 1;
  if (summary.flags & FLAG_BITS.seriousnesslifethreatening) s.lifeThreatening += 1;
  if (summary.flags & FLAG_BITS.seriousnesshospitalization) s.hospitalization += 1;
  if (summary.flags & FLAG_BITS.seriousnessdisabling) s.disabling += 1;
  if (summary.flags & FLAG_BITS.seriousnesscongenitalanomali) s.congenitalAnomaly += 1;
  if (summary.flags & FLAG_BITS.seriousnessother) s.other += 1;
}

/**
 * Aggregates records as they stream by. Memory: one small summary per case
 * (to know each case's current version), nothing per drug or reaction.
 */
export class FaersStatsCollector {
  private records = 0;
  private readonly caseIds = new Set<string>();
  private readonly all = emptyCounts();
  private readonly currentByCase = new Map<string, ReportSummary>();
  private readonly skipped: Partial<Record<FaersSkipReason, number>> = {};
  private readonly dropped: Partial<Record<FaersDropReason, number>> = {};

  add(record: FaersRecord): void {
    this.records += 1;
    if (record.source.caseid !== '') this.caseIds.add(record.source.caseid);
    for (const [reason, count] of Object.entries(record.dropped) as [FaersDropReason, number][]) {
      this.dropped[reason] = (this.dropped[reason] ?? 0) + count;
    }
    if (record.kind === 'skipped') {
      this.skipped[record.reason] = (this.skipped[record.reason] ?? 0) + 1;
      return;
    }
    const summary = summarise(record.report);
    addTo(this.all, summary);
    const id = record.report.safetyreportid;
    const previous = this.currentByCase.get(id);
    if (previous === undefined || summary.version > previous.version) this.currentByCase.set(id, summary);
  }

  result(): FaersStats {
    const all: FaersReportCounts = structuredClone(this.all);
    all.cases = this.currentByCase.size;
    const current = emptyCounts();
    for (const summary of this.currentByCase.values()) addTo(current, summary);
    current.cases = this.currentByCase.size;
    return {
      records: this.records,
      casesRead: this.caseIds.size,
      all,
      current,
      skipped: sortKeys(this.skipped),
      dropped: sortKeys(this.dropped),
    };
  }
}

function sortKeys<K extends string>(counts: Partial<Record<K, number>>): Partial<Record<K, number>> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as Partial<Record<K, number>>;
}

/** Reads every record of an iterable and returns the aggregate. */
export async function collectFaersStats(records: AsyncIterable<FaersRecord>): Promise<FaersStats> {
  const collector = new FaersStatsCollector();
  for await (const record of records) collector.add(record);
  return collector.result();
}
