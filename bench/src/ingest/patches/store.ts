import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { isNullification, type ReportToStore } from '@vigilo/domain';
import { PostgresReportStore, type PoolClient } from '@vigilo/postgres';

/** COPY text format: only backslash needs escaping in JSON (it has no raw tab, newline or CR). */
const textField = (value: string): string => (value.includes('\\') ? value.replace(/\\/g, '\\\\') : value);
const csvField = (value: string): string => `"${value.replace(/"/g, '""')}"`;

/**
 * Wraps PostgresReportStore's private fillStaging (same staging table, same
 * rows): `lz4` sets the session's TOAST compression first; `textCopy`
 * replaces the large-batch CSV COPY with COPY text format (small batches
 * keep the original INSERT ... unnest). For trees before commit 0a6c4d0,
 * which switched to text format itself.
 */
export function patchStore(options: { textCopy: boolean; lz4: boolean }): void {
  const proto = PostgresReportStore.prototype as unknown as {
    fillStaging(this: { useCopy: boolean; copyThreshold: number }, client: PoolClient, reports: readonly ReportToStore[]): Promise<void>;
  };
  const original = proto.fillStaging;
  proto.fillStaging = async function (client, reports) {
    // TOAST compression happens when the staging row is written; the INSERT into
    // report_versions keeps the compressed datum as it is.
    if (options.lz4) await client.query('SET LOCAL default_toast_compression = lz4');
    if (!options.textCopy || !(this.useCopy && reports.length >= this.copyThreshold)) return original.call(this, client, reports);
    const lines = (function* () {
      let line = 0;
      for (const { report, contentHash } of reports) {
        line++;
        yield options.textCopy
          ? `${line}\t${textField(report.safetyreportid)}\t${report.safetyreportversion}\t${textField(JSON.stringify(report))}\t${contentHash}\t${isNullification(report)}\n`
          : `${line},${csvField(report.safetyreportid)},${report.safetyreportversion},${csvField(JSON.stringify(report))},${contentHash},${isNullification(report)}\n`;
      }
    })();
    const sql = options.textCopy ? 'COPY vigilo_staging FROM STDIN' : 'COPY vigilo_staging FROM STDIN WITH (FORMAT csv)';
    await pipeline(Readable.from(lines), client.query(copyFrom(sql)));
  };
}
