/**
 * What-if patches for the ingest service, loaded with
 * `node --import bench/lib/ingest/patches/register.js` (run.js --patch ...).
 * They let the benchmark measure a suggested change end to end before anyone
 * changes packages/ or services/. Never used by the product. The set is
 * chosen by VIGILO_BENCH_PATCHES (comma-separated):
 *
 *   canonical          canonicalJson as a plain loop (same text, fewer allocations)
 *   canonical-keylist  canonicalJson of a report as JSON.stringify(report, sorted schema keys)
 *   textcopy           staging rows in COPY text format instead of CSV (no quote doubling)
 *   lz4                TOAST compression lz4 for the staged content (SET LOCAL default_toast_compression)
 */
import { register } from 'node:module';

const patches = new Set((process.env['VIGILO_BENCH_PATCHES'] ?? '').split(',').map((p) => p.trim()).filter(Boolean));
const known = ['canonical', 'canonical-keylist', 'textcopy', 'lz4'];
for (const p of patches) if (!known.includes(p)) throw new Error(`unknown bench patch ${p} (known: ${known.join(', ')})`);

if (patches.has('canonical') || patches.has('canonical-keylist')) register('./hooks.js', import.meta.url);
if (patches.has('textcopy') || patches.has('lz4')) {
  const { patchStore } = await import('./store.js');
  patchStore({ textCopy: patches.has('textcopy'), lz4: patches.has('lz4') });
}
process.stderr.write(JSON.stringify({ message: 'bench patches applied', patches: [...patches] }) + '\n');
