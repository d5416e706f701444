#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `run.js --cpu-profile DIR`, which starts
 * the ingest service with --cpu-prof): self time by category and by
 * function, and inclusive time of the functions on the ingest path.
 *
 *   node bench/lib/ingest/cpuprofile.js bench/.data/profile/CPU.*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a function's self time belongs, judged by its file and name. */
export function categoryOf(frame: CallFrame): string {
  const { url, functionName: fn } = frame;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'V8/native (program)';
  if (url === '' && /^validate\d*$/.test(fn)) return 'validation: ajv-compiled schema';
  if (url.includes('/ajv/')) return 'validation: ajv runtime';
  if (url.includes('/domain/lib/validate.js') || url.includes('/domain/lib/dates.js')) return 'validation: business rules, dates';
  if (url.includes('/domain/lib/canonical.js')) return 'hash: canonical JSON';
  if (url.includes('node:internal/crypto') || fn === 'digest' || fn === 'createHash') return 'hash: sha256';
  if (url.includes('/http/ndjson.js')) return 'http: NDJSON splitting';
  if (url.includes('/http/routes.js')) return 'ingest: routes (line loop, JSON.parse, result lines)';
  if (url.includes('/core/ingest.js')) return 'ingest: core';
  if (url.includes('/postgres/lib/reportStore.js')) return 'store: staging rows (JSON.stringify, CSV)';
  if (url.includes('/pg-copy-streams/')) return 'pg: COPY stream';
  if (url.includes('/pg/') || url.includes('/pg-protocol/') || url.includes('/pg-pool/') || url.includes('/pg-types/')) return 'pg: driver';
  if (url.includes('/express/') || url.includes('/body-parser/') || url.includes('/router/') || url.includes('/platform/lib/')) return 'http: framework';
  if (url.includes('/pino') || url.includes('/prom-client/') || url.includes('@opentelemetry')) return 'logging, metrics, telemetry';
  if (url.startsWith('node:internal/streams') || url.startsWith('node:stream') || url.startsWith('node:internal/webstreams')) return 'node: streams';
  if (url.startsWith('node:net') || url.startsWith('node:_http') || url.startsWith('node:http') || url.includes('stream_base_commons')) return 'node: net/http';
  if (url.startsWith('node:')) return 'node: other internals';
  if (url === '') return `native/builtin: ${fn || '(anonymous)'}`;
  return 'other JS';
}

export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  const ms = (t: number) => `${(t / 1000).toFixed(0).padStart(7)} ms`;

  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, t] of self) {
    const frame = byId.get(id)!.callFrame;
    const cat = categoryOf(frame);
    categories.set(cat, (categories.get(cat) ?? 0) + t);
    const file = frame.url.replace(/^.*\/(packages|services|node_modules)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'}  ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + t);
  }

  // Inclusive time of named functions, counting a recursive function once per outermost call.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  const watched: Array<[string, (f: CallFrame) => boolean]> = [
    ['bulk route handler (routes.js)', (f) => f.url.includes('/http/routes.js') && f.functionName === ''],
    ['splitNdjson', (f) => f.functionName === 'splitNdjson'],
    ['JSON.parse (line)', (f) => f.functionName === 'parse' && f.url === ''],
    ['prepare (validate + hash)', (f) => f.functionName === 'prepare'],
    ['validateReport', (f) => f.functionName === 'validateReport'],
    ['contentHash', (f) => f.functionName === 'contentHash'],
    ['canonicalJson', (f) => f.functionName === 'canonicalJson'],
    ['putReports (JS side)', (f) => f.functionName === 'putReports'],
    ['fillStaging', (f) => f.functionName === 'fillStaging'],
    ['NdjsonWriter.write', (f) => f.functionName === 'write' && f.url.includes('/http/routes.js')],
    ['JSON.stringify', (f) => f.functionName === 'stringify' && f.url === ''],
  ];
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      for (const [name, match] of watched) {
        if (!seen.has(name) && match(frame)) {
          seen.add(name);
          inclusive.set(name, (inclusive.get(name) ?? 0) + t);
        }
      }
    }
  }

  const lines: string[] = [];
  lines.push(`profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s wall, ${(busy / 1e6).toFixed(1)} s on CPU (${(idle / 1e6).toFixed(1)} s idle); percentages are of on-CPU time`);
  lines.push('', 'self time by category:');
  for (const [cat, t] of [...categories].filter(([c]) => c !== 'idle').sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(t)} ${ms(t)}  ${cat}`);
  lines.push('', 'inclusive time of the ingest path:');
  for (const [name] of watched) {
    const t = inclusive.get(name) ?? 0;
    lines.push(`  ${pct(t)} ${ms(t)}  ${name}`);
  }
  lines.push('', `top ${top} functions by self time:`);
  for (const [fn, t] of [...functions].filter(([f]) => !f.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)} ${ms(t)}  ${fn}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
  if (positionals.length === 0) {
    process.stderr.write('usage: cpuprofile.js FILE.cpuprofile... [--top N]\n');
    process.exit(2);
  }
  for (const file of positionals) {
    process.stdout.write(`== ${file}\n${summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top))}\n`);
  }
}
