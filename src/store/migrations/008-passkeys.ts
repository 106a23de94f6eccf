import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('passkeys')
    // The credential id the authenticator chose, base64url: what an assertion names.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // COSE public key, base64url. Public: a copy of the database signs nobody in.
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('sign_count', 'bigint', (c) => c.notNull())
    // JSON array of the transports the browser reported ("usb", "internal", "hybrid"…)
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('aaguid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('passkeys_user_id').on('passkeys').column('user_id').execute();

  // The WebAuthn user handle: random, so an authenticator holds neither the email nor the user id.
  await db.schema
    .createTable('webauthn_user_handles')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('handle', 'text', (c) => c.notNull().unique())
    .execute();

  await db.schema
    .createTable('webauthn_challenges')
    // SHA-256 of the challenge: the row an answer names through its clientDataJSON.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    // null for "Sign in with a passkey": nobody is known until the passkey answers
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    // what started it: a session id, a sign-in attempt id, or the SHA-256 of a browser token
    .addColumn('bound_to', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webauthn_challenges_expires_at').on('webauthn_challenges').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webauthn_challenges').execute();
  await db.schema.dropTable('webauthn_user_handles').execute();
  await db.schema.dropTable('passkeys').execute();
}
