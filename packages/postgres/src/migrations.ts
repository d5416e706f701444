import { type TenantId, parseTenantId, tenantRoleName, tenantSchemaName } from '@vigilo/domain';
import { ident, literal, qualified } from './sql.js';
import { type Pool, type PoolClient, withTransaction } from './pool.js';

/** The role every service's login role is granted; it may assume any tenant role. */
export const APP_ROLE = 'vigilo_app';
/** The schema holding platform-wide tables (tenant registry, migration ledger). */
export const PLATFORM_SCHEMA = 'vigilo';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Letters (Latin, Greek, Cyrillic) and digits: what a token of the standard analyzer must contain. */
const LETTER = 'a-zA-Z\\u00aa\\u00b5\\u00ba\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u02c1\\u0370-\\u0373\\u0376\\u0377\\u037b-\\u037d\\u0386\\u0388-\\u03ff\\u0400-\\u0481\\u048a-\\u052f';
const STD_WORD_CHAR = `'[0-9${LETTER}]'`;
/**
 * One token: letters, digits and underscores, joined across one MidLetter/MidNumLet/quote character between
 * two letters (o'neil, d.n.a, a:b) or one MidNum/MidNumLet/quote character between two digits (1,000, 3.5).
 */
const STD_TOKEN_PATTERN = `'[0-9_${LETTER}]+(?:(?:(?<=[${LETTER}])[:.''\\u00b7\\u0387\\u05f4\\u2018\\u2019\\u2024\\u2027\\ufe13\\ufe52\\ufe55\\uff07\\uff0e\\uff1a](?=[${LETTER}])|(?<=[0-9])[,.;''\\u037e\\u0589\\u060c\\u060d\\u066c\\u07f8\\u2018\\u2019\\u2024\\u2044\\ufe10\\ufe14\\ufe50\\ufe52\\ufe54\\uff07\\uff0c\\uff0e\\uff1b](?=[0-9]))[0-9_${LETTER}]+)*'`;

const PLATFORM_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tenant registry',
    sql: `
      CREATE TABLE IF NOT EXISTS vigilo.tenants (
        id text PRIMARY KEY CHECK (id ~ '^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){2,39}$'),
        display_name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deleting')),
        schema_name text NOT NULL UNIQUE,
        role_name text NOT NULL UNIQUE,
        schema_version integer NOT NULL DEFAULT 0,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          CREATE ROLE ${APP_ROLE} NOLOGIN;
        END IF;
      END $$;
      GRANT USAGE ON SCHEMA vigilo TO ${APP_ROLE};
      GRANT SELECT ON vigilo.tenants TO ${APP_ROLE};
    `,
  },
  {
    version: 2,
    name: 'tenant registry change notifications',
    sql: `
      CREATE OR REPLACE FUNCTION vigilo.notify_tenant_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('vigilo_tenants', COALESCE(NEW.id, OLD.id));
        RETURN NULL;
      END $$;
      DROP TRIGGER IF EXISTS tenants_notify ON vigilo.tenants;
      CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON vigilo.tenants
        FOR EACH ROW EXECUTE FUNCTION vigilo.notify_tenant_change();
    `,
  },
  {
    version: 3,
    name: 'query language helpers',
    // The SQL read path's emulation of the search engine (see @vigilo/query and docs/query-language.md):
    // the standard analyzer's word segmentation (UAX #29 word rules for Latin, Greek and Cyrillic letters and
    // digits) and lower-casing, phrase and token-prefix matching, numbers and partial dates as the engine
    // indexes them. IMMUTABLE, so they can back expression indexes later.
    sql: `
      CREATE OR REPLACE FUNCTION vigilo.std_tokens(value text) RETURNS text[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        SELECT coalesce(array_agg(m[1] ORDER BY n), '{}'::text[])
        FROM regexp_matches(lower(value), ${STD_TOKEN_PATTERN}, 'g') WITH ORDINALITY AS r(m, n)
        WHERE m[1] ~ ${STD_WORD_CHAR}
      $fn$;
      CREATE OR REPLACE FUNCTION vigilo.std_phrase(value text, phrase text) RETURNS boolean
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT CASE WHEN value IS NULL OR phrase IS NULL OR cardinality(p.tokens) = 0 THEN false
          ELSE strpos(' ' || array_to_string(vigilo.std_tokens(value), ' ') || ' ', ' ' || array_to_string(p.tokens, ' ') || ' ') > 0 END
        FROM (SELECT vigilo.std_tokens(phrase) AS tokens) p
      $fn$;
      CREATE OR REPLACE FUNCTION vigilo.std_token_like(value text, pattern text) RETURNS boolean
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT coalesce(EXISTS (SELECT 1 FROM unnest(vigilo.std_tokens(value)) t WHERE t LIKE pattern ESCAPE '\\'), false)
      $fn$;
      CREATE OR REPLACE FUNCTION vigilo.to_double(value text) RETURNS double precision
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        SELECT CASE WHEN value ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]{1,3})?\\s*$' THEN value::double precision END
      $fn$;
      CREATE OR REPLACE FUNCTION vigilo.partial_date_day(value text, year_only boolean) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        SELECT CASE WHEN value ~ '^[0-9]{4}([0-9]{2}([0-9]{2})?)?$'
          THEN CASE WHEN year_only THEN left(value, 4) || '0101' ELSE rpad(value, 8, '01') END END
      $fn$;
      GRANT EXECUTE ON FUNCTION vigilo.std_tokens(text), vigilo.std_phrase(text, text), vigilo.std_token_like(text, text),
        vigilo.to_double(text), vigilo.partial_date_day(text, boolean) TO ${APP_ROLE};
    `,
  },
  {
    version: 4,
    name: 'proxy: API keys, audit log, rate limit counters',
    // API keys: only a SHA-256 of the 256-bit secret is kept; the prefix identifies a key without revealing it.
    // The audit log is append-only: the service role may only insert and read, and a trigger refuses updates,
    // deletes and truncation by anyone. Rate limit counters follow rate-limiter-flexible's table layout.
    sql: `
      CREATE TABLE IF NOT EXISTS vigilo.api_keys (
        prefix text PRIMARY KEY CHECK (prefix ~ '^[a-z0-9]{12}$'),
        secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
        tenant_id text NOT NULL REFERENCES vigilo.tenants (id) ON DELETE CASCADE,
        scopes text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'pii:read', 'admin']),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS api_keys_tenant ON vigilo.api_keys (tenant_id);
      GRANT SELECT ON vigilo.api_keys TO ${APP_ROLE};

      CREATE TABLE IF NOT EXISTS vigilo.proxy_audit (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL,
        request_id text NOT NULL,
        principal text NOT NULL,
        tenant_id text,
        method text NOT NULL,
        route text NOT NULL,
        index_expressions text[] NOT NULL DEFAULT '{}',
        decision text NOT NULL CHECK (decision IN ('allowed', 'denied')),
        reason text,
        status integer NOT NULL,
        latency_ms double precision NOT NULL
      );
      CREATE INDEX IF NOT EXISTS proxy_audit_tenant_at ON vigilo.proxy_audit (tenant_id, at);
      CREATE OR REPLACE FUNCTION vigilo.proxy_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'vigilo.proxy_audit is append-only';
      END $$;
      DROP TRIGGER IF EXISTS proxy_audit_no_update ON vigilo.proxy_audit;
      CREATE TRIGGER proxy_audit_no_update BEFORE UPDATE OR DELETE ON vigilo.proxy_audit
        FOR EACH ROW EXECUTE FUNCTION vigilo.proxy_audit_append_only();
      DROP TRIGGER IF EXISTS proxy_audit_no_truncate ON vigilo.proxy_audit;
      CREATE TRIGGER proxy_audit_no_truncate BEFORE TRUNCATE ON vigilo.proxy_audit
        FOR EACH STATEMENT EXECUTE FUNCTION vigilo.proxy_audit_append_only();
      GRANT SELECT, INSERT ON vigilo.proxy_audit TO ${APP_ROLE};

      CREATE TABLE IF NOT EXISTS vigilo.rate_limits (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      );
      GRANT SELECT, INSERT, UPDATE, DELETE ON vigilo.rate_limits TO ${APP_ROLE};
    `,
  },
];

/** Per-tenant migrations, rendered for one tenant's schema and role. */
function tenantMigrations(tenant: TenantId): readonly Migration[] {
  const schema = tenantSchemaName(tenant);
  const role = tenantRoleName(tenant);
  const t = (table: string) => qualified(schema, table);
  const tenantColumn = `tenant_id text NOT NULL DEFAULT ${literal(tenant)} CHECK (tenant_id = ${literal(tenant)})`;
  const policy = (table: string) => `
    ALTER TABLE ${t(table)} ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS tenant_isolation ON ${t(table)};
    CREATE POLICY tenant_isolation ON ${t(table)} TO ${ident(role)}
      USING (tenant_id = ${literal(tenant)}) WITH CHECK (tenant_id = ${literal(tenant)});`;
  return [
    {
      version: 1,
      name: 'reports, versions and outbox',
      sql: `
        CREATE TABLE IF NOT EXISTS ${t('report_versions')} (
          ${tenantColumn},
          safetyreportid text NOT NULL,
          version integer NOT NULL CHECK (version >= 1),
          content jsonb NOT NULL,
          content_hash text NOT NULL,
          nullified boolean NOT NULL,
          received_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (safetyreportid, version)
        );
        CREATE TABLE IF NOT EXISTS ${t('reports')} (
          ${tenantColumn},
          safetyreportid text PRIMARY KEY,
          current_version integer NOT NULL,
          nullified boolean NOT NULL,
          first_received_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS ${t('outbox')} (
          ${tenantColumn},
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          safetyreportid text NOT NULL,
          version integer NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          dispatched_at timestamptz
        );
        CREATE INDEX IF NOT EXISTS outbox_pending ON ${t('outbox')} (id) WHERE dispatched_at IS NULL;
        ${policy('report_versions')}
        ${policy('reports')}
        ${policy('outbox')}
        REVOKE ALL ON SCHEMA ${ident(schema)} FROM PUBLIC;
        GRANT USAGE ON SCHEMA ${ident(schema)} TO ${ident(role)};
        -- History is append-only: the tenant role can never rewrite or delete a version.
        GRANT SELECT, INSERT ON ${t('report_versions')} TO ${ident(role)};
        GRANT SELECT, INSERT, UPDATE ON ${t('reports')} TO ${ident(role)};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ${t('outbox')} TO ${ident(role)};
      `,
    },
    {
      version: 2,
      name: 'outbox notifications and dead letters',
      sql: `
        CREATE OR REPLACE FUNCTION ${t('notify_outbox')}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('vigilo_outbox', ${literal(tenant)});
          RETURN NULL;
        END $$;
        DROP TRIGGER IF EXISTS outbox_notify ON ${t('outbox')};
        CREATE TRIGGER outbox_notify AFTER INSERT ON ${t('outbox')}
          FOR EACH STATEMENT EXECUTE FUNCTION ${t('notify_outbox')}();
        CREATE TABLE IF NOT EXISTS ${t('dead_letters')} (
          ${tenantColumn},
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          task_name text NOT NULL,
          queue text NOT NULL,
          safetyreportid text NOT NULL,
          version integer NOT NULL,
          attempts integer NOT NULL,
          error_code text NOT NULL,
          error_detail text NOT NULL,
          parked_at timestamptz NOT NULL DEFAULT now(),
          replayed_at timestamptz,
          UNIQUE (task_name)
        );
        ${policy('dead_letters')}
        GRANT SELECT, INSERT, UPDATE, DELETE ON ${t('dead_letters')} TO ${ident(role)};
        GRANT EXECUTE ON FUNCTION ${t('notify_outbox')}() TO ${ident(role)};
      `,
    },
    {
      version: 3,
      name: 'lz4 compression of report content',
      // lz4 compresses and decompresses several times faster than the default
      // pglz at a similar ratio for JSON. Servers built without lz4 (the
      // embedded engine) keep pglz.
      sql: `
        DO $$ BEGIN
          ALTER TABLE ${t('report_versions')} ALTER COLUMN content SET COMPRESSION lz4;
        EXCEPTION WHEN feature_not_supported OR invalid_parameter_value OR syntax_error THEN
          RAISE NOTICE 'lz4 not available; report content keeps the default compression';
        END $$;
      `,
    },
    {
      version: 4,
      name: 'outbox origin for repairs and replays',
      // A repair or a dead-letter replay re-sends a version whose task name the
      // queue may still hold reserved; origin and generation give it a name of its own.
      sql: `
        ALTER TABLE ${t('outbox')} ADD COLUMN IF NOT EXISTS origin text NOT NULL DEFAULT 'outbox'
          CHECK (origin IN ('outbox', 'repair', 'replay'));
        ALTER TABLE ${t('outbox')} ADD COLUMN IF NOT EXISTS generation text;
      `,
    },
    {
      version: 5,
      name: 'trace context on outbox rows',
      // W3C traceparent of the request that committed the version, so the
      // indexer's work joins the same trace (ids only: no personal data).
      sql: `ALTER TABLE ${t('outbox')} ADD COLUMN IF NOT EXISTS traceparent text CHECK (traceparent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');`,
    },
    {
      version: 6,
      name: 'query language helpers for the tenant role',
      // The SQL read path runs as the tenant role (asTenant); it calls the platform's query helpers.
      // USAGE on the schema grants no access to its tables.
      sql: `
        GRANT USAGE ON SCHEMA vigilo TO ${ident(role)};
        GRANT EXECUTE ON FUNCTION vigilo.std_tokens(text), vigilo.std_phrase(text, text), vigilo.std_token_like(text, text),
          vigilo.to_double(text), vigilo.partial_date_day(text, boolean) TO ${ident(role)};
      `,
    },
  ];
}

async function ensureLedger(client: PoolClient): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${PLATFORM_SCHEMA}`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS vigilo.schema_migrations (
      scope text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, version)
    )`);
}

async function applyMigrations(pool: Pool, scope: string, migrations: readonly Migration[], before?: (c: PoolClient) => Promise<void>): Promise<number> {
  return withTransaction(pool, async (client) => {
    // One migrator at a time per scope, across processes and replicas.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vigilo:migrate:${scope}`]);
    await ensureLedger(client);
    if (before) await before(client);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM vigilo.schema_migrations WHERE scope = $1', [scope]);
    const applied = new Set(rows.map((r) => r.version));
    let latest = Math.max(0, ...applied);
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO vigilo.schema_migrations (scope, version, name) VALUES ($1, $2, $3)', [scope, migration.version, migration.name]);
      latest = Math.max(latest, migration.version);
    }
    return latest;
  });
}

/** Creates or upgrades the platform schema. Idempotent; safe to run concurrently. */
export async function migratePlatform(pool: Pool): Promise<number> {
  return applyMigrations(pool, 'platform', PLATFORM_MIGRATIONS);
}

/** The newest tenant schema version this code knows. */
export const TENANT_SCHEMA_VERSION = 6;

/**
 * Creates or upgrades one tenant's schema, role and row-level security.
 * Idempotent, level-triggered: the operator calls it on every reconcile.
 */
export async function migrateTenant(pool: Pool, tenantInput: string): Promise<number> {
  const tenant = parseTenantId(tenantInput);
  const schema = tenantSchemaName(tenant);
  const role = tenantRoleName(tenant);
  const version = await applyMigrations(pool, `tenant:${tenant}`, tenantMigrations(tenant), async (client) => {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
    await client.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(role)}) THEN
          CREATE ROLE ${ident(role)} NOLOGIN;
        END IF;
      END $$;`);
    await client.query(`GRANT ${ident(role)} TO ${APP_ROLE}`);
  });
  await pool.query('UPDATE vigilo.tenants SET schema_version = $2, updated_at = now() WHERE id = $1 AND schema_version <> $2', [tenant, version]);
  return version;
}

/**
 * Removes a tenant's schema (with every report), its role and its registry
 * row. Only the operator's `deletionPolicy: Delete` path calls this.
 */
export async function dropTenantSchema(pool: Pool, tenantInput: string): Promise<void> {
  const tenant = parseTenantId(tenantInput);
  const schema = tenantSchemaName(tenant);
  const role = tenantRoleName(tenant);
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vigilo:migrate:tenant:${tenant}`]);
    await client.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    await client.query('DELETE FROM vigilo.schema_migrations WHERE scope = $1', [`tenant:${tenant}`]);
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (exists.rowCount) {
      await client.query(`REVOKE ${ident(role)} FROM ${APP_ROLE}`);
      await client.query(`DROP OWNED BY ${ident(role)}`);
      await client.query(`DROP ROLE ${ident(role)}`);
    }
  });
}
