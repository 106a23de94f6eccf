// The OpenID Provider's state, one row per piece (model + id), as its adapter asks.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export interface OidcPayloadRow {
  payload: string;
  consumed_at: number | null;
  expires_at: number | null;
}

export async function upsertOidcPayload(
  db: Db,
  row: { model: string; id: string; payload: string; grantId: string | null; uid: string | null; userCode: string | null; accountId: string | null; clientId: string | null; expiresAt: number | null; atMs: number },
): Promise<void> {
  const values = { payload: row.payload, grant_id: row.grantId, uid: row.uid, user_code: row.userCode, account_id: row.accountId, client_id: row.clientId, expires_at: row.expiresAt };
  await db
    .insertInto('oidc_payloads')
    .values({ model: row.model, id: row.id, consumed_at: null, created_at: row.atMs, ...values })
    .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(values))
    .execute();
}

const live = (nowMs: number) => (eb: import('kysely').ExpressionBuilder<Database, 'oidc_payloads'>) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowMs)]);

export function findOidcPayload(db: Db, model: string, id: string, nowMs: number): Promise<OidcPayloadRow | undefined> {
  return db.selectFrom('oidc_payloads').select(['payload', 'consumed_at', 'expires_at']).where('model', '=', model).where('id', '=', id).where(live(nowMs)).executeTakeFirst();
}

export function findOidcPayloadBy(db: Db, model: string, column: 'uid' | 'user_code', value: string, nowMs: number): Promise<OidcPayloadRow | undefined> {
  return db.selectFrom('oidc_payloads').select(['payload', 'consumed_at', 'expires_at']).where('model', '=', model).where(column, '=', value).where(live(nowMs)).executeTakeFirst();
}

/** Marks a code or token used; true only for the one caller that changed the row. */
export async function consumeOidcPayload(db: Db, model: string, id: string, atMs: number): Promise<boolean> {
  const result = await db.updateTable('oidc_payloads').set({ consumed_at: atMs }).where('model', '=', model).where('id', '=', id).where('consumed_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** When a piece of state was first written (an interaction: when the app's request reached Twofold). */
export async function findOidcPayloadCreatedAt(db: Db, model: string, id: string): Promise<number | undefined> {
  return (await db.selectFrom('oidc_payloads').select('created_at').where('model', '=', model).where('id', '=', id).executeTakeFirst())?.created_at;
}

export async function deleteOidcPayload(db: Db, model: string, id: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', '=', id).execute();
}

/** Everything issued under one grant: a reused code or refresh token revokes it all. */
export async function deleteOidcPayloadsOfGrant(db: Db, grantId: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
}

/**
 * Every app session, grant, code and token of a person. After a password change, a
 * second-factor change or an admin's reset, no app may stay signed in on the old proof.
 */
export async function deleteOidcPayloadsOfAccount(db: Db, accountId: string): Promise<void> {
  const grants = db.selectFrom('oidc_payloads').select('id').where('model', '=', 'Grant').where('account_id', '=', accountId);
  await db.deleteFrom('oidc_payloads').where('grant_id', 'in', grants).execute();
  await db.deleteFrom('oidc_payloads').where('account_id', '=', accountId).execute();
}

export async function deleteExpiredOidcPayloads(db: Db, nowMs: number): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where('expires_at', '<=', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
