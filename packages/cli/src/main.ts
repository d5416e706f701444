#!/usr/bin/env node
/**
 * The `vigilo` command. Composition root: real streams, environment and
 * signals; everything else is in cli.ts.
 */
import { runCli } from './cli.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1;
  // First signal: finish the batch in flight and print the summary. Second: stop now.
  if (signals > 1) process.exit(130);
  process.stderr.write(`\n${signal}: stopping after the batch in flight (again to stop at once)\n`);
  controller.abort(new Error(`stopped by ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await runCli(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
