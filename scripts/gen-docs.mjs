// Regenerates the generated parts of the docs from the code: the
// configuration table of each service and the published report schema.
// Tests fail when the committed files differ from what this writes.
import { writeFileSync, mkdirSync } from 'node:fs';
import { renderConfigTable } from '@vigilo/platform';
import { adverseEventReportSchema } from '@vigilo/domain';

const services = {
  ingest: async () => (await import('../services/ingest/lib/config.js')).INGEST_SETTINGS,
  indexer: async () => (await import('../services/indexer/lib/config.js')).INDEXER_SETTINGS,
  relay: async () => (await import('../services/relay/lib/config.js')).RELAY_SETTINGS,
  search: async () => (await import('../services/search/lib/config.js')).SEARCH_SETTINGS,
  proxy: async () => (await import('../services/proxy/lib/config.js')).PROXY_SETTINGS,
  operator: async () => (await import('../operator/lib/config.js')).OPERATOR_SETTINGS,
};

mkdirSync('docs/config', { recursive: true });
for (const [name, load] of Object.entries(services)) {
  const table = renderConfigTable(await load());
  writeFileSync(
    `docs/config/${name}.md`,
    `# ${name} configuration\n\nEvery setting comes from an environment variable, is validated at start-up (all problems are reported at once, and the process exits with code 78), and the effective values are logged with secrets redacted. Unknown \`VIGILO_${name.toUpperCase()}_*\` variables are an error.\n\n${table}`,
  );
}
writeFileSync('packages/domain/schema/adverse-event-report.schema.json', JSON.stringify(adverseEventReportSchema, null, 2) + '\n');
console.log('docs regenerated');
