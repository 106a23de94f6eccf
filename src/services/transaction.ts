// The one way a use case changes several rows at once: inTransaction(ctx, (tx) => …).
// `tx` is the context with the transaction as its database, and afterCommit(effect)
// for what must happen only once the change is visible to everyone (waking the email
// worker, which on PostgreSQL would otherwise look before the row is committed). A
// transaction whose connection was lost before COMMIT runs again (store/transactions.ts);
// its effects are then collected afresh, so each runs once.
import { runInTransaction } from '../store/transactions.js';
import type { ServiceContext } from './context.js';

export interface TransactionContext extends ServiceContext {
  afterCommit(effect: () => void): void;
}

function isTransactionContext(ctx: ServiceContext): ctx is TransactionContext {
  return typeof (ctx as Partial<TransactionContext>).afterCommit === 'function';
}

export async function inTransaction<T>(ctx: ServiceContext, work: (tx: TransactionContext) => Promise<T>): Promise<T> {
  // Already inside one: the outer transaction commits, and runs the effects, for both.
  if (isTransactionContext(ctx)) return work(ctx);
  let effects: Array<() => void> = [];
  const result = await runInTransaction(ctx.db, (trx) => {
    effects = [];
    return work({ ...ctx, db: trx, afterCommit: (effect) => effects.push(effect) });
  });
  for (const effect of effects) effect();
  return result;
}

/** Runs `effect` after the commit when inside a transaction, else now (a single write has committed already). */
export function whenCommitted(ctx: ServiceContext, effect: () => void): void {
  if (isTransactionContext(ctx)) ctx.afterCommit(effect);
  else effect();
}
