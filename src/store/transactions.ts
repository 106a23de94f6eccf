// One way to run several statements as one change. On PostgreSQL a transaction whose
// connection was lost before COMMIT was sent wrote nothing, so it runs once more on a
// fresh connection; one lost during COMMIT may have happened, so it is reported.
import type { Kysely, Transaction } from 'kysely';
import { isTransactionSafeToRetry } from './pg-connections.js';
import type { Database } from './schema.js';

export async function runInTransaction<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  // Already inside one: join it (Kysely refuses to nest transactions).
  if (db.isTransaction) return work(db as Transaction<Database>);
  try {
    return await db.transaction().execute(work);
  } catch (error) {
    if (!isTransactionSafeToRetry(error)) throw error;
    return db.transaction().execute(work);
  }
}
