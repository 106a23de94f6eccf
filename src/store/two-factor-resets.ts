// Resets of someone's 2FA by their aggregator (or the operator): the record the person
// is shown at their next sign-in, until they set 2FA up again.
import type { Kysely, Selectable } from 'kysely';
import type { Database, TwoFactorResetsTable } from './schema.js';

type Db = Kysely<Database>;
export type TwoFactorResetRow = Selectable<TwoFactorResetsTable>;

export async function insertTwoFactorReset(db: Db, row: TwoFactorResetRow): Promise<void> {
  await db.insertInto('two_factor_resets').values(row).execute();
}

/** The newest reset the person has not yet answered by setting 2FA up again. */
export function findUnseenTwoFactorReset(db: Db, userId: string): Promise<Pick<TwoFactorResetRow, 'reset_by_name' | 'organization_name' | 'created_at'> | undefined> {
  return db
    .selectFrom('two_factor_resets')
    .select(['reset_by_name', 'organization_name', 'created_at'])
    .where('user_id', '=', userId)
    .where('seen_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function markTwoFactorResetsSeen(db: Db, userId: string, nowMs: number): Promise<void> {
  await db.updateTable('two_factor_resets').set({ seen_at: nowMs }).where('user_id', '=', userId).where('seen_at', 'is', null).execute();
}
