import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { adverseEventReportSchema } from './schema.js';

describe('published report schema', () => {
  it('packages/domain/schema/adverse-event-report.schema.json is the schema the code validates with', () => {
    const published = JSON.parse(readFileSync(new URL('../schema/adverse-event-report.schema.json', import.meta.url), 'utf8')) as unknown;
    assert.deepEqual(published, JSON.parse(JSON.stringify(adverseEventReportSchema)), 'regenerate: node scripts/gen-docs.mjs');
  });
});
