// The browser-and-address pairs each person has signed in from (hashes only).
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** Whether the person has signed in from more than one browser-and-address pair. */
export async function hasOtherKnownBrowsers(db: Db, userId: string, id: string): Promise<boolean> {
  return (await db.selectFrom('known_browsers').select('id').where('user_id', '=', userId).where('id', '<>', id).limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Records the pair; true only for the one caller that added it. Race prevented: two
 * sign-ins from one new browser at once (a double submit) send one email, not two.
 */
export async function addKnownBrowser(db: Db, id: string, userId: string, atMs: number): Promise<boolean> {
  const result = await db
    .insertInto('known_browsers')
    .values({ id, user_id: userId, first_seen_at: atMs, last_seen_at: atMs })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

export async function touchKnownBrowser(db: Db, id: string, atMs: number): Promise<void> {
  await db.updateTable('known_browsers').set({ last_seen_at: atMs }).where('id', '=', id).execute();
}

export async function deleteKnownBrowsersNotSeenSince(db: Db, beforeMs: number): Promise<void> {
  await db.deleteFrom('known_browsers').where('last_seen_at', '<', beforeMs).execute();
}
