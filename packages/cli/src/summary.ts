import type { FaersImportSummary } from './faers-import.js';

function breakdown(counts: Readonly<Record<string, number | undefined>>): string {
  const entries = Object.entries(counts).filter(([, n]) => (n ?? 0) > 0);
  return entries.length === 0 ? '' : ` (${entries.map(([key, n]) => `${key}: ${n}`).join(', ')})`;
}

const sum = (counts: Readonly<Record<string, number | undefined>>): number =>
  Object.values(counts).reduce<number>((total, n) => total + (n ?? 0), 0);

/** The human-readable end-of-import report. Identifiers and counts only. */
export function formatImportSummary(summary: FaersImportSummary): string {
  const label = `${summary.format === 'faers' ? 'FAERS' : 'legacy AERS'}${summary.quarter ? ` ${summary.quarter}` : ''}`;
  const lines = [
    `FAERS import of ${summary.zip} (${label}) into tenant ${summary.tenant}: ${summary.status}`,
    `  DEMO rows read    ${summary.records}`,
    `  cases read        ${summary.casesRead}`,
    `  versions sent     ${summary.versionsSent}`,
    `  created           ${summary.created}`,
    `  unchanged         ${summary.unchanged}`,
    `  rejected          ${summary.rejected}${breakdown(summary.rejectedByCode)}`,
    `  skipped           ${sum(summary.skippedByReason)}${breakdown(summary.skippedByReason)}`,
    `  batches           ${summary.batches} (${summary.requests} requests, ${summary.retries} retries)`,
  ];
  if (summary.orphanRows > 0 || summary.malformedLines > 0) {
    lines.push(`  unjoined rows     ${summary.orphanRows} orphan, ${summary.malformedLines} malformed lines`);
  }
  if (summary.rejectedSamples.length > 0) {
    lines.push('  first rejected:');
    for (const sample of summary.rejectedSamples) {
      lines.push(`    ${sample.safetyreportid ?? '?'} v${sample.safetyreportversion ?? '?'}: ${sample.code} (HTTP ${sample.status})`);
    }
  }
  if (summary.failure) {
    lines.push(`  failure           ${summary.failure.code}${summary.failure.status ? ` (HTTP ${summary.failure.status})` : ''}: ${summary.failure.message}`);
    if (summary.failure.code === 'VIG_AUTH_REQUIRED') {
      lines.push('  hint              give --token (through the proxy), or --scopes write to call a local ingest service directly');
    }
  }
  return `${lines.join('\n')}\n`;
}
