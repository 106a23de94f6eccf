import type { Kysely, Selectable } from 'kysely';
import type { Database, TotpEnrollmentsTable, TwoFactorTable } from './schema.js';
import { changedRows, firstRow, prepared } from './prepared.js';

type Db = Kysely<Database>;
export type TwoFactorRow = Selectable<TwoFactorTable>;
export type TotpEnrollmentRow = Selectable<TotpEnrollmentsTable>;

const selectTwoFactor = prepared((db, userId: string) => db.selectFrom('two_factor').selectAll().where('user_id', '=', userId));

export function findTwoFactor(db: Db, userId: string): Promise<TwoFactorRow | undefined> {
  return firstRow(selectTwoFactor(db, userId));
}

/**
 * Marks `step` as used and reports whether this caller was first.
 * Race prevented: two requests carrying the same valid code at the same moment
 * (a replay racing the real user, or a double submit) both pass the in-memory
 * check; only the one whose UPDATE moves last_used_step forward wins.
 */
export async function claimTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  return (await changedRows(updateLastUsedStep(db, userId, step))) === 1n;
}

const updateLastUsedStep = prepared((db, userId: string, step: number) =>
  db
    .updateTable('two_factor')
    .set({ last_used_step: step })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)])),
);

export async function upsertTotpEnrollment(db: Db, row: TotpEnrollmentRow): Promise<void> {
  await db
    .insertInto('totp_enrollments')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ totp_secret: row.totp_secret, session_id: row.session_id, created_at: row.created_at, expires_at: row.expires_at }))
    .execute();
}

export function findTotpEnrollment(db: Db, userId: string): Promise<TotpEnrollmentRow | undefined> {
  return db.selectFrom('totp_enrollments').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/**
 * Takes the pending enrolment away (it becomes the factor); true only for the caller
 * that deleted it.
 * Race prevented: two confirmations at once (double click, two tabs) both pass the
 * code check; only the transaction that claimed the enrolment goes on to turn 2FA on.
 */
export async function claimTotpEnrollment(db: Db, userId: string, sessionId: string | null): Promise<boolean> {
  // Another session may have replaced the enrolment since it was read: then it is not ours to claim.
  const deleted = await db
    .deleteFrom('totp_enrollments')
    .where('user_id', '=', userId)
    .where('session_id', sessionId === null ? 'is' : '=', sessionId)
    .executeTakeFirst();
  return deleted.numDeletedRows === 1n;
}

export async function deleteTwoFactor(db: Db, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('two_factor').where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/**
 * Race prevented: two confirmations at once (double click, two tabs) turn 2FA on once;
 * the second insert meets the primary key and reports false.
 */
export async function insertTwoFactor(db: Db, row: TwoFactorRow): Promise<boolean> {
  const inserted = await db.insertInto('two_factor').values(row).onConflict((oc) => oc.column('user_id').doNothing()).executeTakeFirst();
  return (inserted.numInsertedOrUpdatedRows ?? 0n) === 1n;
}

export async function deleteExpiredTotpEnrollments(db: Db, nowMs: number): Promise<void> {
  await db.deleteFrom('totp_enrollments').where('expires_at', '<=', nowMs).execute();
}

export async function deleteTotpEnrollment(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('totp_enrollments').where('user_id', '=', userId).execute();
}
