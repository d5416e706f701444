import assert from 'node:assert/strict';
import { validateReport } from '@vigilo/domain';
import { ReportGenerator } from './generator.js';
import { type FaersProfile, loadFaersProfile } from './profile.js';
import { Empirical, Rng } from './prng.js';

// Correctness of the generator only: no timing is measured or asserted here.
describe('bench: synthetic FAERS-shaped reports', function () {
  let profile: FaersProfile;

  before(async () => {
    profile = await loadFaersProfile();
  });

  it('derives the distributions from both fixture quarters', () => {
    assert.equal(profile.reports, 200);
    assert.ok(profile.drugNames.values.length > 100);
    assert.ok(profile.reactionTerms.values.length > 100);
    assert.ok(profile.drugsPerReport.values.includes(1));
  });

  it('emits reports that validateReport accepts, with unique ids and version 1', () => {
    const generator = new ReportGenerator(profile, { seed: 3 });
    const ids = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const report = generator.next();
      const result = validateReport(report);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.violations));
      assert.equal(report.safetyreportversion, 1);
      assert.ok(report.patient.drug.some((d) => d.drugcharacterization === '1'), 'every report has a suspect drug');
      const narrative = report.patient.summary?.narrativeincludeclinical ?? '';
      assert.ok(narrative.length >= 200 && narrative.length <= 800, `narrative of ${narrative.length} characters`);
      ids.add(report.safetyreportid);
    }
    assert.equal(ids.size, 3000);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = new ReportGenerator(profile, { seed: 11 });
    const b = new ReportGenerator(profile, { seed: 11 });
    const c = new ReportGenerator(profile, { seed: 12 });
    let differs = false;
    for (let i = 0; i < 200; i++) {
      const x = JSON.stringify(a.next());
      assert.equal(x, JSON.stringify(b.next()));
      if (x !== JSON.stringify(c.next())) differs = true;
    }
    assert.ok(differs);
  });

  it('samples an empirical distribution in proportion to its counts', () => {
    const d = new Empirical(new Map([['a', 3], ['b', 1]]));
    const rng = new Rng(1);
    let a = 0;
    for (let i = 0; i < 40_000; i++) if (d.sample(rng) === 'a') a++;
    assert.ok(Math.abs(a / 40_000 - 0.75) < 0.01, `share of a: ${a / 40_000}`);
  });
});
