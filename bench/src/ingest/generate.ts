import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { validateReport } from '@vigilo/domain';
import { ReportGenerator } from './generator.js';
import { type FaersProfile } from './profile.js';

export interface GeneratedFile {
  readonly path: string;
  readonly reports: number;
  readonly bytes: number;
  readonly seconds: number;
}

/**
 * Writes `count` synthetic reports as NDJSON (one JSON document per line).
 * Every report is checked with validateReport first; an invalid one is a
 * bug of the generator and stops the run.
 */
export async function writeReports(
  file: string,
  profile: FaersProfile,
  options: { count: number; seed: number; idPrefix?: string; validate?: boolean },
): Promise<GeneratedFile> {
  const started = process.hrtime.bigint();
  const generator = new ReportGenerator(profile, { seed: options.seed, ...(options.idPrefix ? { idPrefix: options.idPrefix } : {}) });
  const out = createWriteStream(file);
  let bytes = 0;
  let buffer = '';
  for (let i = 0; i < options.count; i++) {
    const report = generator.next();
    if (options.validate ?? true) {
      const result = validateReport(report);
      if (!result.ok) throw new Error(`generated report ${report.safetyreportid} is invalid: ${JSON.stringify(result.violations)}`);
    }
    buffer += JSON.stringify(report) + '\n';
    if (buffer.length > 1 << 20) {
      bytes += Buffer.byteLength(buffer);
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  bytes += Buffer.byteLength(buffer);
  out.end(buffer);
  await once(out, 'finish');
  return { path: file, reports: options.count, bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
