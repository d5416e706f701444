import cliProgress from 'cli-progress';

/** Counters shown while a quarter is read. Counts only: never report content. */
export interface ProgressCounters {
  /** DEMO rows read (reports and skipped). */
  readonly read: number;
  readonly sent: number;
  readonly rejected: number;
  readonly skipped: number;
}

export interface Progress {
  start(total: number): void;
  update(counters: ProgressCounters): void;
  /** Says something on its own line (a retry, a warning) without breaking the bar. */
  note(message: string): void;
  stop(): void;
}

export interface ProgressStream {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
}

export interface ProgressOptions {
  readonly stream: ProgressStream;
  /** What is being done, e.g. `faers import`. */
  readonly label: string;
  /** Clock for the periodic lines. @default Date.now */
  readonly now?: () => number;
  /** Interval between lines when the stream is not a terminal. @default 10000 */
  readonly intervalMs?: number;
  /** `false` turns all progress output off. @default true */
  readonly enabled?: boolean;
  /** Show the sent and rejected counters (off for commands that only read). @default true */
  readonly sending?: boolean;
}

/** A bar on a terminal; otherwise one line every `intervalMs` (logs, CI); nothing when disabled. */
export function createProgress(options: ProgressOptions): Progress {
  if (options.enabled === false) return new SilentProgress();
  if (options.stream.isTTY) return new BarProgress(options);
  return new LineProgress(options);
}

class SilentProgress implements Progress {
  start(): void {}
  update(): void {}
  note(): void {}
  stop(): void {}
}

class BarProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private running = false;

  constructor(private readonly options: ProgressOptions) {
    this.bar = new cliProgress.SingleBar(
      {
        stream: options.stream as NodeJS.WritableStream,
        format: `${options.label} [{bar}] {percentage}% | {value}/{total} rows${options.sending === false ? '' : ' | sent {sent} | rejected {rejected}'} | skipped {skipped} | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 200,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(total: number): void {
    this.running = true;
    this.bar.start(Math.max(total, 1), 0, { sent: 0, rejected: 0, skipped: 0 });
  }

  update(counters: ProgressCounters): void {
    if (!this.running) return;
    // DEMO rows repaired from broken lines make the first-pass total an upper bound: never pass it.
    if (counters.read > this.bar.getTotal()) this.bar.setTotal(counters.read);
    this.bar.update(counters.read, { sent: counters.sent, rejected: counters.rejected, skipped: counters.skipped });
  }

  note(message: string): void {
    if (this.running) this.bar.stop();
    this.options.stream.write(`${message}\n`);
    if (this.running) {
      const value = this.bar.getProgress() * this.bar.getTotal();
      this.bar.start(this.bar.getTotal(), Math.round(value));
    }
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.bar.stop();
  }
}

class LineProgress implements Progress {
  private total = 0;
  private last = 0;
  private startedAt = 0;
  private latest: ProgressCounters = { read: 0, sent: 0, rejected: 0, skipped: 0 };
  private readonly now: () => number;
  private readonly intervalMs: number;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? 10000;
  }

  start(total: number): void {
    this.total = total;
    this.startedAt = this.now();
    this.last = this.startedAt;
    this.options.stream.write(`${this.options.label}: ${total} rows to read\n`);
  }

  update(counters: ProgressCounters): void {
    this.latest = counters;
    const now = this.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.line();
  }

  note(message: string): void {
    this.options.stream.write(`${message}\n`);
  }

  stop(): void {
    this.line();
  }

  private line(): void {
    const c = this.latest;
    const percent = this.total > 0 ? Math.min(100, Math.floor((c.read / this.total) * 100)) : 100;
    const seconds = Math.max(0, Math.round((this.now() - this.startedAt) / 1000));
    const sending = this.options.sending === false ? '' : `, sent ${c.sent}, rejected ${c.rejected}`;
    this.options.stream.write(`${this.options.label}: ${c.read}/${this.total} rows (${percent}%)${sending}, skipped ${c.skipped}, ${seconds}s\n`);
  }
}

/** Progress of a job that goes through named phases with a running count each (`reindex`: backfill, verify, swap). */
export interface PhaseProgress {
  update(phase: string, done: number): void;
  stop(): void;
}

/**
 * On a terminal, one line rewritten in place (`reindex acme: backfill 12,000`); otherwise a line when the phase
 * changes and at most one per `intervalMs` within it. Counts only, never report content.
 */
export function createPhaseProgress(options: Omit<ProgressOptions, 'sending'>): PhaseProgress {
  if (options.enabled === false) return { update: () => undefined, stop: () => undefined };
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 10000;
  let phase: string | undefined;
  let done = 0;
  let last = 0;
  let shown = false;
  const text = () => `${options.label}: ${phase} ${done.toLocaleString('en')}`;
  return {
    update(next, count) {
      const changed = next !== phase;
      phase = next;
      done = count;
      if (options.stream.isTTY) {
        options.stream.write(`\r\u001b[2K${text()}`);
        shown = true;
        return;
      }
      if (!changed && now() - last < intervalMs) return;
      last = now();
      options.stream.write(`${text()}\n`);
    },
    stop() {
      if (options.stream.isTTY && shown) options.stream.write('\n');
      else if (phase !== undefined && !options.stream.isTTY) options.stream.write(`${text()}\n`);
    },
  };
}
