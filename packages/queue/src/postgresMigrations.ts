import { withTransaction, type Pool, type PoolClient } from '@vigilo/postgres';

/** Ledger scope of the queue's tables in `vigilo.schema_migrations`. */
export const TASK_QUEUE_MIGRATION_SCOPE = 'queue';
/** The channel `enqueue` notifies (payload: the queue name) so dispatchers wake at once. */
export const TASK_NOTIFY_CHANNEL = 'vigilo_tasks';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'task queues and tasks',
    sql: `
      CREATE TABLE IF NOT EXISTS vigilo.task_queues (
        name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9-]{1,100}$'),
        max_attempts integer NOT NULL CHECK (max_attempts >= 1),
        min_backoff_ms integer NOT NULL CHECK (min_backoff_ms >= 0),
        max_backoff_ms integer NOT NULL,
        max_dispatches_per_second double precision NOT NULL CHECK (max_dispatches_per_second > 0),
        max_concurrent_dispatches integer NOT NULL CHECK (max_concurrent_dispatches >= 1),
        paused boolean NOT NULL DEFAULT false,
        -- Token bucket shared by every dispatcher (refilled at max_dispatches_per_second);
        -- 'Infinity' is clamped to the burst size on first use, so a new queue starts full.
        rate_tokens double precision NOT NULL DEFAULT 'Infinity',
        rate_refilled_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (max_backoff_ms >= min_backoff_ms)
      );
      CREATE TABLE IF NOT EXISTS vigilo.tasks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        queue text NOT NULL REFERENCES vigilo.task_queues (name) ON DELETE CASCADE,
        -- (PostgreSQL regular expressions allow repetition counts up to 255 only.)
        name text NOT NULL CHECK (name ~ '^[A-Za-z0-9_-]+$' AND length(name) <= 500),
        payload jsonb NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done', 'exhausted')),
        -- Dispatches started (a lease counts as one); X-CloudTasks-TaskRetryCount = dispatch_count - 1.
        dispatch_count integer NOT NULL DEFAULT 0,
        -- Dispatches that ended with an answer or a failed connection (not an expired lease).
        response_count integer NOT NULL DEFAULT 0,
        -- The schedule time of the next (or, while leased, the current) dispatch.
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_token uuid,
        lease_expires_at timestamptz,
        leased_by text,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        -- The name stays reserved while the row exists (done and exhausted rows are purged after the retention).
        UNIQUE (queue, name),
        CHECK ((state = 'leased') = (lease_expires_at IS NOT NULL AND lease_token IS NOT NULL)),
        CHECK ((state IN ('done', 'exhausted')) = (finished_at IS NOT NULL))
      );
      CREATE INDEX IF NOT EXISTS tasks_due ON vigilo.tasks (queue, next_attempt_at) WHERE state = 'pending';
      CREATE INDEX IF NOT EXISTS tasks_leased ON vigilo.tasks (queue, lease_expires_at) WHERE state = 'leased';
      CREATE INDEX IF NOT EXISTS tasks_finished ON vigilo.tasks (finished_at) WHERE state IN ('done', 'exhausted');
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigilo_app') THEN
          CREATE ROLE vigilo_app NOLOGIN;
        END IF;
      END $$;
      GRANT USAGE ON SCHEMA vigilo TO vigilo_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON vigilo.task_queues, vigilo.tasks TO vigilo_app;
    `,
  },
];

/** The newest queue schema version this code knows. */
export const TASK_QUEUE_SCHEMA_VERSION = MIGRATIONS.length;

async function ensureLedger(client: PoolClient): Promise<void> {
  await client.query('CREATE SCHEMA IF NOT EXISTS vigilo');
  await client.query(`
    CREATE TABLE IF NOT EXISTS vigilo.schema_migrations (
      scope text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, version)
    )`);
}

/** The advisory-lock key `migratePlatform` of @vigilo/postgres holds while it migrates. */
const PLATFORM_MIGRATION_LOCK = 'vigilo:migrate:platform';

/** SQLSTATEs of a concurrent `CREATE ... IF NOT EXISTS` by a migrator of another scope (different lock). */
const CONCURRENT_DDL = new Set(['23505', '42P06', '42P07', '42710']);

/**
 * Creates or upgrades the queue's tables (`vigilo.task_queues`,
 * `vigilo.tasks`). Idempotent and safe to run concurrently: one migrator at a
 * time holds the scope's advisory lock, and applied versions are recorded in
 * `vigilo.schema_migrations` under scope `queue`. Returns the schema version.
 */
export async function migrateTaskQueue(pool: Pool): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vigilo:migrate:${TASK_QUEUE_MIGRATION_SCOPE}`]);
        // Also the platform migrator's lock (same key as @vigilo/postgres migratePlatform): both create the
        // `vigilo` schema and the ledger, and a concurrent CREATE ... IF NOT EXISTS fails on a fresh database.
        // Always taken after the queue lock, and the platform migrator takes no other, so no deadlock.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [PLATFORM_MIGRATION_LOCK]);
        await ensureLedger(client);
        const { rows } = await client.query<{ version: number }>('SELECT version FROM vigilo.schema_migrations WHERE scope = $1', [TASK_QUEUE_MIGRATION_SCOPE]);
        const applied = new Set(rows.map((r) => r.version));
        let latest = Math.max(0, ...applied);
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          await client.query(migration.sql);
          await client.query('INSERT INTO vigilo.schema_migrations (scope, version, name) VALUES ($1, $2, $3)', [
            TASK_QUEUE_MIGRATION_SCOPE,
            migration.version,
            migration.name,
          ]);
          latest = Math.max(latest, migration.version);
        }
        return latest;
      });
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      // A tenant migrator (another lock) may create the schema or the ledger at the same moment.
      if (typeof code === 'string' && CONCURRENT_DDL.has(code) && attempt < 5) continue;
      throw error;
    }
  }
}
