import type { Kysely, Selectable } from 'kysely';
import type { SmsPurpose } from '../domain/sms.js';
import type { Database, SmsCodesTable } from './schema.js';

type Db = Kysely<Database>;
export type SmsCodeRow = Selectable<SmsCodesTable>;

/**
 * Stores a new code for (user, purpose), voiding any older one.
 * Race prevented: two "send" requests at once must not leave two live codes; the
 * unique index on (user_id, purpose) makes the upsert replace, never add.
 */
export async function replaceSmsCode(db: Db, row: Omit<SmsCodeRow, 'tries' | 'used_at'>): Promise<void> {
  await db
    .insertInto('sms_codes')
    .values({ ...row, used_at: null })
    .onConflict((oc) =>
      oc.columns(['user_id', 'purpose']).doUpdateSet({
        id: row.id,
        attempt_id: row.attempt_id,
        code_hash: row.code_hash,
        mobile: row.mobile,
        created_at: row.created_at,
        expires_at: row.expires_at,
        tries: 0,
        used_at: null,
      }),
    )
    .execute();
}

export function findSmsCode(db: Db, userId: string, purpose: SmsPurpose): Promise<SmsCodeRow | undefined> {
  return db.selectFrom('sms_codes').selectAll().where('user_id', '=', userId).where('purpose', '=', purpose).executeTakeFirst();
}

/**
 * Takes one try at a code, or returns false when it is used, expired or out of tries.
 * Race prevented: parallel guesses at one code cannot get more than `maxTries`
 * comparisons; the count and the bound are one UPDATE.
 */
export async function takeSmsCodeTry(db: Db, id: string, maxTries: number, nowMs: number): Promise<boolean> {
  const result = await db
    .updateTable('sms_codes')
    .set((eb) => ({ tries: eb('tries', '+', 1) }))
    .where('id', '=', id)
    .where('tries', '<', maxTries)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Marks a code used; true only for the first caller.
 * Race prevented: the same right code submitted twice at once signs in once.
 */
export async function markSmsCodeUsed(db: Db, id: string, nowMs: number): Promise<boolean> {
  const result = await db.updateTable('sms_codes').set({ used_at: nowMs }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function deleteSmsCode(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sms_codes').where('id', '=', id).execute();
}

/** Voids the person's code for `purpose`, if any (a pending set-up whose number changed). */
export async function deleteSmsCodeFor(db: Db, userId: string, purpose: SmsPurpose): Promise<void> {
  await db.deleteFrom('sms_codes').where('user_id', '=', userId).where('purpose', '=', purpose).execute();
}

export async function deleteExpiredSmsCodes(db: Db, nowMs: number): Promise<void> {
  await db.deleteFrom('sms_codes').where('expires_at', '<=', nowMs).execute();
}

export async function deleteSmsCodesOf(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sms_codes').where('user_id', '=', userId).execute();
}

/** Every SMS code, live or not: after the master secret changes none can be checked (their HMAC key changed). */
export async function deleteAllSmsCodes(db: Db): Promise<number> {
  const result = await db.deleteFrom('sms_codes').executeTakeFirst();
  return Number(result.numDeletedRows);
}
