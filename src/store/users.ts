import { type Kysely, type Selectable, sql } from 'kysely';
import { codeLockSchedule } from '../domain/limits.js';
import type { Database, UsersTable } from './schema.js';
import { firstRow, prepared } from './prepared.js';

type Db = Kysely<Database>;
export type UserRow = Selectable<UsersTable>;

export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

const selectUserById = prepared((db, id: string) => db.selectFrom('users').selectAll().where('id', '=', id));

export function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return firstRow(selectUserById(db, id));
}

export async function insertUser(db: Db, user: Omit<UserRow, 'code_failures' | 'code_locked_until' | 'deactivated_at'>): Promise<void> {
  await db.insertInto('users').values({ ...user, code_locked_until: null, deactivated_at: null }).execute();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updatePasswordHash(db: Db, userId: string, passwordHash: string, changedAtMs: number | null): Promise<void> {
  await db
    .updateTable('users')
    .set(changedAtMs === null ? { password_hash: passwordHash } : { password_hash: passwordHash, password_changed_at: changedAtMs })
    .where('id', '=', userId)
    .execute();
}

/** A link emailed to the address was used: the address is the person's. */
export async function markEmailVerified(db: Db, userId: string, atMs: number): Promise<void> {
  await db.updateTable('users').set({ email_verified_at: atMs }).where('id', '=', userId).where('email_verified_at', 'is', null).execute();
}

const updateLastSignIn = prepared((db, userId: string, atMs: number) => db.updateTable('users').set({ last_sign_in_at: atMs }).where('id', '=', userId));

export async function recordSignIn(db: Db, userId: string, atMs: number): Promise<void> {
  await updateLastSignIn(db, userId, atMs);
}

/**
 * Counts the code about to be checked as a wrong one, unless the code step is locked;
 * the count that reaches a lock point sets the lock in the same statement. A right code
 * then clears the count (clearCodeFailures). Returns the new count, or null when the
 * step is locked.
 * Race prevented: parallel guesses from many attempts, browsers or nodes would all read
 * "not locked" and all be checked; counted and locked in one conditional UPDATE, the
 * guess that reaches the lock point locks the step, and no guess after it is checked
 * until the lock ends (on PostgreSQL the row lock makes each one re-read the lock first).
 */
export async function reserveCodeGuess(db: Db, userId: string, nowMs: number): Promise<number | null> {
  // One time per lock point and one for the longest pause, in the order the statement names them.
  const lockEnds = [...CODE_LOCK_SCHEDULE.points.map((point) => nowMs + point.lockInMs), nowMs + CODE_LOCK_SCHEDULE.longestInMs];
  const row = await firstRow(countCodeGuess(db, userId, nowMs, ...lockEnds));
  return row ? Number(row.code_failures) : null;
}

const CODE_LOCK_SCHEDULE = codeLockSchedule();

/**
 * The schedule's counts are constants of the SQL text; the times are parameters (a literal
 * time made every guess a new statement for SQLite to prepare).
 */
const countCodeGuess = prepared((db, userId: string, nowMs: number, ...lockEnds: number[]) => {
  // In brackets: `code_failures + 1 % 10` would read as `code_failures + (1 % 10)`, and
  // the every-10th pause past the schedule's last point never came.
  const next = sql<number>`(code_failures + 1)`;
  const lockCases = CODE_LOCK_SCHEDULE.points.map((point, i) => sql`when ${next} = ${sql.lit(point.count)} then ${lockEnds[i]}`);
  const longest = sql`when ${next} % ${sql.lit(CODE_LOCK_SCHEDULE.every)} = 0 then ${lockEnds[CODE_LOCK_SCHEDULE.points.length]}`;
  const lockedUntil = sql<number | null>`case ${sql.join([...lockCases, longest], sql` `)} else code_locked_until end`;
  return db
    .updateTable('users')
    .set({ code_failures: next, code_locked_until: lockedUntil })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('code_locked_until', 'is', null), eb('code_locked_until', '<=', nowMs)]))
    .returning('code_failures');
});

/**
 * Takes the person's row lock until the transaction ends (SQLite: the write lock).
 * Race prevented: two changes to one person's second factor (changing the mobile number
 * while SMS 2FA is being turned on, in another tab or on another node) would each act
 * on what they read before the other committed; after this, the second waits and then
 * reads what the first wrote.
 */
export async function lockUserRow(db: Db, userId: string): Promise<boolean> {
  const result = await db.updateTable('users').set((eb) => ({ code_failures: eb.ref('code_failures') })).where('id', '=', userId).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Replaces the mobile number as it is (an admin's reset: the factor is removed in the same transaction). */
export async function setMobile(db: Db, userId: string, mobile: string): Promise<void> {
  await db.updateTable('users').set({ mobile }).where('id', '=', userId).execute();
}

/**
 * Sets the mobile number unless a second factor is on; false when one is.
 * Race prevented: 2FA turned on between a caller's check and this write must still
 * block the change, so the condition is part of the UPDATE.
 */
export async function updateMobileUnlessSecondFactor(db: Db, userId: string, mobile: string): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ mobile })
    .where('id', '=', userId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('two_factor').select('user_id').where('two_factor.user_id', '=', userId))))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Adds a mobile number to an account that has none; false when it has one by now.
 * Race prevented: two backup numbers proved at once (two tabs, two nodes), or an admin's
 * reset that set a number, between the caller's check and this write: only an account
 * that still has no number at commit time gets this one, so a number is never replaced
 * while 2FA is on.
 */
export async function addMobileUnlessOneIsSet(db: Db, userId: string, mobile: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ mobile }).where('id', '=', userId).where('mobile', 'is', null).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

const resetCodeFailures = prepared((db, userId: string) => db.updateTable('users').set({ code_failures: 0, code_locked_until: null }).where('id', '=', userId));

export async function clearCodeFailures(db: Db, userId: string): Promise<void> {
  await resetCodeFailures(db, userId);
}

/**
 * An administrator's unlock: clears the wrong-code count and the pause, only while the
 * pause is still running; false when there was none to lift.
 * Races prevented: two admins (or one double submit) unlocking at once match the row
 * once, so one event is recorded and one email sent; and an unlock sent from a stale
 * page after the pause ended on its own cannot wipe the count of the guesses made since,
 * which would shorten the next pause a guesser earns.
 */
export async function unlockCodeStep(db: Db, userId: string, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ code_failures: 0, code_locked_until: null })
    .where('id', '=', userId)
    .where('code_locked_until', '>', nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Marks the person deactivated; false when they already were.
 * Race prevented: two admins (or an admin and the operator) deactivating at once match
 * the row once, so one event is recorded and one email sent.
 */
export async function markDeactivated(db: Db, userId: string, atMs: number): Promise<boolean> {
  const result = await db.updateTable('users').set({ deactivated_at: atMs }).where('id', '=', userId).where('deactivated_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Lets the person sign in again; false when they were not deactivated (the same race, the other way). */
export async function clearDeactivated(db: Db, userId: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ deactivated_at: null }).where('id', '=', userId).where('deactivated_at', 'is not', null).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Sets the person's role; false when it already was that role.
 * Race prevented: two admins making the same change at once record and email it once.
 */
export async function setRole(db: Db, userId: string, role: UserRow['role']): Promise<boolean> {
  const result = await db.updateTable('users').set({ role }).where('id', '=', userId).where('role', '<>', role).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
