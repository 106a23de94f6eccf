import type { Kysely, Selectable } from 'kysely';
import type { Database, RecoveryCodeRevealsTable, RecoveryCodesTable } from './schema.js';

type Db = Kysely<Database>;
export type RecoveryCodeRow = Selectable<RecoveryCodesTable>;
export type RecoveryCodeRevealRow = Selectable<RecoveryCodeRevealsTable>;

/** The old set stops working in the same statement order the new one is written: call inside a transaction. */
export async function replaceRecoveryCodes(db: Db, userId: string, rows: RecoveryCodeRow[]): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  if (rows.length > 0) await db.insertInto('recovery_codes').values(rows).execute();
}

export function listUnusedRecoveryCodes(db: Db, userId: string): Promise<RecoveryCodeRow[]> {
  return db.selectFrom('recovery_codes').selectAll().where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

export async function countUnusedRecoveryCodes(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Marks one code used; true only for the caller that did.
 * Race prevented: the same code sent twice at once (a double submit, or a thief racing
 * the owner with a code read over their shoulder) passes the hash check in both
 * requests; only the update that finds `used_at` still empty signs in. (The code step
 * also holds the person's row from its guess count on; this holds without it.)
 */
export async function spendRecoveryCode(db: Db, codeId: string, nowMs: number): Promise<boolean> {
  const result = await db.updateTable('recovery_codes').set({ used_at: nowMs }).where('id', '=', codeId).where('used_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function deleteRecoveryCodes(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

export async function upsertRecoveryCodeReveal(db: Db, row: RecoveryCodeRevealRow): Promise<void> {
  await db
    .insertInto('recovery_code_reveals')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ session_id: row.session_id, sealed_codes: row.sealed_codes, created_at: row.created_at, expires_at: row.expires_at }))
    .execute();
}

export function findRecoveryCodeReveal(db: Db, userId: string): Promise<RecoveryCodeRevealRow | undefined> {
  return db.selectFrom('recovery_code_reveals').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export async function deleteRecoveryCodeReveal(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('recovery_code_reveals').where('user_id', '=', userId).execute();
}

export async function deleteExpiredRecoveryCodeReveals(db: Db, nowMs: number): Promise<void> {
  await db.deleteFrom('recovery_code_reveals').where('expires_at', '<=', nowMs).execute();
}
