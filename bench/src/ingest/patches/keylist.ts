/**
 * Every property name the report schema knows, at any depth, sorted by
 * UTF-16 code units (the order canonicalJson sorts keys in).
 * `JSON.stringify(report, SORTED_SCHEMA_KEYS)` then writes every object's
 * members in sorted order, natively: for a report that validateReport
 * accepted (no member outside the schema: additionalProperties is false
 * everywhere) the text is exactly canonicalJson's. stages.js checks that on
 * the benchmark's reports.
 */
export function schemaKeys(schema: unknown): string[] {
  const keys = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const record = node as Record<string, unknown>;
    const properties = record['properties'];
    if (properties && typeof properties === 'object') {
      for (const [k, v] of Object.entries(properties as Record<string, unknown>)) {
        keys.add(k);
        walk(v);
      }
    }
    if (record['items']) walk(record['items']);
  };
  walk(schema);
  return [...keys].sort();
}
