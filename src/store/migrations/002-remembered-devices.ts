import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('remembered_devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // What the settings page names a device by; the token hash never leaves the server.
    .addColumn('handle', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('bound_ip', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('remembered_devices_user_id').on('remembered_devices').column('user_id').execute();
  await db.schema.createIndex('remembered_devices_expires_at').on('remembered_devices').column('expires_at').execute();
  // Why the code was asked for although this browser had been remembered (shown on the code screen).
  await db.schema.alterTable('sign_in_attempts').addColumn('remembered_device_note', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sign_in_attempts').dropColumn('remembered_device_note').execute();
  await db.schema.dropTable('remembered_devices').execute();
}
