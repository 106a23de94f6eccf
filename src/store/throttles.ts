import type { Kysely } from 'kysely';
import type { WindowRule, WindowState } from '../domain/limits.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

function keyOf(rule: WindowRule, subject: string): string {
  return `${rule.name}:${subject}`;
}

export async function readWindow(db: Db, rule: WindowRule, subject: string): Promise<WindowState | null> {
  const row = await db.selectFrom('throttles').select(['window_started_at', 'count']).where('key', '=', keyOf(rule, subject)).executeTakeFirst();
  return row ? { windowStartedAtMs: row.window_started_at, count: row.count } : null;
}

/**
 * Counts one event and returns the window after it.
 * Race prevented: concurrent events from several processes must each be counted;
 * the window reset and the increment are one upsert, so none is lost.
 */
export async function countInWindow(db: Db, rule: WindowRule, subject: string, nowMs: number): Promise<WindowState> {
  const windowStartCutoff = nowMs - rule.windowInMs;
  const row = await db
    .insertInto('throttles')
    .values({ key: keyOf(rule, subject), window_started_at: nowMs, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        count: eb.case().when('throttles.window_started_at', '<=', windowStartCutoff).then(1).else(eb('throttles.count', '+', 1)).end(),
        window_started_at: eb
          .case()
          .when('throttles.window_started_at', '<=', windowStartCutoff)
          .then(nowMs)
          .else(eb.ref('throttles.window_started_at'))
          .end(),
      })),
    )
    .returning(['window_started_at', 'count'])
    .executeTakeFirstOrThrow();
  return { windowStartedAtMs: Number(row.window_started_at), count: Number(row.count) };
}

/**
 * Gives back one event counted in the window that started at `windowStartedAtMs`
 * (a reservation whose outcome turned out not to count, such as a right password).
 * Race prevented: a window that restarted meanwhile is left alone, and the count never
 * goes below zero, so a late give-back cannot lend an attacker extra tries.
 */
export async function giveBackToWindow(db: Db, rule: WindowRule, subject: string, window: WindowState): Promise<void> {
  await db
    .updateTable('throttles')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', keyOf(rule, subject))
    .where('window_started_at', '=', window.windowStartedAtMs)
    .where('count', '>', 0)
    .execute();
}

export async function resetWindow(db: Db, rule: WindowRule, subject: string): Promise<void> {
  await db.deleteFrom('throttles').where('key', '=', keyOf(rule, subject)).execute();
}

/** Housekeeping: a window that started before `cutoffMs` is over for every rule. */
export async function deleteWindowsStartedBefore(db: Db, cutoffMs: number): Promise<void> {
  await db.deleteFrom('throttles').where('window_started_at', '<=', cutoffMs).execute();
}
