import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from './registry.js';
import { toProblem, fromProblem } from './problem.js';
import { InputError, VigiloError } from './errors.js';

const DOC = new URL('../../../docs/errors.md', import.meta.url);

describe('error code registry', () => {
  it('matches docs/errors.md in both directions, with the same status', () => {
    const rows = readFileSync(DOC, 'utf8')
      .split('\n')
      .map((line) => /^\| `(VIG_[A-Z_]+)` \| (\d{3}) \|/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null);
    const documented = new Map(rows.map((m) => [m[1]!, Number(m[2])]));
    const registered = new Map(Object.entries(ERROR_CODES).map(([code, spec]) => [code, spec.status]));
    assert.deepEqual([...documented.keys()].sort(), [...registered.keys()].sort());
    for (const [code, status] of registered) assert.equal(documented.get(code), status, code);
  });

  it('uses the VIG_<AREA>_<WHAT> shape for every code', () => {
    for (const code of Object.keys(ERROR_CODES)) assert.match(code, /^VIG_[A-Z]+(_[A-Z]+)*$/);
  });
});

describe('toProblem', () => {
  it('hides unknown errors behind VIG_INTERNAL with a logId', () => {
    const secret = new Error('password=hunter2 at db.internal:5432');
    const doc = toProblem(secret, { logId: 'L1', instance: '/x' });
    assert.equal(doc.code, 'VIG_INTERNAL');
    assert.equal(doc.status, 500);
    assert.equal(doc.logId, 'L1');
    assert.ok(!JSON.stringify(doc).includes('hunter2'));
  });

  it('maps a named error to its registered status and type URI, with violations', () => {
    const doc = toProblem(new InputError('bad', { code: 'VIG_REPORT_FIELD_MISSING', violations: [{ pointer: '/a', code: 'VIG_REPORT_FIELD_MISSING', detail: 'is required' }] }));
    assert.equal(doc.status, 422);
    assert.equal(doc.type, 'https://vigilo.dev/problems/vig-report-field-missing');
    assert.equal(doc.errors?.[0]?.pointer, '/a');
  });

  it('round-trips through fromProblem', () => {
    const error = fromProblem(toProblem(new VigiloError('VIG_TENANT_NOT_FOUND', 'nope')));
    assert.equal(error.code, 'VIG_TENANT_NOT_FOUND');
    assert.equal(error.status, 404);
  });
});
