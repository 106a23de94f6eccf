import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Set on an aggregator: everyone under it must have 2FA before using the app.
  await db.schema.alterTable('organizations').addColumn('require_two_factor', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  // A reset done by an aggregator admin (or the operator), shown to the person at their next sign-in.
  await db.schema
    .createTable('two_factor_resets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('reset_by_user_id', 'text')
    .addColumn('reset_by_name', 'text', (c) => c.notNull())
    .addColumn('organization_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('seen_at', 'bigint')
    .execute();
  await db.schema.createIndex('two_factor_resets_user').on('two_factor_resets').columns(['user_id', 'created_at']).execute();

  // Activity pages walk (user, time, id) with a cursor; retention walks time.
  await db.schema.dropIndex('security_events_user_time').execute();
  await db.schema.createIndex('security_events_user_time_id').on('security_events').columns(['user_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('security_events_time').on('security_events').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('security_events_time').execute();
  await db.schema.dropIndex('security_events_user_time_id').execute();
  await db.schema.createIndex('security_events_user_time').on('security_events').columns(['user_id', 'created_at']).execute();
  await db.schema.dropTable('two_factor_resets').execute();
  await db.schema.alterTable('organizations').dropColumn('require_two_factor').execute();
}
