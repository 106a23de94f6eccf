// Single-use links sent by email (password resets, invitations): only the SHA-256 of
// each token is stored, with its purpose, lifetime and the moment it was used.
import type { Kysely, Selectable } from 'kysely';
import type { AccountTokenPurpose, AccountTokensTable, Database } from './schema.js';

type Db = Kysely<Database>;
export type AccountTokenRow = Selectable<AccountTokensTable>;

export async function insertAccountToken(db: Db, row: AccountTokenRow): Promise<void> {
  await db.insertInto('account_tokens').values(row).execute();
}

export function findAccountToken(db: Db, id: string, purpose: AccountTokenPurpose): Promise<AccountTokenRow | undefined> {
  return db.selectFrom('account_tokens').selectAll().where('id', '=', id).where('purpose', '=', purpose).executeTakeFirst();
}

/** Whether a token for (user, purpose) was issued after `sinceMs`. */
export async function hasAccountTokenSince(db: Db, userId: string, purpose: AccountTokenPurpose, sinceMs: number): Promise<boolean> {
  const row = await db.selectFrom('account_tokens').select('id').where('user_id', '=', userId).where('purpose', '=', purpose).where('created_at', '>', sinceMs).executeTakeFirst();
  return row !== undefined;
}

/**
 * Uses the token: true only for the first caller, while it is live.
 * Race prevented: the same link opened in two tabs sets a password once; the loser's
 * transaction changes nothing.
 */
export async function useAccountToken(db: Db, id: string, nowMs: number): Promise<boolean> {
  const used = await db.updateTable('account_tokens').set({ used_at: nowMs }).where('id', '=', id).where('used_at', 'is', null).where('expires_at', '>', nowMs).executeTakeFirst();
  return used.numUpdatedRows === 1n;
}

/** Ends every unused link of the person (of one purpose, or all). */
export async function voidAccountTokens(db: Db, userId: string, nowMs: number, purpose?: AccountTokenPurpose): Promise<void> {
  let query = db.updateTable('account_tokens').set({ used_at: nowMs }).where('user_id', '=', userId).where('used_at', 'is', null);
  if (purpose) query = query.where('purpose', '=', purpose);
  await query.execute();
}
