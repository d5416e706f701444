import assert from 'node:assert/strict';
import { PERSONAL_DATA, adverseEventReportSchema, parseTenantId, toSearchDocument } from '@vigilo/domain';
import { minimalReport } from '@vigilo/testkit';
import { LOWERCASE_NORMALIZER, MAPPING_VERSION, TEMPLATE_HASH_META_KEY, indexSettings, indexTemplateBody, searchDocumentMappings } from './mapping.js';
import { tenantIndexNames } from './names.js';

type Node = { type?: string; properties?: Record<string, Node>; items?: Node; fields?: Record<string, Node>; normalizer?: string; include_in_root?: boolean };

/** Dotted paths of the leaves of a JSON Schema (array items share the array's path). */
function schemaLeaves(node: Node, path = ''): string[] {
  if (node.type === 'object' && node.properties) {
    return Object.entries(node.properties).flatMap(([key, child]) => schemaLeaves(child, path ? `${path}.${key}` : key));
  }
  if (node.type === 'array' && node.items) return schemaLeaves(node.items, path);
  return [path];
}

/** Dotted paths of the leaves of a mapping (`properties` of objects and nested objects). */
function mappingLeaves(properties: Record<string, Node>, path = ''): string[] {
  return Object.entries(properties).flatMap(([key, child]) => {
    const here = path ? `${path}.${key}` : key;
    return child.properties ? mappingLeaves(child.properties, here) : [here];
  });
}

function at(properties: Record<string, Node>, path: string): Node | undefined {
  let node: Node | undefined = { properties };
  for (const step of path.split('.')) node = node?.properties?.[step];
  return node;
}

const mappings = searchDocumentMappings() as { dynamic: string; properties: Record<string, Node>; _meta: unknown; _source: unknown };
const removed = PERSONAL_DATA.filter((field) => field.action === 'remove').map((field) => field.path.replace(/\[\]/g, ''));
const isRemoved = (path: string) => removed.some((r) => path === r || path.startsWith(`${r}.`));

describe('searchDocumentMappings', function () {
  it('is strict, keeps _source and records the mapping version', function () {
    assert.equal(mappings.dynamic, 'strict');
    assert.deepEqual(mappings._source, { enabled: true });
    assert.deepEqual(mappings._meta, { mapping_version: MAPPING_VERSION });
  });

  it('declares every report field that de-identification keeps, and none that it removes', function () {
    const schema = schemaLeaves(adverseEventReportSchema as unknown as Node);
    const kept = schema.filter((path) => !isRemoved(path)).sort();
    const mapped = mappingLeaves(mappings.properties['report']?.properties ?? {}).sort();
    assert.deepEqual(mapped, kept);
    for (const path of removed) assert.equal(at(mappings.properties['report']?.properties ?? {}, path), undefined, `${path} must not be mapped`);
  });

  it('declares exactly the vigilo metadata of a search document, with real dates', function () {
    const document = toSearchDocument({ tenant: 'acme', content: minimalReport(), version: 1, nullified: false, committedAt: new Date() });
    const vigilo = mappings.properties['vigilo']?.properties ?? {};
    assert.deepEqual(Object.keys(vigilo).sort(), Object.keys(document.vigilo).sort());
    assert.equal(vigilo['receivedate']?.type, 'date');
    assert.equal(vigilo['committedAt']?.type, 'date');
    assert.equal(vigilo['safetyreportid']?.type, 'keyword', 'listings sort and page on it');
    assert.equal(vigilo['nullified']?.type, 'boolean');
    assert.equal(vigilo['version']?.type, 'long');
  });

  it('keeps drugs and reactions as nested objects, also indexed in the root document', function () {
    for (const path of ['report.patient.drug', 'report.patient.reaction']) {
      const node = at(mappings.properties, path);
      assert.equal(node?.type, 'nested', path);
      assert.equal(node?.include_in_root, true, path);
    }
  });

  it('gives text fields an .exact keyword, case-insensitive only for MedDRA terms (as openFDA counts them)', function () {
    const text = mappingLeaves(mappings.properties).filter((path) => at(mappings.properties, path)?.type === 'text');
    const withExact = text.filter((path) => at(mappings.properties, path)?.fields?.['exact']?.type === 'keyword');
    assert.deepEqual(text.filter((path) => !withExact.includes(path)), ['report.primarysource.literaturereference']);
    const normalized = withExact.filter((path) => at(mappings.properties, path)?.fields?.['exact']?.normalizer === LOWERCASE_NORMALIZER);
    assert.deepEqual(normalized, ['report.patient.reaction.reactionmeddrapt']);
    for (const path of ['report.patient.drug.medicinalproduct', 'report.patient.drug.drugcharacterization', 'report.occurcountry']) {
      assert.ok(at(mappings.properties, path), path);
    }
  });

  it('uses nothing a bare Elasticsearch node lacks', function () {
    const json = JSON.stringify({ mappings, settings: indexSettings({ shards: 1, replicas: 0, refreshInterval: '1s', gcDeletes: undefined }) });
    for (const missing of ['scaled_float', 'match_only_text', 'search_as_you_type', 'rank_feature', 'asciifolding', 'uppercase', 'script', 'runtime', 'best_compression', 'english']) {
      assert.ok(!json.includes(missing), missing);
    }
  });

  it('returns a fresh copy on each call', function () {
    const a = searchDocumentMappings();
    (a as { dynamic: string }).dynamic = 'true';
    assert.equal((searchDocumentMappings() as { dynamic: string }).dynamic, 'strict');
  });
});

describe('indexTemplateBody', function () {
  const names = tenantIndexNames(parseTenantId('acme'));
  const settings = { shards: 1, replicas: 0, refreshInterval: '1s', gcDeletes: undefined };

  it("matches only the tenant's pattern, carries no aliases and sets refresh_interval explicitly", function () {
    const body = indexTemplateBody(names, 'acme', settings) as { index_patterns: string[]; template: Record<string, unknown> & { settings: Record<string, unknown> } };
    assert.deepEqual(body.index_patterns, ['vigilo-reports-acme--*']);
    assert.equal(body.template['aliases'], undefined);
    assert.equal(body.template.settings['refresh_interval'], '1s');
    assert.equal(body.template.settings['gc_deletes'], undefined, 'the engine default unless asked');
    assert.equal((indexTemplateBody(names, 'acme', { ...settings, gcDeletes: '1s' }) as typeof body).template.settings['gc_deletes'], '1s');
  });

  it('carries a content hash that is stable and changes with the content', function () {
    const hash = (s: typeof settings) => (indexTemplateBody(names, 'acme', s)['_meta'] as Record<string, string>)[TEMPLATE_HASH_META_KEY];
    assert.match(hash(settings) ?? '', /^[0-9a-f]{64}$/);
    assert.equal(hash(settings), hash({ ...settings }));
    assert.notEqual(hash(settings), hash({ ...settings, replicas: 1 }));
  });
});
