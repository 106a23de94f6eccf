import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row a code, only its salted keyed hash: a code is spent by a conditional update
  // of its own row, so two submissions of one code sign in once.
  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('salt', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute();

  // A second factor that is proved but not yet on: it turns on when the person says they
  // saved their recovery codes, from the session that proved it.
  await db.schema
    .createTable('two_factor_activations')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('session_id', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('totp_secret', 'text')
    .addColumn('last_used_step', 'bigint')
    .addColumn('mobile', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  // The plain codes of a new set, sealed, for the session that made them: shown again on
  // reload and for the download until the person says they saved them, then deleted.
  await db.schema
    .createTable('recovery_code_reveals')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('session_id', 'text')
    .addColumn('sealed_codes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recovery_code_reveals').execute();
  await db.schema.dropTable('two_factor_activations').execute();
  await db.schema.dropTable('recovery_codes').execute();
}
