// The Overview's trend counts: per Sydney day, organisation and kind of event. A day is
// counted from security_events once it is final and kept in activity_daily_counts;
// today (and a day not yet counted) is counted live from the time index.
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { SecurityEventType } from '../domain/activity.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export interface OrgTypeCount {
  org_id: string;
  type: SecurityEventType;
  count: number;
}

type Range = { fromMs: number; toMs: number };

/**
 * Events of `types` in [fromMs, toMs), counted per organisation of the person they are
 * about. Events about no one (a wrong password for an unknown email) belong to none.
 * Every organisation is counted: the query walks the time index and looks each person
 * up by key, so its cost follows the number of events, not of people.
 */
export function countEventsByOrg(db: Db, range: Range, types: SecurityEventType[]): Promise<OrgTypeCount[]> {
  return countPerOrgAndType(db.selectFrom('security_events').innerJoin('users', 'users.id', 'security_events.user_id'), range, types);
}

/**
 * The same counts for the people of `orgIds` only, walking from each person to their
 * events (the person-and-time index): cheap for a few thousand people, whatever the
 * size of the log. The cross join keeps SQLite from starting at the events instead.
 * For a reach of many thousands, countEventsByOrg (every organisation) is cheaper.
 */
export function countEventsOfOrgs(db: Db, range: Range, types: SecurityEventType[], orgIds: string[]): Promise<OrgTypeCount[]> {
  if (orgIds.length === 0) return Promise.resolve([]);
  return countPerOrgAndType(db.selectFrom('users').crossJoin('security_events').whereRef('security_events.user_id', '=', 'users.id').where('users.org_id', 'in', orgIds), range, types);
}

/** The one count both walks share; only where it starts differs. */
async function countPerOrgAndType(from: SelectQueryBuilder<Database, 'users' | 'security_events', object>, range: Range, types: SecurityEventType[]): Promise<OrgTypeCount[]> {
  if (types.length === 0) return [];
  const rows = await from
    .select((eb) => ['users.org_id', 'security_events.type', eb.fn.countAll<number>().as('count')])
    .where('security_events.created_at', '>=', range.fromMs)
    .where('security_events.created_at', '<', range.toMs)
    .where('security_events.type', 'in', types)
    .groupBy(['users.org_id', 'security_events.type'])
    .execute();
  return rows.map((row) => ({ org_id: row.org_id, type: row.type, count: Number(row.count) }));
}

/** The days among `days` already counted for good. */
export async function listCountedDays(db: Db, days: string[]): Promise<Set<string>> {
  if (days.length === 0) return new Set();
  const rows = await db.selectFrom('activity_days_counted').select('day').where('day', 'in', days).execute();
  return new Set(rows.map((row) => row.day));
}

/**
 * Keeps one final day's counts. Two nodes may count the same day at once: both count
 * the same final events, so the second's identical rows are simply not inserted (the
 * key is org, day, type) and the day is marked once.
 */
export async function saveDayCounts(db: Db, day: string, counts: OrgTypeCount[], nowMs: number): Promise<void> {
  for (let start = 0; start < counts.length; start += 500) {
    const rows = counts.slice(start, start + 500).map((c) => ({ org_id: c.org_id, day, type: c.type, count: c.count }));
    await db.insertInto('activity_daily_counts').values(rows).onConflict((oc) => oc.columns(['org_id', 'day', 'type']).doNothing()).execute();
  }
  await db.insertInto('activity_days_counted').values({ day, counted_at: nowMs }).onConflict((oc) => oc.column('day').doNothing()).execute();
}

/** Kept counts of `days` for `orgIds`, per day and type (organisations summed). */
export async function sumDayCounts(db: Db, days: string[], orgIds: string[]): Promise<Array<{ day: string; type: SecurityEventType; count: number }>> {
  if (days.length === 0 || orgIds.length === 0) return [];
  const rows = await db
    .selectFrom('activity_daily_counts')
    .select((eb) => ['day', 'type', eb.fn.sum<number>('count').as('count')])
    .where('day', 'in', days)
    .where('org_id', 'in', orgIds)
    .groupBy(['day', 'type'])
    .execute();
  return rows.map((row) => ({ day: row.day, type: row.type, count: Number(row.count) }));
}

/** Counts of days older than the trends look back are not needed again. */
export async function deleteDayCountsBefore(db: Db, day: string): Promise<void> {
  await db.deleteFrom('activity_daily_counts').where('day', '<', day).execute();
  await db.deleteFrom('activity_days_counted').where('day', '<', day).execute();
}
