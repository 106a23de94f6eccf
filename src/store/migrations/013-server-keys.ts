import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Keys and checks sealed under the master secret (TWOFOLD_SECRET), by name: the check
  // that a secret is the one the data is sealed with, and the recovery codes' HMAC key.
  // Re-sealed, never changed, by `twofold secret rotate`.
  await db.schema
    .createTable('server_keys')
    .addColumn('purpose', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('server_keys').execute();
}
