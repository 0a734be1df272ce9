/**
 * The database's schema, in numbered migrations applied in order and recorded in
 * svidkit_schema_migrations. Every replica runs this at start; a transaction-scoped advisory lock
 * (PostgreSQL docs 9.27.10, pg_advisory_xact_lock) makes replicas that start at once take turns, so
 * each migration runs exactly once and nobody reads a half-made schema. Teleport's pgbk does the
 * same with its own version table (lib/backend/pgbk/pgbk.go setupAndMigrate).
 */
import type pg from 'pg'
import {BadParameterError} from '../../errors.js'

/** An arbitrary 64-bit key: "svidkit schema". */
export const SCHEMA_LOCK_KEY = 0x73766b5f736368n

const MIGRATIONS: readonly string[] = [
  // 1: resources (one row per resource, with its revision and expiry), the CA state document, the
  // cluster's identity, and the audit log.
  `CREATE TABLE svidkit_resources (
     kind text NOT NULL,
     name text NOT NULL,
     revision text NOT NULL,
     value text NOT NULL,
     expires timestamptz,
     PRIMARY KEY (kind, name)
   );
   CREATE INDEX svidkit_resources_expires ON svidkit_resources (expires) WHERE expires IS NOT NULL;
   CREATE TABLE svidkit_ca_state (
     id smallint PRIMARY KEY CHECK (id = 1),
     data text NOT NULL,
     revision text NOT NULL
   );
   CREATE TABLE svidkit_cluster (
     id smallint PRIMARY KEY CHECK (id = 1),
     cluster_name text NOT NULL,
     created_at timestamptz NOT NULL,
     public_addr text
   );`,
]

export const SCHEMA_VERSION = MIGRATIONS.length

/** The audit log's own table: `audit_events_uri` may name another database than the state's. */
const AUDIT_MIGRATIONS: readonly string[] = [
  `CREATE TABLE svidkit_audit_events (
     id bigserial PRIMARY KEY,
     time timestamptz NOT NULL DEFAULT now(),
     event text NOT NULL,
     body jsonb NOT NULL
   );
   CREATE INDEX svidkit_audit_events_time ON svidkit_audit_events (time);`,
]

export function migrateState(pool: pg.Pool): Promise<void> {
  return migrate(pool, 'state', MIGRATIONS)
}

export function migrateAudit(pool: pg.Pool): Promise<void> {
  return migrate(pool, 'audit', AUDIT_MIGRATIONS)
}

async function migrate(pool: pg.Pool, component: string, migrations: readonly string[]): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY.toString()])
    await client.query(`CREATE TABLE IF NOT EXISTS svidkit_schema_migrations (
      component text NOT NULL, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`)
    const {rows} = await client.query<{v: number | null}>('SELECT max(version) AS v FROM svidkit_schema_migrations WHERE component = $1', [component])
    const current = rows[0]?.v ?? 0
    if (current > migrations.length) {
      throw new BadParameterError(`the database's ${component} schema is version ${current}, newer than this version of svidkit knows (${migrations.length}); upgrade svidkit`)
    }
    for (let v = current + 1; v <= migrations.length; v++) {
      await client.query(migrations[v - 1]!)
      await client.query('INSERT INTO svidkit_schema_migrations (component, version) VALUES ($1, $2)', [component, v])
    }
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}
