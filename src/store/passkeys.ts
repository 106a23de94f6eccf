// Passkeys and security keys (WebAuthn credentials), and the random user handle each
// person's credentials carry.
import type { Kysely, Selectable } from 'kysely';
import type { Database, PasskeysTable } from './schema.js';

type Db = Kysely<Database>;
export type PasskeyRow = Selectable<PasskeysTable>;

/**
 * Stores a new credential; false when that credential id is already stored (for anyone).
 * Race prevented: the same registration answer submitted twice at once stores one row;
 * the second insert meets the primary key.
 */
export async function insertPasskey(db: Db, row: PasskeyRow): Promise<boolean> {
  const inserted = await db.insertInto('passkeys').values(row).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
  return (inserted.numInsertedOrUpdatedRows ?? 0n) === 1n;
}

export function findPasskey(db: Db, credentialId: string): Promise<PasskeyRow | undefined> {
  return db.selectFrom('passkeys').selectAll().where('id', '=', credentialId).executeTakeFirst();
}

/** Oldest first: the order the person added them in. */
export function listPasskeysOf(db: Db, userId: string): Promise<PasskeyRow[]> {
  return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
}

export async function countPasskeysOf(db: Db, userId: string): Promise<number> {
  const row = await db.selectFrom('passkeys').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Records an accepted use: the new signature counter and the time. True only when the
 * counter still allows it.
 * Race prevented: two assertions with the same counter (a cloned authenticator used at
 * the same moment as the real one, or one answer submitted twice) both pass the check
 * made on the row read before; only the UPDATE that still finds a lower stored counter
 * wins. Authenticators that always report 0 (synced passkeys) stay at 0 and keep working.
 */
export async function recordPasskeyUse(db: Db, credentialId: string, userId: string, newSignCount: number, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ sign_count: newSignCount, last_used_at: nowMs })
    .where('id', '=', credentialId)
    .where('user_id', '=', userId)
    .where((eb) => (newSignCount === 0 ? eb('sign_count', '=', 0) : eb('sign_count', '<', newSignCount)))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function renamePasskeyRow(db: Db, userId: string, credentialId: string, name: string): Promise<boolean> {
  const result = await db.updateTable('passkeys').set({ name }).where('id', '=', credentialId).where('user_id', '=', userId).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Removes one of the person's credentials; false when it is not theirs (or already gone). */
export async function deletePasskeyRow(db: Db, userId: string, credentialId: string): Promise<boolean> {
  const result = await db.deleteFrom('passkeys').where('id', '=', credentialId).where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

export async function deletePasskeysOf(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('passkeys').where('user_id', '=', userId).execute();
}

/**
 * Gives the person a handle unless they have one, and returns theirs.
 * Race prevented: two first registrations at once (two tabs) must not give one person two
 * handles (a passkey made under the losing one would name nobody); the primary key keeps
 * the first, and both read it back.
 */
export async function ensureWebauthnUserHandle(db: Db, userId: string, candidate: string): Promise<string> {
  await db.insertInto('webauthn_user_handles').values({ user_id: userId, handle: candidate }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
  const row = await db.selectFrom('webauthn_user_handles').select('handle').where('user_id', '=', userId).executeTakeFirstOrThrow();
  return row.handle;
}

export async function findWebauthnUserHandle(db: Db, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom('webauthn_user_handles').select('handle').where('user_id', '=', userId).executeTakeFirst();
  return row?.handle;
}
