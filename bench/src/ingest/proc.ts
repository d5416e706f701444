import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU accounting from /proc (Linux), so each timed phase can say where the
 * CPU went: the ingest process, the PostgreSQL server (for the benchmark's
 * database), this client, and the whole machine (which includes anything
 * else running). Without /proc every figure is undefined. Take the closing
 * snapshot while the phase's connections are still open: the CPU of an
 * exited backend can no longer be attributed.
 */
const TICKS_PER_SECOND = 100; // USER_HZ on Linux; /proc reports in these units.

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces; fields resume after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (and optionally the reaped children's) of one process, in seconds. */
function processCpu(pid: number, withChildren: boolean): number | undefined {
  const f = statFields(pid);
  if (!f) return undefined;
  // After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
  const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / TICKS_PER_SECOND;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** A client backend's title: `postgres: user database host(port) state`. */
const CLIENT_BACKEND = /^postgres: \S+ (\S+) (?:\[local\]|\S+\(\d+\))/;

/**
 * CPU seconds per process of a PostgreSQL server as far as one database is
 * concerned: the postmaster itself, the shared background processes
 * (checkpointer, WAL writer, autovacuum...) and the client backends of
 * `database`. Backends of other databases (other work on a shared cluster)
 * are left out.
 */
function serverCpu(postmaster: number, database: string | undefined): Map<number, number> | undefined {
  const own = processCpu(postmaster, false);
  if (own === undefined) return undefined;
  const perProcess = new Map([[postmaster, own]]);
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const pid = Number(entry);
    const f = statFields(pid);
    if (!f || Number(f[1]) !== postmaster) continue;
    const backend = CLIENT_BACKEND.exec(cmdline(pid));
    if (backend && database !== undefined && backend[1] !== database) continue;
    const cpu = processCpu(pid, false);
    if (cpu !== undefined) perProcess.set(pid, cpu);
  }
  return perProcess;
}

/**
 * CPU used between two per-process snapshots: processes in both count their
 * difference, new ones all of theirs. A process that exited in between
 * (an idle pool connection closing, a finished autovacuum worker) counts
 * nothing: its last seconds cannot be known, and its earlier ones are not
 * this phase's.
 */
function cpuBetween(a: Map<number, number>, b: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of b) total += cpu - (a.get(pid) ?? 0);
  return total;
}

/**
 * Busy, stolen and total CPU seconds of the whole machine (all cores). Steal
 * is time the hypervisor gave to other guests while this one wanted to run;
 * the kernel charges it to no process, so a process's CPU seconds shrink
 * when steal is high while its wall time does not.
 */
function machineCpu(): { busy: number; steal: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const steal = v[7] ?? 0;
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle - steal) / TICKS_PER_SECOND, steal: steal / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

export interface CpuSnapshot {
  readonly at: bigint;
  readonly ingest: number | undefined;
  readonly postgres: Map<number, number> | undefined;
  readonly client: number;
  readonly machine: { busy: number; steal: number; total: number } | undefined;
}

export interface CpuUsage {
  /** CPU seconds over the phase. */
  readonly ingestCpuSeconds: number | null;
  readonly postgresCpuSeconds: number | null;
  readonly clientCpuSeconds: number;
  /** Busy CPU seconds of the machine not accounted for by the three above (other work on the host). */
  readonly otherCpuSeconds: number | null;
  /** CPU seconds the hypervisor gave to other guests (a noisy host: per-process figures undercount). */
  readonly stealCpuSeconds: number | null;
  /** Average busy cores over the phase (machine-wide, steal excluded). */
  readonly machineBusyCores: number | null;
}

export class CpuMeter {
  constructor(private readonly pids: { ingest?: readonly number[]; postmaster?: number; database?: string }) {}

  snapshot(): CpuSnapshot {
    const u = process.cpuUsage();
    return {
      at: process.hrtime.bigint(),
      ingest: this.pids.ingest?.length ? this.pids.ingest.reduce((sum, pid) => sum + (processCpu(pid, false) ?? 0), 0) : undefined,
      postgres: this.pids.postmaster ? serverCpu(this.pids.postmaster, this.pids.database) : undefined,
      client: (u.user + u.system) / 1e6,
      machine: machineCpu(),
    };
  }

  static diff(a: CpuSnapshot, b: CpuSnapshot): CpuUsage {
    const round = (x: number) => Math.round(x * 100) / 100;
    const d = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? null : round(y - x));
    const wall = Number(b.at - a.at) / 1e9;
    const ingest = d(a.ingest, b.ingest);
    const postgres = a.postgres && b.postgres ? round(cpuBetween(a.postgres, b.postgres)) : null;
    const client = round(b.client - a.client);
    const busy = a.machine && b.machine ? b.machine.busy - a.machine.busy : undefined;
    return {
      ingestCpuSeconds: ingest,
      postgresCpuSeconds: postgres,
      clientCpuSeconds: client,
      otherCpuSeconds: busy === undefined ? null : round(Math.max(0, busy - (ingest ?? 0) - (postgres ?? 0) - client)),
      stealCpuSeconds: a.machine && b.machine ? round(b.machine.steal - a.machine.steal) : null,
      machineBusyCores: busy === undefined || wall <= 0 ? null : round(busy / wall),
    };
  }
}

/** The postmaster's pid, from the first line of postmaster.pid in the data directory. */
export function postmasterPid(dataDirectory: string): number | undefined {
  try {
    const pid = Number(readFileSync(`${dataDirectory}/postmaster.pid`, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds of every process now, by pid, with a short label: its service, `postgres`, `java`, or the program. */
export function processTable(): Map<number, { label: string; cpu: number }> {
  const table = new Map<number, { label: string; cpu: number }>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return table;
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const pid = Number(entry);
    const cpu = processCpu(pid, false);
    if (cpu === undefined) continue;
    let argv: string[] = [];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    const program = (argv[0] ?? '').split('/').at(-1) ?? '';
    const service = argv.map((a) => /(?:services\/([a-z]+)|(operator))\/lib\/main\.js$/.exec(a)).find(Boolean);
    const label = service ? (service[1] ?? service[2]!) : program.startsWith('postgres') ? 'postgres' : program === 'node' && argv.some((a) => a.includes('bench/lib')) ? 'bench client' : program;
    table.set(pid, { label, cpu });
  }
  return table;
}

/** CPU seconds per label between two process tables (processes that exited in between are not counted). */
export function cpuByLabel(before: Map<number, { label: string; cpu: number }>, after: Map<number, { label: string; cpu: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, now] of after) {
    const delta = now.cpu - (before.get(pid)?.cpu ?? 0);
    if (delta <= 0.005) continue;
    out[now.label] = Math.round(((out[now.label] ?? 0) + delta) * 100) / 100;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

/** Restricts every thread of these processes to `cpus` (`0`, `1`, `0-1023`), with util-linux's taskset. */
export function pinToCpus(cpus: number | string, pids: readonly number[]): void {
  for (const pid of pids) {
    const r = spawnSync('taskset', ['-a', '-cp', String(cpus), String(pid)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`taskset ${cpus} ${pid}: ${r.stderr || r.error?.message}`);
  }
}

/** Pids of the processes whose command line matches `pattern` (pgrep -f). */
export function pidsMatching(pattern: string): number[] {
  return (spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).stdout ?? '')
    .split('\n')
    .filter(Boolean)
    .map(Number);
}
