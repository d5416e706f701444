import { deidentify } from './deidentify.js';
import { partialDateToIso } from './dates.js';
import type { AdverseEventReport } from './report.js';

/**
 * What the search engine stores for one report: the de-identified report in
 * openFDA's shape (drugs and reactions stay arrays of objects, indexed as
 * `nested`), plus `vigilo` metadata. A nullified report is written as a
 * tombstone (`vigilo.nullified: true`, no report fields) so that the engine's
 * external version keeps blocking older writes forever (a real delete would
 * forget its version after `index.gc_deletes`); reads filter tombstones out.
 */
export interface SearchDocument {
  readonly vigilo: {
    readonly tenant: string;
    readonly safetyreportid: string;
    readonly version: number;
    readonly nullified: boolean;
    /** When SQL committed this version (ISO 8601), for freshness metrics. */
    readonly committedAt: string;
    /** receivedate as an ISO date (YYYY-MM-DD, or the first day of a partial date), for date fields. */
    readonly receivedate?: string;
  };
  readonly report?: AdverseEventReport;
}

function isoDay(partial: string | undefined): string | undefined {
  if (!partial) return undefined;
  const iso = partialDateToIso(partial);
  return iso.length === 10 ? iso : iso.length === 7 ? `${iso}-01` : `${iso}-01-01`;
}

/** Builds the search document of a stored version. Pure; the only path from SQL content to the engine. */
export function toSearchDocument(input: {
  tenant: string;
  content: AdverseEventReport;
  version: number;
  nullified: boolean;
  committedAt: Date;
}): SearchDocument {
  const meta = {
    tenant: input.tenant,
    safetyreportid: input.content.safetyreportid,
    version: input.version,
    nullified: input.nullified,
    committedAt: input.committedAt.toISOString(),
  };
  if (input.nullified) return { vigilo: meta };
  const receivedate = isoDay(input.content.receivedate);
  return { vigilo: receivedate ? { ...meta, receivedate } : meta, report: deidentify(input.content) };
}
