import type { Kysely, Selectable } from 'kysely';
import type { Database, TwoFactorActivationsTable } from './schema.js';

type Db = Kysely<Database>;
export type TwoFactorActivationRow = Selectable<TwoFactorActivationsTable>;

export async function upsertTwoFactorActivation(db: Db, row: TwoFactorActivationRow): Promise<void> {
  await db
    .insertInto('two_factor_activations')
    .values(row)
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({
        session_id: row.session_id,
        method: row.method,
        totp_secret: row.totp_secret,
        last_used_step: row.last_used_step,
        mobile: row.mobile,
        created_at: row.created_at,
        expires_at: row.expires_at,
      }),
    )
    .execute();
}

export function findTwoFactorActivation(db: Db, userId: string): Promise<TwoFactorActivationRow | undefined> {
  return db.selectFrom('two_factor_activations').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/**
 * Takes the proved factor away to turn it on; the row only for the caller that deleted it.
 * Race prevented: "I have saved my recovery codes" sent twice (double click, two tabs)
 * turns 2FA on once; and a factor proved in another session since this page was shown
 * (perhaps a thief's) is not this session's to turn on.
 */
export async function claimTwoFactorActivation(db: Db, userId: string, sessionId: string | null, nowMs: number): Promise<TwoFactorActivationRow | undefined> {
  return db
    .deleteFrom('two_factor_activations')
    .where('user_id', '=', userId)
    .where('session_id', sessionId === null ? 'is' : '=', sessionId)
    .where('expires_at', '>', nowMs)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteTwoFactorActivation(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('two_factor_activations').where('user_id', '=', userId).execute();
}

export async function deleteExpiredTwoFactorActivations(db: Db, nowMs: number): Promise<void> {
  await db.deleteFrom('two_factor_activations').where('expires_at', '<=', nowMs).execute();
}
