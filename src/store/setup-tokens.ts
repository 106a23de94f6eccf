import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { runInTransaction } from './transactions.js';

type Db = Kysely<Database>;

/** Only one setup link is live at a time: a new one replaces any older one. */
export async function replaceSetupToken(db: Db, id: string, nowMs: number, expiresAtMs: number): Promise<void> {
  await runInTransaction(db, async (trx) => {
    await trx.deleteFrom('setup_tokens').execute();
    await trx.insertInto('setup_tokens').values({ id, created_at: nowMs, expires_at: expiresAtMs }).execute();
  });
}

export async function isSetupTokenLive(db: Db, id: string, nowMs: number): Promise<boolean> {
  const row = await db.selectFrom('setup_tokens').select('id').where('id', '=', id).where('expires_at', '>', nowMs).executeTakeFirst();
  return row !== undefined;
}
