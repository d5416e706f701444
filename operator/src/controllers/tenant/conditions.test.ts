import assert from 'node:assert/strict';
import type { Condition } from '../../api/v1alpha1/tenant.js';
import { condition, jsonEqual, mergeConditions, rfc3339, statusChanged } from './conditions.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const T1 = Date.UTC(2026, 0, 1, 12, 5, 0);

describe('operator: tenant conditions', () => {
  it('stamps lastTransitionTime (seconds, RFC 3339) and observedGeneration on a new condition', () => {
    const [ready] = mergeConditions(undefined, [condition('Ready', 'True', 'Available')], 3, T0 + 789);
    assert.deepEqual(ready, { type: 'Ready', status: 'True', observedGeneration: 3, lastTransitionTime: '2026-01-01T12:00:00Z', reason: 'Available', message: '' });
  });

  it('keeps lastTransitionTime while the status stays, and moves it when the status flips', () => {
    const first = mergeConditions(undefined, [condition('Ready', 'True', 'Available')], 1, T0);
    const same = mergeConditions(first, [condition('Ready', 'True', 'Available', 'new message')], 2, T1);
    assert.equal(same[0]!.lastTransitionTime, rfc3339(T0));
    assert.equal(same[0]!.observedGeneration, 2);
    const flipped = mergeConditions(first, [condition('Ready', 'False', 'Unavailable')], 2, T1);
    assert.equal(flipped[0]!.lastTransitionTime, '2026-01-01T12:05:00Z');
  });

  it('keeps conditions it was not given and orders them Ready, Synced, then the parts', () => {
    const existing: Condition[] = [{ type: 'QueueReady', status: 'True', lastTransitionTime: rfc3339(T0), reason: 'Available', message: '' }];
    const merged = mergeConditions(existing, [condition('Synced', 'True', 'ReconcileSuccess'), condition('Ready', 'True', 'Available')], 1, T1);
    assert.deepEqual(merged.map((c) => c.type), ['Ready', 'Synced', 'QueueReady']);
  });

  it('compares statuses structurally, whatever the key order', () => {
    assert.equal(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }), true);
    assert.equal(jsonEqual({ a: 1 }, { a: 1, b: undefined }), true);
    assert.equal(jsonEqual([1, 2], [2, 1]), false);
    assert.equal(jsonEqual({ a: 1 }, { a: '1' }), false);
    assert.equal(statusChanged({ observedGeneration: 1 }, { observedGeneration: 1 }), false);
    assert.equal(statusChanged(undefined, { observedGeneration: 1 }), true);
  });
});
