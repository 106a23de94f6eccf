import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A pending authenticator secret belongs to the session that was shown it: another
  // session of the same person (a thief's) must never be shown the same secret.
  await db.schema.alterTable('totp_enrollments').addColumn('session_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('totp_enrollments').dropColumn('session_id').execute();
}
