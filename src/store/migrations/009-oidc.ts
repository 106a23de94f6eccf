import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // How a session signed in (RFC 8176 values, space-separated): what an app learns as `amr`.
  await db.schema.alterTable('sessions').addColumn('amr', 'text', (c) => c.notNull().defaultTo('pwd')).execute();
  // When a link emailed to the address was used (an invitation or a password reset): an
  // app may trust `email_verified` only then.
  await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();
  // Where the person was going when the code step came between: an app's sign-in, a page.
  await db.schema.alterTable('sign_in_attempts').addColumn('next_path', 'text').execute();

  // Every piece of OpenID Provider state (sessions, grants, codes, tokens, interactions,
  // replay marks), one row each, so any node can carry on a flow another node started.
  await db.schema
    .createTable('oidc_payloads')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code', 'text')
    // the person it belongs to: a security change ends their app sessions and tokens too
    .addColumn('account_id', 'text')
    // the app it was issued to: removing the app removes what it holds
    .addColumn('client_id', 'text')
    // first written (service clock): when an app's sign-in request began
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oidc_payloads_grant_id').on('oidc_payloads').column('grant_id').execute();
  await db.schema.createIndex('oidc_payloads_uid').on('oidc_payloads').column('uid').execute();
  await db.schema.createIndex('oidc_payloads_account_id').on('oidc_payloads').column('account_id').execute();
  await db.schema.createIndex('oidc_payloads_client_id').on('oidc_payloads').column('client_id').execute();
  await db.schema.createIndex('oidc_payloads_expires_at').on('oidc_payloads').column('expires_at').execute();

  // Which Twofold sign-in an app's sign-in (the provider's session) came from: when the
  // Twofold session ends, however it ends, the app's refresh tokens end with it.
  await db.schema
    .createTable('oidc_session_links')
    .addColumn('provider_session_uid', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('oidc_session_links_session_id').on('oidc_session_links').column('session_id').execute();

  // Apps registered by the operator (`twofold client add`).
  await db.schema
    .createTable('oidc_clients')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // sealed with the server key; null for a public client (PKCE only)
    .addColumn('secret_sealed', 'text')
    // JSON arrays of exact URIs
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
    // only people under this organisation (a firm, or an aggregator and its firms)
    .addColumn('org_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
    // ES256 unless the app is too old for it (RS256)
    .addColumn('id_token_alg', 'text', (c) => c.notNull().defaultTo('ES256'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('secret_rotated_at', 'bigint')
    .execute();

  // The provider's signing keys, private halves sealed with the server key. A new key is
  // published before it signs (every node must serve it first); a retired key is still
  // published until the tokens it signed have expired.
  await db.schema
    .createTable('oidc_signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('signs_from', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oidc_signing_keys').execute();
  await db.schema.dropTable('oidc_clients').execute();
  await db.schema.dropTable('oidc_session_links').execute();
  await db.schema.dropTable('oidc_payloads').execute();
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
  await db.schema.alterTable('sign_in_attempts').dropColumn('next_path').execute();
  await db.schema.alterTable('sessions').dropColumn('amr').execute();
}
