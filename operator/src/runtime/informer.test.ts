import assert from 'node:assert/strict';
import { ManualClock } from './clock.js';
import { Informer, type ListWatch, type WatchEvent } from './informer.js';

interface Obj {
  metadata: { name: string; resourceVersion: string };
}
const obj = (name: string, rv: string): Obj => ({ metadata: { name, resourceVersion: rv } });

/** A scripted apiserver: each list answers the next entry of `lists`; watches are recorded and driven by hand. */
class ScriptedListWatch implements ListWatch<Obj> {
  lists: Array<{ items: Obj[]; resourceVersion: string } | Error> = [];
  listCalls = 0;
  watches: Array<{ rv: string; emit: (e: WatchEvent<Obj>) => void; done: (error?: unknown) => void; stopped: boolean }> = [];
  watchFailures: unknown[] = [];

  async list() {
    this.listCalls++;
    const next = this.lists.shift();
    if (!next) throw new Error('no more lists scripted');
    if (next instanceof Error) throw next;
    return next;
  }

  async watch(rv: string, onEvent: (e: WatchEvent<Obj>) => void, onDone: (error?: unknown) => void) {
    const failure = this.watchFailures.shift();
    if (failure) throw failure;
    const w = { rv, emit: onEvent, done: onDone, stopped: false };
    this.watches.push(w);
    return { stop: () => void (w.stopped = true) };
  }

  last() {
    return this.watches.at(-1)!;
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('operator runtime: Informer', () => {
  let changes: Array<[string, string | undefined]>;
  let lw: ScriptedListWatch;
  let clock: ManualClock;
  let informer: Informer<Obj>;

  beforeEach(() => {
    changes = [];
    lw = new ScriptedListWatch();
    clock = new ManualClock(1_000_000);
    informer = new Informer(lw, { onChange: (key, o) => changes.push([key, o?.metadata.resourceVersion]) }, { clock, baseBackoffMs: 100, maxBackoffMs: 1000 });
  });
  afterEach(() => informer.stop());

  it('lists, reports every object, then watches from the list resourceVersion', async () => {
    lw.lists.push({ items: [obj('a', '5'), obj('b', '7')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await flush();
    assert.deepEqual(changes, [['a', '5'], ['b', '7']]);
    assert.equal(lw.last().rv, '10');
    lw.last().emit({ type: 'MODIFIED', object: obj('a', '11') });
    lw.last().emit({ type: 'DELETED', object: obj('b', '12') });
    assert.equal(informer.get('a')?.metadata.resourceVersion, '11');
    assert.equal(informer.get('b'), undefined);
    assert.equal(informer.resourceVersion, '12');
  });

  it('resumes a closed watch from the last resourceVersion seen, bookmarks included', async () => {
    lw.lists.push({ items: [], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await flush();
    lw.last().emit({ type: 'ADDED', object: obj('a', '11') });
    lw.last().emit({ type: 'BOOKMARK', resourceVersion: '20' });
    clock.advance(5000);
    lw.last().done();
    await flush();
    assert.equal(lw.watches.length, 2);
    assert.equal(lw.last().rv, '20');
    assert.equal(lw.listCalls, 1, 'no relist for a normal close');
  });

  it('relists on 410 Gone in the stream and reports the differences, deletions included', async () => {
    lw.lists.push({ items: [obj('a', '5'), obj('b', '6')], resourceVersion: '10' });
    lw.lists.push({ items: [obj('a', '5'), obj('c', '30')], resourceVersion: '40' });
    informer.start();
    await informer.waitForSync();
    await flush();
    changes = [];
    lw.last().emit({ type: 'ERROR', code: 410, message: 'too old resource version' });
    await flush();
    assert.equal(lw.listCalls, 2);
    assert.deepEqual(changes, [['b', undefined], ['c', '30']], 'a is unchanged and not reported again');
    assert.equal(lw.last().rv, '40');
  });

  it('relists when the watch request itself answers 410', async () => {
    lw.lists.push({ items: [], resourceVersion: '10' });
    lw.lists.push({ items: [obj('z', '50')], resourceVersion: '50' });
    informer.start();
    await informer.waitForSync();
    await flush();
    clock.advance(5000);
    lw.last().done(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await flush();
    assert.equal(lw.listCalls, 2);
    assert.equal(informer.get('z')?.metadata.resourceVersion, '50');
  });

  it('retries a failing watch with growing backoff and keeps the cache meanwhile', async () => {
    lw.lists.push({ items: [obj('a', '5')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await flush();
    lw.watchFailures.push(new Error('connection refused'), new Error('connection refused'));
    lw.last().done(new Error('connection reset'));
    await flush();
    const watchesAfterFailure = lw.watches.length;
    clock.advance(99);
    await flush();
    assert.equal(lw.watches.length, watchesAfterFailure, 'no retry before the backoff');
    clock.advance(5000);
    await flush();
    clock.advance(5000);
    await flush();
    clock.advance(5000);
    await flush();
    assert.equal(lw.watches.length, watchesAfterFailure + 1, 'watching again after two failed attempts');
    assert.equal(informer.get('a')?.metadata.resourceVersion, '5');
    assert.equal(lw.last().rv, '10');
  });

  it('retries a failing first list and is not synced until it succeeds', async () => {
    lw.lists.push(new Error('apiserver down'), { items: [obj('a', '1')], resourceVersion: '2' });
    informer.start();
    await flush();
    assert.equal(informer.hasSynced(), false);
    clock.advance(1000);
    await informer.waitForSync();
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(informer.keys(), ['a']);
  });

  it('stops the watch on stop()', async () => {
    lw.lists.push({ items: [], resourceVersion: '1' });
    informer.start();
    await informer.waitForSync();
    await flush();
    informer.stop();
    assert.equal(lw.last().stopped, true);
  });
});
