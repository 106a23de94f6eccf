import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** Only one setup link is live at a time: call in the transaction that inserts the new one. */
export async function deleteAllSetupTokens(db: Db): Promise<void> {
  await db.deleteFrom('setup_tokens').execute();
}

export async function insertSetupToken(db: Db, id: string, nowMs: number, expiresAtMs: number): Promise<void> {
  await db.insertInto('setup_tokens').values({ id, created_at: nowMs, expires_at: expiresAtMs }).execute();
}

export async function isSetupTokenLive(db: Db, id: string, nowMs: number): Promise<boolean> {
  const row = await db.selectFrom('setup_tokens').select('id').where('id', '=', id).where('expires_at', '>', nowMs).executeTakeFirst();
  return row !== undefined;
}

export async function deleteExpiredSetupTokens(db: Kysely<Database>, nowMs: number): Promise<void> {
  await db.deleteFrom('setup_tokens').where('expires_at', '<=', nowMs).execute();
}

/**
 * Claims the setup link: true only for the one caller that deleted its row.
 * Race prevented: two people opening the link at once must not both create an admin.
 */
export async function claimSetupToken(db: Kysely<Database>, id: string): Promise<boolean> {
  const claimed = await db.deleteFrom('setup_tokens').where('id', '=', id).executeTakeFirst();
  return claimed.numDeletedRows === 1n;
}
