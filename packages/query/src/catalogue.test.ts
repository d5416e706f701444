import assert from 'node:assert/strict';
import { PERSONAL_DATA } from '@vigilo/domain';
import { searchDocumentMappings } from '@vigilo/search-engine';
import { FIELD_CATALOGUE, resolveField, queryableFieldNames } from './catalogue.js';

type Mapping = { type?: string; properties?: Record<string, Mapping>; fields?: Record<string, { type: string; normalizer?: string }> };

/** name → kind/exact as the engine mapping declares it, computed from the mapping alone. */
function leavesOf(properties: Record<string, Mapping>, prefix: string, out: Map<string, string>): Map<string, string> {
  for (const [key, node] of Object.entries(properties)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (node.properties) {
      leavesOf(node.properties, name, out);
      continue;
    }
    const kind =
      node.type === 'text'
        ? node.fields?.['exact']
          ? node.fields['exact'].normalizer
            ? 'text+lowercase'
            : 'text+keyword'
          : 'text+none'
        : node.type === 'keyword'
          ? 'keyword'
          : node.type === 'date'
            ? 'date'
            : node.type === 'double' || node.type === 'integer' || node.type === 'long'
              ? 'number'
              : `unexpected ${node.type}`;
    out.set(name, kind);
  }
  return out;
}

describe('field catalogue', () => {
  it('declares exactly the report fields of the engine mapping, with the same kinds and .exact sub-fields', () => {
    const mapping = searchDocumentMappings() as { properties: { report: Mapping } };
    const expected = leavesOf(mapping.properties.report.properties!, '', new Map());
    const actual = new Map([...FIELD_CATALOGUE].map(([name, e]) => [name, e.kind === 'text' ? `text+${e.exact ?? 'keyword'}` : e.kind]));
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
    for (const [name, kind] of expected) assert.equal(actual.get(name), kind, name);
  });

  it('marks as year-only exactly the dates de-identification truncates to their year', () => {
    const truncated = PERSONAL_DATA.filter((f) => f.action === 'year').map((f) => f.path.replace(/\[\]/g, ''));
    const yearOnly = [...FIELD_CATALOGUE].filter(([, e]) => e.yearOnly).map(([name]) => name);
    assert.deepEqual(yearOnly.sort(), truncated.sort());
    for (const name of yearOnly) assert.ok(FIELD_CATALOGUE.get(`${name}format`)?.formatOf, `${name}format is marked as its format code`);
  });

  it('treats personal-data fields as unknown', () => {
    for (const field of PERSONAL_DATA.filter((f) => f.action === 'remove')) {
      assert.equal(resolveField(field.path.replace(/\[\]/g, '')), undefined, field.path);
    }
    assert.equal(resolveField('patient.patientinitial'), undefined);
  });

  it('resolves .exact variants and nested groups', () => {
    const exact = resolveField('patient.reaction.reactionmeddrapt.exact');
    assert.equal(exact?.kind, 'keyword');
    assert.equal(exact?.lowercase, true);
    assert.equal(exact?.enginePath, 'report.patient.reaction.reactionmeddrapt.exact');
    assert.equal(exact?.group, 'patient.reaction');
    assert.deepEqual(exact?.jsonPath, ['reactionmeddrapt']);
    const substance = resolveField('patient.drug.activesubstance.activesubstancename');
    assert.deepEqual(substance?.jsonPath, ['activesubstance', 'activesubstancename']);
    assert.equal(resolveField('serious.exact'), undefined, 'keywords have no .exact');
    assert.equal(resolveField('primarysource.literaturereference.exact'), undefined, 'this text field has no .exact');
    assert.ok(queryableFieldNames().includes('patient.drug.medicinalproduct.exact'));
  });
});
