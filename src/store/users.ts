import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from './schema.js';

type Db = Kysely<Database>;
export type UserRow = Selectable<UsersTable>;

export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertUser(db: Db, user: Omit<UserRow, 'code_failures' | 'code_locked_until'>): Promise<void> {
  await db.insertInto('users').values({ ...user, code_locked_until: null }).execute();
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

export async function recordSignIn(db: Db, userId: string, atMs: number): Promise<void> {
  await db.updateTable('users').set({ last_sign_in_at: atMs }).where('id', '=', userId).execute();
}

/**
 * Counts one more wrong code for the account and returns the new count.
 * Race prevented: two nodes failing at once must both be counted, so the
 * increment happens in the database, never as read-then-write in memory.
 */
export async function countCodeFailure(db: Db, userId: string): Promise<number> {
  const row = await db
    .updateTable('users')
    .set((eb) => ({ code_failures: eb('code_failures', '+', 1) }))
    .where('id', '=', userId)
    .returning('code_failures')
    .executeTakeFirstOrThrow();
  return Number(row.code_failures);
}

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

export async function lockCodeStep(db: Db, userId: string, untilMs: number): Promise<void> {
  await db.updateTable('users').set({ code_locked_until: untilMs }).where('id', '=', userId).execute();
}

export async function clearCodeFailures(db: Db, userId: string): Promise<void> {
  await db.updateTable('users').set({ code_failures: 0, code_locked_until: null }).where('id', '=', userId).execute();
}
