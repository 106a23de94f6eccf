import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The browsers and addresses each person has signed in from: a sign-in from one never
  // seen before is emailed. Only a hash is kept (of the person, the kind of browser and
  // the address), enough to recognise a pair again and nothing more.
  await db.schema
    .createTable('known_browsers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('known_browsers_user_id').on('known_browsers').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('known_browsers').execute();
}
