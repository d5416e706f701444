import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface RunningProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Every stdout and stderr line so far (JSON log lines for our services). */
  readonly output: string[];
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts a service's compiled main as its own process (a real process, as in
 * production), on port 0, and waits for its `listening` log line.
 */
export async function startServiceProcess(service: string, env: Record<string, string>, timeoutMs = 20_000): Promise<RunningProcess> {
  const main = path.join(REPO_ROOT, 'services', service, 'lib', 'main.js');
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service} did not start in ${timeoutMs}ms:\n${output.join('\n')}`)), timeoutMs);
    let listening = false;
    const onLine = (line: string) => {
      output.push(line);
      // Past start-up every line is only kept: parsing each access line would bill a load generator for the logs.
      if (listening) return;
      try {
        const parsed = JSON.parse(line) as { message?: string; port?: number };
        if (parsed.message === 'listening' && typeof parsed.port === 'number') {
          clearTimeout(timer);
          listening = true;
          resolve(parsed.port);
        }
      } catch {
        /* not JSON */
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${service} exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
