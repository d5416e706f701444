// Mocha's spec reporter plus the closing line CI reads: `N passed, N failed`
// (pending tests are reported as skipped; there should be none).
'use strict';
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      const line = `${passes} passed, ${failures} failed` + (pending ? `, ${pending} skipped` : '');
      // Printed after the spec summary, as the very last line.
      process.nextTick(() => process.stdout.write(`\n${line}\n`));
    });
  }
}
module.exports = SummaryReporter;
