// When each person was last reminded to turn on two-factor authentication.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * Claims the reminder of each of `userIds` not reminded since `notSinceMs`, and returns
 * whom it claimed. Race prevented: two admins (or one on two nodes) pressing Remind at
 * once would email a person twice if the check and the write were separate statements;
 * here the upsert's condition decides, row by row, and only one claim returns a person.
 */
export async function claimTwoFactorReminders(db: Db, userIds: string[], args: { nowMs: number; notSinceMs: number; sentBy: string }): Promise<string[]> {
  const claimed: string[] = [];
  for (let start = 0; start < userIds.length; start += 500) {
    const rows = userIds.slice(start, start + 500).map((id) => ({ user_id: id, sent_at: args.nowMs, sent_by: args.sentBy }));
    const returned = await db
      .insertInto('two_factor_reminders')
      .values(rows)
      .onConflict((oc) =>
        oc
          .column('user_id')
          .doUpdateSet((eb) => ({ sent_at: eb.ref('excluded.sent_at'), sent_by: eb.ref('excluded.sent_by') }))
          .where('two_factor_reminders.sent_at', '<=', args.notSinceMs),
      )
      .returning('user_id')
      .execute();
    claimed.push(...returned.map((row) => row.user_id));
  }
  return claimed;
}
