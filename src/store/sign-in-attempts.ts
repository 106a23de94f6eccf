import type { Kysely, Selectable } from 'kysely';
import type { Database, SignInAttemptsTable } from './schema.js';
import { changedRows, firstRow, prepared } from './prepared.js';

type Db = Kysely<Database>;
export type SignInAttemptRow = Selectable<SignInAttemptsTable>;

export async function insertSignInAttempt(db: Db, attempt: Omit<SignInAttemptRow, 'code_tries'>): Promise<void> {
  await db.insertInto('sign_in_attempts').values(attempt).execute();
}

const selectAttempt = prepared((db, attemptId: string) => db.selectFrom('sign_in_attempts').selectAll().where('id', '=', attemptId));

export function findSignInAttempt(db: Db, attemptId: string): Promise<SignInAttemptRow | undefined> {
  return firstRow(selectAttempt(db, attemptId));
}

/** What a sign-in attempt counts tries of: codes, and "last 4 digits" answers. */
export type AttemptCounter = 'code_tries' | 'last_four_tries';

/**
 * Takes one try of `counter`, or returns false when none are left or the attempt has
 * expired. Race prevented: a burst of parallel guesses on one attempt (or one attempt
 * used from two nodes) cannot get more than `maxTries` checks, because the count and
 * the bound are one UPDATE.
 */
export async function takeAttemptTry(db: Db, attemptId: string, counter: AttemptCounter, maxTries: number, nowMs: number): Promise<boolean> {
  return (await changedRows(takeTry[counter](db, attemptId, maxTries, nowMs))) === 1n;
}

const takeTryOf = (counter: AttemptCounter) =>
  prepared((db, attemptId: string, maxTries: number, nowMs: number) =>
    db
      .updateTable('sign_in_attempts')
      .set((eb) => ({ [counter]: eb(counter, '+', 1) }))
      .where('id', '=', attemptId)
      .where(counter, '<', maxTries)
      .where('expires_at', '>', nowMs),
  );
// One statement per counter: the counter is a column, so part of the SQL text.
const takeTry = { code_tries: takeTryOf('code_tries'), last_four_tries: takeTryOf('last_four_tries') };

const deleteAttempt = prepared((db, attemptId: string) => db.deleteFrom('sign_in_attempts').where('id', '=', attemptId));

/**
 * Ends the attempt and reports whether this caller ended it. Race prevented: two
 * requests finishing the same attempt cannot both be turned into sessions.
 */
export async function consumeSignInAttempt(db: Db, attemptId: string): Promise<boolean> {
  return (await changedRows(deleteAttempt(db, attemptId))) === 1n;
}

export async function deleteUserSignInAttempts(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sign_in_attempts').where('user_id', '=', userId).execute();
}

export async function deleteExpiredSignInAttempts(db: Db, nowMs: number): Promise<void> {
  await db.deleteFrom('sign_in_attempts').where('expires_at', '<=', nowMs).execute();
}

export async function unlockRecovery(db: Db, attemptId: string): Promise<void> {
  await db.updateTable('sign_in_attempts').set({ recovery_unlocked: 1 }).where('id', '=', attemptId).execute();
}
