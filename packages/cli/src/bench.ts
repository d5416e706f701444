import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '@vigilo/errors';

/** The benchmarks under bench/, each a script that prints its figures against a baseline of the same run. */
export const BENCHMARKS = {
  ingest: 'bulk ingest through the API vs raw COPY of the same rows',
  index: 'the indexer vs raw _bulk of the same documents; freshness under a steady ingest rate',
  search: 'the search service on the engine vs the SQL fallback, mixed openFDA workload at 50 clients',
  proxy: 'latency and throughput through the proxy vs directly to the search service',
  operator: '100 Tenants applied at once until Ready; the steady-state cost of resyncs',
} as const;
export type BenchmarkName = keyof typeof BENCHMARKS;

/** The repository checkout this CLI runs from (bench/ is not part of the images). */
function repositoryRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
}

/**
 * Runs `bench/<name>/run.sh` with the given arguments, its output on this terminal; resolves with its exit code.
 * The scripts start what they need (PostgreSQL, engines, the emulator, an apiserver) with scripts/infra.
 */
export function runBenchmark(name: BenchmarkName, args: readonly string[], signal?: AbortSignal): Promise<number> {
  const script = path.join(repositoryRoot(), 'bench', name, 'run.sh');
  if (!existsSync(script)) throw new InputError(`No benchmark script at ${script}: benchmarks run from a checkout of the repository`, { code: 'VIG_NOT_FOUND' });
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: 'inherit', ...(signal ? { signal } : {}) });
    child.once('error', (error) => (error.name === 'AbortError' ? resolve(130) : reject(error)));
    child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 + 2 : 1)));
  });
}
