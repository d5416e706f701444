import { QueryError, parseSearch } from '@vigilo/query/browser';
import type { Estimate, SignalRow, TimeCount } from './api.js';

/** Why a search cannot run, and where: the same code and offset the search service would answer with. */
export interface SearchProblem {
  readonly code: string;
  readonly message: string;
  /** 0-based offset in the search text. */
  readonly position: number;
}

/**
 * Checks a search as the user types, with the grammar and resolver the search service runs, so the page shows
 * the error before a request is made. An empty search matches every report.
 */
export function checkSearch(text: string): SearchProblem | undefined {
  if (text.trim() === '') return undefined;
  try {
    parseSearch(text);
    return undefined;
  } catch (error) {
    if (error instanceof QueryError) return { code: error.code, message: error.message, position: Math.min(Math.max(0, error.position), text.length) };
    return { code: 'VIG_QUERY_SYNTAX', message: error instanceof Error ? error.message : String(error), position: 0 };
  }
}

export interface MonthCount {
  /** First day of the month, UTC. */
  readonly month: Date;
  readonly count: number;
}

/** Sums a daily series (`YYYYMMDD`) into calendar months, gaps filled with zero so a line chart shows them. */
export function monthlySeries(daily: readonly TimeCount[]): MonthCount[] {
  const totals = new Map<number, number>();
  for (const { time, count } of daily) {
    if (!/^\d{8}$/.test(time)) continue;
    const key = Number(time.slice(0, 4)) * 12 + (Number(time.slice(4, 6)) - 1);
    totals.set(key, (totals.get(key) ?? 0) + count);
  }
  if (totals.size === 0) return [];
  const keys = [...totals.keys()];
  const first = Math.min(...keys);
  const last = Math.max(...keys);
  const series: MonthCount[] = [];
  for (let key = first; key <= last; key++) {
    series.push({ month: new Date(Date.UTC(Math.floor(key / 12), key % 12, 1)), count: totals.get(key) ?? 0 });
  }
  return series;
}

export interface ForestRow {
  readonly label: string;
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
  readonly evans: boolean;
}

/** The estimates a forest plot can show: the two ratios on a log scale around 1, IC on a linear scale around 0. */
export type ForestEstimate = 'ror' | 'prr' | 'ic';

/**
 * The rows a forest plot of one estimate can draw: those with a finite estimate and interval, positive for the
 * ratios (a zero cell leaves PRR or ROR undefined; the table still shows those rows; IC is always defined).
 */
export function forestRows(rows: readonly SignalRow[], estimate: ForestEstimate, label: (row: SignalRow) => string): ForestRow[] {
  const out: ForestRow[] = [];
  for (const row of rows) {
    const { value, lower, upper } = row[estimate];
    if (value === null || lower === null || upper === null) continue;
    if (![value, lower, upper].every((x) => Number.isFinite(x) && (estimate === 'ic' || x > 0))) continue;
    out.push({ label: label(row), value, lower, upper, evans: row.evans_signal });
  }
  return out;
}

/** `2.31 (1.10–4.85)`, or `–` where the estimate is undefined. */
export function formatEstimate(estimate: Estimate, digits = 2): string {
  const f = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits));
  if (estimate.value === null) return '–';
  return `${f(estimate.value)} (${f(estimate.lower)}–${f(estimate.upper)})`;
}

/** `20170406` → `2017-04-06`; partial dates (`2017`, `201704`) keep what they have. */
export function formatDay(value: string | undefined): string {
  if (!value) return '–';
  if (/^\d{8}$/.test(value)) return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`;
  if (/^\d{6}$/.test(value)) return `${value.slice(0, 4)}-${value.slice(4, 6)}`;
  return value;
}

/** E2B's drug characterisation codes. */
export const DRUG_ROLE: Readonly<Record<string, string>> = { '1': 'suspect', '2': 'concomitant', '3': 'interacting' };

/** E2B's patient sex codes. */
export const PATIENT_SEX: Readonly<Record<string, string>> = { '0': 'unknown', '1': 'male', '2': 'female' };

/** E2B's reaction outcome codes. */
export const REACTION_OUTCOME: Readonly<Record<string, string>> = {
  '1': 'recovered',
  '2': 'recovering',
  '3': 'not recovered',
  '4': 'recovered with sequelae',
  '5': 'fatal',
  '6': 'unknown',
};

/** The reporter qualification codes of E2B (C.2.r.4). */
export const REPORTER_QUALIFICATION: Readonly<Record<string, string>> = {
  '1': 'physician',
  '2': 'pharmacist',
  '3': 'other health professional',
  '4': 'lawyer',
  '5': 'consumer',
};
