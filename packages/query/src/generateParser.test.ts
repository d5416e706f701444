import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PARSER_FILE, generateParserSource } from './generateParser.js';

describe('generated parser', () => {
  it('is what grammar.peggy generates today (regenerate with node packages/query/lib/generateParser.js --write)', () => {
    assert.equal(readFileSync(PARSER_FILE, 'utf8'), generateParserSource());
  });
});
