import type { Kysely, Selectable } from 'kysely';
import type { Database, SignInAttemptsTable } from './schema.js';

type Db = Kysely<Database>;
export type SignInAttemptRow = Selectable<SignInAttemptsTable>;

export async function insertSignInAttempt(db: Db, attempt: Omit<SignInAttemptRow, 'code_tries'>): Promise<void> {
  await db.insertInto('sign_in_attempts').values(attempt).execute();
}

export function findSignInAttempt(db: Db, attemptId: string): Promise<SignInAttemptRow | undefined> {
  return db.selectFrom('sign_in_attempts').selectAll().where('id', '=', attemptId).executeTakeFirst();
}

/**
 * Takes one of the attempt's code tries, or returns false when none are left or the
 * attempt has expired. Race prevented: a burst of parallel guesses on one attempt
 * (or one attempt used from two nodes) cannot get more than `maxTries` checks,
 * because the count and the bound are one UPDATE.
 */
export async function takeCodeTry(db: Db, attemptId: string, maxTries: number, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('sign_in_attempts')
    .set((eb) => ({ code_tries: eb('code_tries', '+', 1) }))
    .where('id', '=', attemptId)
    .where('code_tries', '<', maxTries)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Ends the attempt and reports whether this caller ended it. Race prevented: two
 * requests finishing the same attempt cannot both be turned into sessions.
 */
export async function consumeSignInAttempt(db: Db, attemptId: string): Promise<boolean> {
  const result = await db.deleteFrom('sign_in_attempts').where('id', '=', attemptId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

export async function deleteUserSignInAttempts(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sign_in_attempts').where('user_id', '=', userId).execute();
}

export async function deleteExpiredSignInAttempts(db: Db, nowMs: number): Promise<void> {
  await db.deleteFrom('sign_in_attempts').where('expires_at', '<=', nowMs).execute();
}

/**
 * Takes one "last 4 digits" try, or returns false when none are left or the attempt
 * expired. Race prevented: parallel answers cannot get more than `maxTries` checks.
 */
export async function takeLastFourTry(db: Db, attemptId: string, maxTries: number, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('sign_in_attempts')
    .set((eb) => ({ last_four_tries: eb('last_four_tries', '+', 1) }))
    .where('id', '=', attemptId)
    .where('last_four_tries', '<', maxTries)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function unlockRecovery(db: Db, attemptId: string): Promise<void> {
  await db.updateTable('sign_in_attempts').set({ recovery_unlocked: 1 }).where('id', '=', attemptId).execute();
}
