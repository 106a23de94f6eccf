// The browser-and-address pairs each person has signed in from (hashes only).
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { changedRows, firstRow, prepared } from './prepared.js';

type Db = Kysely<Database>;

const selectOtherKnownBrowser = prepared((db, userId: string, id: string) => db.selectFrom('known_browsers').select('id').where('user_id', '=', userId).where('id', '<>', id).limit(1));

/** Whether the person has signed in from more than one browser-and-address pair. */
export async function hasOtherKnownBrowsers(db: Db, userId: string, id: string): Promise<boolean> {
  return (await firstRow(selectOtherKnownBrowser(db, userId, id))) !== undefined;
}

/**
 * Records the pair; true only for the one caller that added it. Race prevented: two
 * sign-ins from one new browser at once (a double submit) send one email, not two.
 */
export async function addKnownBrowser(db: Db, id: string, userId: string, atMs: number): Promise<boolean> {
  return (await changedRows(insertKnownBrowser(db, id, userId, atMs))) === 1n;
}

const insertKnownBrowser = prepared((db, id: string, userId: string, atMs: number) =>
  db
    .insertInto('known_browsers')
    .values({ id, user_id: userId, first_seen_at: atMs, last_seen_at: atMs })
    .onConflict((oc) => oc.column('id').doNothing()),
);

const updateKnownBrowserSeen = prepared((db, id: string, atMs: number) => db.updateTable('known_browsers').set({ last_seen_at: atMs }).where('id', '=', id));

export async function touchKnownBrowser(db: Db, id: string, atMs: number): Promise<void> {
  await updateKnownBrowserSeen(db, id, atMs);
}

export async function deleteKnownBrowsersNotSeenSince(db: Db, beforeMs: number): Promise<void> {
  await db.deleteFrom('known_browsers').where('last_seen_at', '<', beforeMs).execute();
}
