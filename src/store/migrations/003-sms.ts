import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sms_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('attempt_id', 'text')
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('mobile', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('tries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('used_at', 'bigint')
    .execute();
  // One live code per person and purpose: asking for a new one replaces the old.
  await db.schema.createIndex('sms_codes_user_purpose').on('sms_codes').columns(['user_id', 'purpose']).unique().execute();

  await db.schema
    .createTable('sms_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text')
    .addColumn('mobile', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sms_log_user_time').on('sms_log').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('outbox_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('html', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('outbox_messages_time').on('outbox_messages').column('created_at').execute();

  await db.schema.alterTable('sign_in_attempts').addColumn('last_four_tries', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sign_in_attempts').addColumn('recovery_unlocked', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sign_in_attempts').dropColumn('recovery_unlocked').execute();
  await db.schema.alterTable('sign_in_attempts').dropColumn('last_four_tries').execute();
  await db.schema.dropTable('outbox_messages').execute();
  await db.schema.dropTable('sms_log').execute();
  await db.schema.dropTable('sms_codes').execute();
}
