import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { parseTenantId, tenantSchemaName } from '@vigilo/domain';
import { dropTenantSchema, provisionTenant } from '@vigilo/postgres';
import { REPO_ROOT, createTestDatabase, startServiceProcess, uniqueTenant, type RunningProcess, type TestDatabase } from '@vigilo/testkit';

const run = promisify(execFile);

interface Counts {
  cases: number;
  versions: number;
  drugs: Record<'PS' | 'SS' | 'C' | 'I' | 'other', number>;
  reactions: number;
  e2b_seriousness: Record<'death' | 'lifethreatening' | 'hospitalization' | 'disabling' | 'congenitalanomali' | 'other' | 'serious' | 'not_serious', number>;
}

/** The oracle: an independent Python reader of the raw files (packages/testkit/faers_expected.py). */
async function expectedFromRawFiles(zip: string): Promise<{ all_versions: Counts; current_versions: Counts }> {
  const { stdout } = await run('python3', [path.join(REPO_ROOT, 'packages/testkit/faers_expected.py'), zip]);
  return JSON.parse(stdout) as { all_versions: Counts; current_versions: Counts };
}

/** The same numbers, read back from what PostgreSQL stored. */
async function storedCounts(db: TestDatabase, tenant: string, scope: 'all' | 'current') {
  const s = tenantSchemaName(parseTenantId(tenant));
  const versions =
    scope === 'all'
      ? `SELECT v.content FROM ${s}.report_versions v`
      : `SELECT v.content FROM ${s}.reports r JOIN ${s}.report_versions v ON v.safetyreportid = r.safetyreportid AND v.version = r.current_version`;
  const q = async (sql: string) => (await db.pool.query<{ n: number }>(sql)).rows[0]!.n;
  const flag = (field: string) => q(`SELECT count(*)::int AS n FROM (${versions}) x WHERE x.content->>'${field}' = '1'`);
  const drugs = (code: string) => q(`SELECT count(*)::int AS n FROM (${versions}) x, jsonb_array_elements(x.content->'patient'->'drug') d WHERE d->>'drugcharacterization' = '${code}'`);
  return {
    cases: await q(`SELECT count(DISTINCT x.content->>'safetyreportid')::int AS n FROM (${versions}) x`),
    versions: await q(`SELECT count(*)::int AS n FROM (${versions}) x`),
    suspect: await drugs('1'),
    concomitant: await drugs('2'),
    interacting: await drugs('3'),
    drugsTotal: await q(`SELECT count(*)::int AS n FROM (${versions}) x, jsonb_array_elements(x.content->'patient'->'drug') d`),
    reactions: await q(`SELECT count(*)::int AS n FROM (${versions}) x, jsonb_array_elements(x.content->'patient'->'reaction') r`),
    death: await flag('seriousnessdeath'),
    lifethreatening: await flag('seriousnesslifethreatening'),
    hospitalization: await flag('seriousnesshospitalization'),
    disabling: await flag('seriousnessdisabling'),
    congenitalanomali: await flag('seriousnesscongenitalanomali'),
    other: await flag('seriousnessother'),
    serious: await flag('serious'),
    notSerious: await q(`SELECT count(*)::int AS n FROM (${versions}) x WHERE x.content->>'serious' = '2'`),
  };
}

function asStored(expected: Counts) {
  return {
    cases: expected.cases,
    versions: expected.versions,
    suspect: expected.drugs.PS + expected.drugs.SS,
    concomitant: expected.drugs.C,
    interacting: expected.drugs.I,
    drugsTotal: expected.drugs.PS + expected.drugs.SS + expected.drugs.C + expected.drugs.I + expected.drugs.other,
    reactions: expected.reactions,
    death: expected.e2b_seriousness.death,
    lifethreatening: expected.e2b_seriousness.lifethreatening,
    hospitalization: expected.e2b_seriousness.hospitalization,
    disabling: expected.e2b_seriousness.disabling,
    congenitalanomali: expected.e2b_seriousness.congenitalanomali,
    other: expected.e2b_seriousness.other,
    serious: expected.e2b_seriousness.serious,
    notSerious: expected.e2b_seriousness.not_serious,
  };
}

describe('FAERS quarters end to end: vigilo faers import → ingest → PostgreSQL', function () {
  let db: TestDatabase;
  let ingest: RunningProcess;
  const tenants: string[] = [];

  before(async () => {
    db = await createTestDatabase();
    ingest = await startServiceProcess('ingest', { VIGILO_DATABASE_URL: db.url, VIGILO_INGEST_PORT: '0', VIGILO_INGEST_HOST: '127.0.0.1', VIGILO_INGEST_BULK_BATCH_SIZE: '40' });
  });
  after(async () => {
    await ingest?.stop();
    for (const t of tenants) await dropTenantSchema(db.pool, t);
    await db?.drop();
  });

  const importQuarter = async (zip: string, tenant: string) =>
    run(process.execPath, [path.join(REPO_ROOT, 'packages/cli/lib/main.js'), 'faers', 'import', zip, '--tenant', tenant, '--ingest-url', ingest.url, '--scopes', 'write', '--batch-size', '30']);

  for (const fixture of ['faers_ascii_2017q2.zip', 'aers_ascii_2004q1.zip']) {
    it(`stores exactly what the raw files of ${fixture} hold, and a re-import changes nothing`, async () => {
      const zip = path.join(REPO_ROOT, 'packages/faers/fixtures', fixture);
      const tenant = uniqueTenant('faers');
      tenants.push(tenant);
      await provisionTenant(db.pool, { id: tenant });
      const expected = await expectedFromRawFiles(zip);
      assert.ok(expected.all_versions.versions > 0);

      await importQuarter(zip, tenant);
      assert.deepEqual(await storedCounts(db, tenant, 'all'), asStored(expected.all_versions), 'every version');
      assert.deepEqual(await storedCounts(db, tenant, 'current'), asStored(expected.current_versions), 'current versions');

      const again = await importQuarter(zip, tenant);
      assert.match(again.stdout + again.stderr, /unchanged/i);
      assert.deepEqual(await storedCounts(db, tenant, 'all'), asStored(expected.all_versions), 'a re-import adds nothing');
      const outbox = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${tenantSchemaName(parseTenantId(tenant))}.outbox`);
      assert.ok(outbox.rows[0]!.n >= expected.current_versions.cases, 'each current version reached the outbox');
    });
  }
});
