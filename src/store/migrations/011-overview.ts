import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The Overview's trends. A day's counts, per organisation and kind of event, are made
  // once after the day has ended (its events no longer change) and kept: the page then
  // reads a few hundred small rows instead of counting millions of events. Today, and a
  // day not counted yet, are counted live over security_events_time (004).
  await db.schema
    .createTable('activity_daily_counts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('activity_daily_counts_pk', ['org_id', 'day', 'type'])
    .execute();
  await db.schema.createIndex('activity_daily_counts_day').on('activity_daily_counts').columns(['day', 'org_id']).execute();
  // A day listed here is counted for every organisation (one with no row had none).
  await db.schema
    .createTable('activity_days_counted')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('counted_at', 'bigint', (c) => c.notNull())
    .execute();
  // "Remind people without 2FA": when each person was last reminded, so no one is
  // reminded more than once a week however many admins press the button.
  await db.schema
    .createTable('two_factor_reminders')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_by', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('two_factor_reminders').execute();
  await db.schema.dropTable('activity_days_counted').execute();
  await db.schema.dropTable('activity_daily_counts').execute();
}
