import assert from 'node:assert/strict';
import { splitNdjson, type NdjsonLine } from './ndjson.js';

async function collect(chunks: string[], max = 10): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = [];
  async function* source() {
    for (const c of chunks) yield Buffer.from(c);
  }
  for await (const line of splitNdjson(source(), max)) out.push(line);
  return out;
}

describe('splitNdjson', () => {
  it('joins lines split across chunks and strips CRLF', async () => {
    assert.deepEqual(await collect(['{"a"', ':1}\r\n{"b":2}\n']), [
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
    ]);
  });
  it('skips blank lines but keeps physical line numbers', async () => {
    assert.deepEqual(await collect(['1\n\n  \n2']), [
      { line: 1, text: '1' },
      { line: 4, text: '2' },
    ]);
  });
  it('reports an oversized line once and resumes at the next line', async () => {
    assert.deepEqual(await collect(['12345', '67890123', '45\nok\n', 'x'.repeat(20)], 10), [
      { line: 1, tooLarge: true },
      { line: 2, text: 'ok' },
      { line: 3, tooLarge: true },
    ]);
  });
  it('keeps multi-byte characters split across chunks intact', async () => {
    const bytes = Buffer.from('"é"\n');
    async function* source() {
      yield bytes.subarray(0, 2);
      yield bytes.subarray(2);
    }
    const out: NdjsonLine[] = [];
    for await (const line of splitNdjson(source(), 100)) out.push(line);
    assert.deepEqual(out, [{ line: 1, text: '"é"' }]);
  });
});
