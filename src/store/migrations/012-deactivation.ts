import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // When an administrator (or the operator) deactivated the person; null while they may
  // sign in. A column on the person rather than a deleted row: their activity stays, an
  // admin can reactivate them, and the session check refuses them by reading it (so a
  // session that slipped past the deactivation on another node is refused all the same).
  await db.schema.alterTable('users').addColumn('deactivated_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('deactivated_at').execute();
}
