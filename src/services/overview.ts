// The admin Overview: who has two-factor authentication, firm by firm, and the last 30
// days of security activity, at a glance. Adoption is counted live (people change it);
// trends come from each final day's kept counts, and today's from the events themselves.
import { type Actor, adminScopeOf } from '../domain/authorization.js';
import type { TwoFactorMethod } from '../domain/second-factors.js';
import { DAY_FINAL_AFTER_IN_MS, TREND_CHARTS, TREND_DAYS, TREND_EVENT_TYPES, TWO_FACTOR_REMINDER_INTERVAL_IN_MS, type TrendChart, type TrendLine } from '../domain/overview.js';
import { addDays, startOfSydneyDay, sydneyDayOf } from '../domain/time.js';
import { countEventsByOrg, countEventsOfOrgs, deleteDayCountsBefore, listCountedDays, saveDayCounts, sumDayCounts } from '../store/activity-counts.js';
import { countAdoptionByOrg, countRemindedWithoutTwoFactor, listOrganizationsInScope } from '../store/admin.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { refuse } from './admin.js';
import { inTransaction } from './transaction.js';

export interface OrgAdoption {
  id: string;
  name: string;
  /** the aggregator itself (its own staff), not one of its firms */
  isAggregator: boolean;
  /** people with a password; invited people who have not chosen one are counted apart */
  people: number;
  byMethod: Record<TwoFactorMethod, number>;
  withoutTwoFactor: number;
  awaitingPassword: number;
}

export interface TrendSeries {
  line: TrendLine;
  /** one count per day of `days` */
  daily: number[];
  total: number;
}

export interface Overview {
  /** the last TREND_DAYS Sydney days, oldest first; the last is today */
  days: string[];
  organizations: OrgAdoption[];
  totals: Omit<OrgAdoption, 'id' | 'name' | 'isAggregator'>;
  trends: Array<{ chart: TrendChart; series: TrendSeries[] }>;
  /** people without a second factor reminded in the last week (a reminder skips them) */
  remindedThisWeek: number;
}

export async function loadOverview(ctx: ServiceContext, actor: Actor, meta: RequestMeta): Promise<Overview> {
  const scope = adminScopeOf(actor);
  if (scope === null) return refuse(ctx, actor, 'admin area', meta);
  const nowMs = ctx.now();
  const orgs = await listOrganizationsInScope(ctx.db, scope);
  const organizations = adoptionOf(orgs, await countAdoptionByOrg(ctx.db, scope));
  const totals = sumAdoption(organizations);
  const { days, trends } = await loadTrends(ctx, orgs.map((org) => org.id), totals.people + totals.awaitingPassword, nowMs);
  return {
    days,
    organizations,
    totals,
    trends,
    remindedThisWeek: await countRemindedWithoutTwoFactor(ctx.db, scope, nowMs - TWO_FACTOR_REMINDER_INTERVAL_IN_MS),
  };
}

function emptyAdoption(): Omit<OrgAdoption, 'id' | 'name' | 'isAggregator'> {
  return { people: 0, byMethod: { totp: 0, sms: 0, webauthn: 0 }, withoutTwoFactor: 0, awaitingPassword: 0 };
}

function adoptionOf(orgs: Array<{ id: string; name: string; parent_id: string | null }>, counts: Awaited<ReturnType<typeof countAdoptionByOrg>>): OrgAdoption[] {
  const byOrg = new Map(orgs.map((org) => [org.id, { id: org.id, name: org.name, isAggregator: org.parent_id === null, ...emptyAdoption() }]));
  for (const row of counts) {
    const org = byOrg.get(row.org_id);
    if (!org) continue;
    if (row.awaiting_password) {
      org.awaitingPassword += row.count;
      continue;
    }
    org.people += row.count;
    if (row.method === null) org.withoutTwoFactor += row.count;
    else org.byMethod[row.method] += row.count;
  }
  return [...byOrg.values()];
}

function sumAdoption(orgs: OrgAdoption[]): Overview['totals'] {
  const total = emptyAdoption();
  for (const org of orgs) {
    total.people += org.people;
    total.withoutTwoFactor += org.withoutTwoFactor;
    total.awaitingPassword += org.awaitingPassword;
    for (const method of Object.keys(total.byMethod) as TwoFactorMethod[]) total.byMethod[method] += org.byMethod[method];
  }
  return total;
}

/** The reach's adoption totals alone (the confirmation of "Require two-factor authentication for everyone" says how many it affects). */
export async function adoptionTotalsFor(ctx: ServiceContext, actor: Actor, meta: RequestMeta): Promise<Overview['totals']> {
  const scope = adminScopeOf(actor);
  if (scope === null) return refuse(ctx, actor, 'admin area', meta);
  return sumAdoption(adoptionOf(await listOrganizationsInScope(ctx.db, scope), await countAdoptionByOrg(ctx.db, scope)));
}

/** The last TREND_DAYS Sydney days up to today, oldest first. */
export function trendDays(nowMs: number): string[] {
  const today = sydneyDayOf(nowMs);
  return Array.from({ length: TREND_DAYS }, (_, i) => addDays(today, i - (TREND_DAYS - 1)));
}

const isFinal = (day: string, nowMs: number) => startOfSydneyDay(addDays(day, 1)) + DAY_FINAL_AFTER_IN_MS <= nowMs;

/**
 * Counts and keeps every final day of the trend window not kept yet; returns the days
 * kept. Housekeeping calls it on every node, so a page rarely has to.
 */
export async function keepFinalDayCounts(ctx: ServiceContext, nowMs = ctx.now()): Promise<Set<string>> {
  const days = trendDays(nowMs);
  const kept = await listCountedDays(ctx.db, days);
  for (const day of days) {
    if (kept.has(day) || !isFinal(day, nowMs)) continue;
    const range = { fromMs: startOfSydneyDay(day), toMs: startOfSydneyDay(addDays(day, 1)) };
    // The counts and the mark commit together: a day is either kept whole or counted again.
    await inTransaction(ctx, async (tx) => saveDayCounts(tx.db, day, await countEventsByOrg(tx.db, range, TREND_EVENT_TYPES), nowMs));
    kept.add(day);
  }
  return kept;
}

/** Housekeeping: counts older than twice the window are never shown again (a page view writes nothing of this). */
export async function deleteOldDayCounts(ctx: ServiceContext, nowMs = ctx.now()): Promise<void> {
  await deleteDayCountsBefore(ctx.db, addDays(trendDays(nowMs)[0]!, -TREND_DAYS));
}

/** Up to this many people, today's events are found person by person (see countEventsOfOrgs). */
const COUNT_PERSON_BY_PERSON_UP_TO = 20_000;

async function loadTrends(ctx: ServiceContext, orgIds: string[], people: number, nowMs: number): Promise<Pick<Overview, 'days' | 'trends'>> {
  const days = trendDays(nowMs);
  const kept = await keepFinalDayCounts(ctx, nowMs);
  const index = new Map(days.map((day, i) => [day, i]));
  const byType = new Map<string, number[]>(TREND_EVENT_TYPES.map((type) => [type, days.map(() => 0)]));
  const add = (day: string, type: string, count: number) => {
    const series = byType.get(type);
    const i = index.get(day);
    if (series && i !== undefined) series[i]! += count;
  };
  for (const row of await sumDayCounts(ctx.db, [...kept], orgIds)) add(row.day, row.type, row.count);
  // Today, and a day just ended that is not final yet: counted from the events, person by
  // person for a reach of a few thousand, else over every event of the day.
  const inScope = new Set(orgIds);
  for (const day of days.filter((d) => !kept.has(d))) {
    const range = { fromMs: startOfSydneyDay(day), toMs: Math.min(startOfSydneyDay(addDays(day, 1)), nowMs + 1) };
    const rows = people <= COUNT_PERSON_BY_PERSON_UP_TO ? await countEventsOfOrgs(ctx.db, range, TREND_EVENT_TYPES, orgIds) : await countEventsByOrg(ctx.db, range, TREND_EVENT_TYPES);
    for (const row of rows) if (inScope.has(row.org_id)) add(day, row.type, row.count);
  }
  const trends = TREND_CHARTS.map((chart) => ({
    chart,
    series: chart.lines.map((line) => {
      const daily = days.map((_, i) => line.types.reduce((sum, type) => sum + (byType.get(type)?.[i] ?? 0), 0));
      return { line, daily, total: daily.reduce((a, b) => a + b, 0) };
    }),
  }));
  return { days, trends };
}
