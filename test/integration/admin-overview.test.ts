// The admin Overview: exact adoption figures per firm and method over a seeded tree,
// its reach (firm admins see their firm, no one sees another aggregator), the people
// list's filters, "Remind people without 2FA" at most once a week per person however
// many presses race, and the 30-day trends, counted live and from kept days alike.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { STRONG_PASSWORD, signIn } from '../helpers/fixtures.js';
import { type OrgTree, createOrgTree } from '../helpers/org-tree.js';
import { useTestServer } from '../helpers/suite.js';
import { createUser, createUserAndInvite } from '../../src/services/accounts.js';
import { actorFor } from '../../src/services/admin.js';
import { deactivateAccount } from '../../src/services/account-status.js';
import { keepFinalDayCounts, loadOverview } from '../../src/services/overview.js';
import { purgeExpiredRecords } from '../../src/services/maintenance.js';
import type { SignedInUser } from '../../src/services/sessions.js';
import { appendSecurityEvent } from '../../src/store/security-events.js';
import { findUserById } from '../../src/store/users.js';
import { addDays, startOfSydneyDay, sydneyDayOf } from '../../src/domain/time.js';
import { TREND_EVENT_TYPES, TWO_FACTOR_REMINDER_INTERVAL_IN_MS } from '../../src/domain/overview.js';
import { countEventsByOrg, countEventsOfOrgs } from '../../src/store/activity-counts.js';

const META = { ip: '127.0.0.1', userAgent: 'test' };

describe('Sydney days', () => {
  it('start at Sydney midnight on both sides of a daylight-saving change', () => {
    // AEST (+10) before 5 Oct 2025, AEDT (+11) after.
    expect(new Date(startOfSydneyDay('2025-10-04')).toISOString()).toBe('2025-10-03T14:00:00.000Z');
    expect(new Date(startOfSydneyDay('2025-10-06')).toISOString()).toBe('2025-10-05T13:00:00.000Z');
    // The change day itself starts at +10 (clocks move at 2 am).
    expect(new Date(startOfSydneyDay('2025-10-05')).toISOString()).toBe('2025-10-04T14:00:00.000Z');
    expect(new Date(startOfSydneyDay('2026-04-05')).toISOString()).toBe('2026-04-04T13:00:00.000Z');
    expect(sydneyDayOf(startOfSydneyDay('2026-11-30'))).toBe('2026-11-30');
    expect(sydneyDayOf(startOfSydneyDay('2026-11-30') - 1)).toBe('2026-11-29');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
  });
});

describeEachDatabase('admin overview', (database) => {
  const ctx = useTestServer(database);
  let tree: OrgTree;
  let firmA1: string;
  let firmA2: string;
  const added: Record<string, string> = {};

  beforeAll(async () => {
    const services = ctx.server.services;
    tree = await createOrgTree(services);
    firmA1 = (await findUserById(services.db, tree.people.memberA1.id))!.org_id;
    firmA2 = (await findUserById(services.db, tree.people.memberA2.id))!.org_id;
    const firmA1Name = (await services.db.selectFrom('organizations').select('name').where('id', '=', firmA1).executeTakeFirstOrThrow()).name;
    const firmA2Name = (await services.db.selectFrom('organizations').select('name').where('id', '=', firmA2).executeTakeFirstOrThrow()).name;
    const tag = tree.aggregatorA.name.split(' ').pop()!;
    const person = async (key: string, orgName: string) => (await createUser(services, { email: `${key}.${tag}@example.com.au`, name: key, orgName, role: 'member', password: STRONG_PASSWORD })).id;
    // Firm A1: 3 with the app (tree), +2 without 2FA, +1 on SMS, +1 invited.
    added.noneA1a = await person('NoneOneA', firmA1Name);
    added.noneA1b = await person('NoneOneB', firmA1Name);
    added.smsA1 = await person('SmsOne', firmA1Name);
    await services.db.insertInto('two_factor').values({ user_id: added.smsA1, method: 'sms', totp_secret: null, last_used_step: null, enabled_at: services.now() }).execute();
    added.invitedA1 = (await createUserAndInvite(services, { email: `invited.${tag}@example.com.au`, name: 'Invited One', orgName: firmA1Name, role: 'member' })).id;
    // Firm A2: 1 with the app (tree), +1 passkey, +1 without.
    added.passkeyA2 = await person('KeyTwo', firmA2Name);
    await services.db.insertInto('two_factor').values({ user_id: added.passkeyA2, method: 'webauthn', totp_secret: null, last_used_step: null, enabled_at: services.now() }).execute();
    added.noneA2 = await person('NoneTwo', firmA2Name);
    // Aggregator B: someone without 2FA who must never be counted or reminded by A.
    added.noneB = await person('NoneBee', tree.aggregatorB.name);
  });

  const asUser = (key: keyof OrgTree['people']): SignedInUser => {
    const p = tree.people[key];
    return { userId: p.id, email: p.email } as SignedInUser;
  };
  const actorOf = async (key: keyof OrgTree['people']) => {
    const user = await findUserById(ctx.server.services.db, tree.people[key].id);
    return actorFor(ctx.server.services, { ...asUser(key), orgId: user!.org_id, role: user!.role } as SignedInUser);
  };
  const fresh = async (key: keyof OrgTree['people']) => {
    ctx.server.clock.advance(30_000);
    return signIn(ctx.server.url, tree.people[key], ctx.server.clock.now());
  };
  const remindersTo = (userId: string) =>
    ctx.server.services.db
      .selectFrom('email_queue')
      .innerJoin('users', 'users.email', 'email_queue.to_address')
      .select('email_queue.subject')
      .where('users.id', '=', userId)
      .where('email_queue.kind', '=', 'two_factor_reminder')
      .execute();

  it('counts people per firm and method exactly, and only within the admin’s reach', async () => {
    const overview = await loadOverview(ctx.server.services, await actorOf('aggAdminA'), META);
    const byId = new Map(overview.organizations.map((org) => [org.id, org]));
    expect(byId.get(firmA1)).toMatchObject({ people: 6, byMethod: { totp: 3, sms: 1, webauthn: 0 }, withoutTwoFactor: 2, awaitingPassword: 1 });
    expect(byId.get(firmA2)).toMatchObject({ people: 3, byMethod: { totp: 1, sms: 0, webauthn: 1 }, withoutTwoFactor: 1, awaitingPassword: 0 });
    expect(byId.get(tree.aggregatorA.id)).toMatchObject({ people: 2, byMethod: { totp: 2, sms: 0, webauthn: 0 }, withoutTwoFactor: 0, isAggregator: true });
    expect(byId.has(tree.aggregatorB.id)).toBe(false);
    expect(overview.totals).toMatchObject({ people: 11, byMethod: { totp: 6, sms: 1, webauthn: 1 }, withoutTwoFactor: 3, awaitingPassword: 1 });

    const firmView = await loadOverview(ctx.server.services, await actorOf('firmAdminA1'), META);
    expect(firmView.organizations.map((org) => org.id)).toEqual([firmA1]);
    expect(firmView.totals.people).toBe(6);

    // The page: the sentence, the table row of each firm, a link from each bar to the firm's people without 2FA.
    const page = await (await fresh('aggAdminA')).get('/admin');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<strong>8 of 11</strong>');
    expect(page.body).toContain(`href="/admin/people?firm=${firmA1}&amp;two_factor=off"`);
    expect(page.body).toContain('4 of 6 protected (67%)');
    expect(page.body).not.toContain('NoneBee');
    expect(page.body).not.toContain(tree.aggregatorB.name);
  });

  it('the people list filters by firm and by two-factor, never past the admin’s reach', async () => {
    const admin = await fresh('aggAdminA');
    const off = await admin.get(`/admin/people?firm=${firmA1}&two_factor=off`);
    expect(off.body).toContain('NoneOneA');
    expect(off.body).toContain('NoneOneB');
    expect(off.body).not.toContain('SmsOne');
    expect(off.body).not.toContain('NoneTwo');
    // "Not turned on yet" is what the bar counts: not the invited, who have their own filter.
    expect(off.body).not.toContain('Invited One');
    const invited = await admin.get(`/admin/people?firm=${firmA1}&two_factor=invited`);
    expect(invited.body).toContain('Invited One');
    expect(invited.body).not.toContain('NoneOneA');
    expect((await admin.get(`/admin/people?two_factor=sms`)).body).toContain('SmsOne');
    // Another aggregator's firm as the filter: no one, not its people.
    const firmB1 = (await findUserById(ctx.server.services.db, tree.people.memberB1.id))!.org_id;
    const foreign = await admin.get(`/admin/people?firm=${firmB1}`);
    expect(foreign.status).toBe(200);
    expect(foreign.body).toContain('No one matches.');
    expect(foreign.body).not.toContain('MemberB1');
    for (const bad of ['?two_factor=%00', '?firm=' + 'x'.repeat(300), '?two_factor=everyone']) expect((await admin.get(`/admin/people${bad}`)).status).toBeLessThan(500);
    // The old list address with a search goes to the People tab.
    expect((await admin.get('/admin?q=None')).location).toBe('/admin/people?q=None');
    // Cut at 100 characters inside an emoji: still a redirect, never a 500.
    const cut = await admin.get(`/admin?q=${'a'.repeat(99)}%F0%9F%98%80`);
    expect(cut.status).toBe(302);
  });

  it('a firm admin may look but not remind; a member may not look', async () => {
    const firmAdmin = await fresh('firmAdminA1');
    const page = await firmAdmin.get('/admin');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('Remind people without 2FA</button>');
    await firmAdmin.get('/admin');
    expect((await firmAdmin.post('/admin/remind-two-factor', {})).status).toBe(403);
    expect(await remindersTo(added.noneA1a!)).toHaveLength(0);
    const member = await fresh('memberA1');
    expect((await member.get('/admin')).status).not.toBe(200);
  });

  it('a remind press for a firm outside the reach, or a malformed one, is refused and recorded, never widened to everyone', async () => {
    const admin = await fresh('aggAdminA');
    const firmB1 = (await findUserById(ctx.server.services.db, tree.people.memberB1.id))!.org_id;
    const refusalsBefore = await ctx.server.services.db.selectFrom('security_events').select('id').where('user_id', '=', tree.people.aggAdminA.id).where('type', '=', 'admin_access_refused').execute();
    for (const firm of [firmB1, `${firmA1}${'x'.repeat(40)}`, 'no-such-firm']) {
      await admin.get('/admin');
      expect((await admin.post('/admin/remind-two-factor', { firm })).status).toBe(403);
    }
    for (const id of [added.noneA1a!, added.noneA1b!, added.noneA2!, added.noneB!]) expect(await remindersTo(id)).toHaveLength(0);
    const refusalsAfter = await ctx.server.services.db.selectFrom('security_events').select('id').where('user_id', '=', tree.people.aggAdminA.id).where('type', '=', 'admin_access_refused').execute();
    expect(refusalsAfter.length - refusalsBefore.length).toBe(3);
  });

  it('reminds each person without 2FA once a week, however many admins press at once', async () => {
    const services = ctx.server.services;
    const [first, second] = [await fresh('aggAdminA'), await fresh('aggAdminA')];
    await first.get('/admin');
    await second.get('/admin');
    // Two presses race: the conditional upsert lets one claim each person.
    const replies = await Promise.all([first.post('/admin/remind-two-factor', {}), second.post('/admin/remind-two-factor', {})]);
    expect(replies.map((r) => r.location)).toContain('/admin?notice=reminders_sent');
    for (const id of [added.noneA1a!, added.noneA1b!, added.noneA2!]) {
      const mails = await remindersTo(id);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toBe(`${tree.aggregatorA.name} asks you to turn on two-factor authentication`);
    }
    // Not the invited (no password yet), not anyone with 2FA, not another aggregator's people.
    for (const id of [added.invitedA1!, added.smsA1!, added.passkeyA2!, added.noneB!, tree.people.memberA1.id]) expect(await remindersTo(id)).toHaveLength(0);
    const events = await services.db.selectFrom('security_events').select(['user_id', 'actor_id', 'ip']).where('type', '=', 'two_factor_reminder_sent').execute();
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.actor_id))).toEqual(new Set([tree.people.aggAdminA.id]));
    // The admin's address is not put on the person's record as if they had been there.
    expect(events.map((e) => e.ip)).toEqual([null, null, null]);
    const page = await first.get('/admin');
    expect(page.body).toContain('All 3 people without two-factor authentication were reminded in the last 7 days');

    // Six days later: still no one due. Seven: everyone again.
    ctx.server.clock.advance(TWO_FACTOR_REMINDER_INTERVAL_IN_MS - 86_400_000);
    const later = await fresh('aggAdminA');
    await later.get('/admin');
    expect((await later.post('/admin/remind-two-factor', {})).location).toBe('/admin?notice=reminders_none_due');
    expect(await remindersTo(added.noneA2!)).toHaveLength(1);
    ctx.server.clock.advance(86_400_000);
    const week = await fresh('aggAdminA');
    await week.get('/admin');
    // From the People tab, filtered to one firm: back to that list.
    const firmList = await week.get(`/admin/people?firm=${firmA2}&two_factor=off`);
    expect(firmList.body).toContain('Remind people without 2FA');
    expect((await week.post('/admin/remind-two-factor', { firm: firmA2, back: 'people' })).location).toBe(`/admin/people?firm=${firmA2}&two_factor=off&notice=reminders_sent`);
    // The firm field limits the press to that firm.
    expect(await remindersTo(added.noneA2!)).toHaveLength(2);
    expect(await remindersTo(added.noneA1a!)).toHaveLength(1);
  });

  it('a deactivated person counts neither as protected nor as not yet, and is not listed to remind', async () => {
    const services = ctx.server.services;
    const extra = (await createUser(services, { email: `gone.${Date.now()}@example.com.au`, name: 'Gone Person', orgName: (await services.db.selectFrom('organizations').select('name').where('id', '=', firmA2).executeTakeFirstOrThrow()).name, role: 'member', password: STRONG_PASSWORD })).id;
    const before = (await loadOverview(services, await actorOf('aggAdminA'), META)).organizations.find((org) => org.id === firmA2)!;
    await deactivateAccount(services, { targetUserId: extra, actorUserId: null, actorName: 'the operator' }, META);
    const after = (await loadOverview(services, await actorOf('aggAdminA'), META)).organizations.find((org) => org.id === firmA2)!;
    expect(after.people).toBe(before.people - 1);
    expect(after.withoutTwoFactor).toBe(before.withoutTwoFactor - 1);
    const list = await (await fresh('aggAdminA')).get(`/admin/people?firm=${firmA2}&two_factor=off`);
    expect(list.body).not.toContain('Gone Person');
  });

  it('trends count each Sydney day within the reach, the same live as from kept days', async () => {
    const services = ctx.server.services;
    const nowMs = services.now();
    const today = sydneyDayOf(nowMs);
    const insideA1 = tree.people.memberA1.id;
    const insideAgg = tree.people.memberOfA.id;
    const outside = tree.people.memberB1.id;
    const at = (day: string, offsetMs: number) => startOfSydneyDay(day) + offsetMs;
    const before = await loadOverview(services, await actorOf('aggAdminA'), META);
    const series = (overview: typeof before, key: string) => overview.trends.flatMap((t) => t.series).find((s) => s.line.key === key)!.daily;
    const add = async (type: Parameters<typeof appendSecurityEvent>[1]['type'], userId: string | null, atMs: number) => appendSecurityEvent(services.db, { type, userId, atMs });
    // 3 days ago: two wrong codes in A, one in B, one about no one; the last millisecond of that day and the first of the next.
    const threeAgo = addDays(today, -3);
    await add('code_failed', insideA1, at(threeAgo, 1));
    await add('code_failed', insideAgg, at(addDays(threeAgo, 1), 0) - 1);
    await add('code_failed', outside, at(threeAgo, 5));
    await add('code_failed', null, at(threeAgo, 6));
    await add('code_failed', insideA1, at(addDays(threeAgo, 1), 0));
    // SMS: sent twice, refused once per number and once per account, 10 days ago.
    const tenAgo = addDays(today, -10);
    await add('sms_code_sent', insideA1, at(tenAgo, 3_600_000));
    await add('sms_code_sent', insideA1, at(tenAgo, 3_700_000));
    await add('sms_refused_number_limit', insideA1, at(tenAgo, 3_800_000));
    await add('sms_refused_account_limit', insideA1, at(tenAgo, 3_900_000));
    // Today: a sign-in and an admin reset; 31 days ago: outside the window.
    await add('signed_in', insideA1, nowMs - 1);
    await add('two_factor_reset', insideAgg, nowMs - 2);
    await add('code_step_locked', insideA1, at(addDays(today, -31), 10));

    const delta = (after: typeof before, key: string) => series(after, key).map((n, i) => n - series(before, key)[i]!);
    const check = (after: typeof before) => {
      const index = (day: string) => after.days.indexOf(day);
      const wrong = delta(after, 'wrong-codes');
      expect(wrong[index(threeAgo)]).toBe(2);
      expect(wrong[index(addDays(threeAgo, 1))]).toBe(1);
      expect(wrong.reduce((a, b) => a + b, 0)).toBe(3);
      expect(delta(after, 'sms-sent')[index(tenAgo)]).toBe(2);
      expect(delta(after, 'sms-refused-number')[index(tenAgo)]).toBe(1);
      expect(delta(after, 'sms-refused-account')[index(tenAgo)]).toBe(1);
      expect(delta(after, 'sign-ins').at(-1)).toBe(1);
      expect(delta(after, 'admin-resets').at(-1)).toBe(1);
      expect(delta(after, 'lock-outs').reduce((a, b) => a + b, 0)).toBe(0);
      expect(after.days).toHaveLength(30);
      expect(after.days.at(-1)).toBe(today);
    };
    // The days kept before these events were written are counted again (in real life a
    // kept day is final and gets no more events); then every final day is kept, today is live.
    await services.db.deleteFrom('activity_daily_counts').execute();
    await services.db.deleteFrom('activity_days_counted').execute();
    check(await loadOverview(services, await actorOf('aggAdminA'), META));
    const kept = await services.db.selectFrom('activity_days_counted').select('day').execute();
    expect(kept.map((r) => r.day)).toContain(threeAgo);
    expect(kept.map((r) => r.day)).not.toContain(today);
    // Kept counts are what the page shows: change one, and the page follows it.
    check(await loadOverview(services, await actorOf('aggAdminA'), META));
    await services.db.updateTable('activity_daily_counts').set({ count: 40 }).where('day', '=', threeAgo).where('org_id', '=', firmA1).where('type', '=', 'code_failed').execute();
    const edited = await loadOverview(services, await actorOf('aggAdminA'), META);
    expect(delta(edited, 'wrong-codes')[edited.days.indexOf(threeAgo)]).toBe(41);
    // Both ways of counting live (person by person for a small reach, every event of the
    // range for a large one) agree for the reach's organisations.
    const range = { fromMs: startOfSydneyDay(addDays(today, -12)), toMs: nowMs + 1 };
    const reachA = [tree.aggregatorA.id, firmA1, firmA2];
    const sorted = (rows: Array<{ org_id: string; type: string; count: number }>) => rows.map((r) => `${r.org_id} ${r.type} ${r.count}`).sort();
    const personByPerson = await countEventsOfOrgs(services.db, range, TREND_EVENT_TYPES, reachA);
    expect(personByPerson.length).toBeGreaterThan(3);
    expect(sorted(personByPerson)).toEqual(sorted((await countEventsByOrg(services.db, range, TREND_EVENT_TYPES)).filter((r) => reachA.includes(r.org_id))));
    // Aggregator B's admin sees B's wrong code only.
    const other = await loadOverview(services, await actorOf('aggAdminB'), META);
    expect(series(other, 'wrong-codes')[other.days.indexOf(threeAgo)]).toBe(1);
    // Housekeeping keeping the same days again changes nothing.
    await keepFinalDayCounts(services);
    expect((await loadOverview(services, await actorOf('aggAdminA'), META)).trends).toEqual(edited.trends);
  });

  it('housekeeping drops kept counts older than the trends ever show, and keeps the window', async () => {
    const services = ctx.server.services;
    const today = sydneyDayOf(services.now());
    for (const day of [addDays(today, -70), addDays(today, -5)]) {
      await services.db.insertInto('activity_daily_counts').values({ org_id: firmA1, day, type: 'signed_in', count: 3 }).onConflict((oc) => oc.doNothing()).execute();
      await services.db.insertInto('activity_days_counted').values({ day, counted_at: services.now() }).onConflict((oc) => oc.doNothing()).execute();
    }
    await purgeExpiredRecords(services);
    const days = (await services.db.selectFrom('activity_days_counted').select('day').execute()).map((r) => r.day);
    expect(days).not.toContain(addDays(today, -70));
    expect(days).toContain(addDays(today, -5));
    expect(await services.db.selectFrom('activity_daily_counts').select('day').where('day', '=', addDays(today, -70)).execute()).toHaveLength(0);
  });

  it('a day just ended is counted live until it is final, then kept with the same figures', async () => {
    const services = ctx.server.services;
    const today = sydneyDayOf(services.now());
    const tomorrow = addDays(today, 1);
    await appendSecurityEvent(services.db, { type: 'code_step_locked', userId: tree.people.memberA2.id, atMs: startOfSydneyDay(tomorrow) - 1 });
    // Five minutes past midnight: yesterday may still get late events, so it is not kept yet.
    ctx.server.clock.set(startOfSydneyDay(tomorrow) + 5 * 60_000);
    const early = await loadOverview(services, await actorOf('aggAdminA'), META);
    const lockOuts = (o: typeof early) => o.trends.flatMap((t) => t.series).find((s) => s.line.key === 'lock-outs')!.daily;
    expect(early.days.at(-2)).toBe(today);
    expect(lockOuts(early).at(-2)).toBe(1);
    const keptEarly = await services.db.selectFrom('activity_days_counted').select('day').where('day', '=', today).execute();
    expect(keptEarly).toHaveLength(0);
    ctx.server.clock.set(startOfSydneyDay(tomorrow) + 16 * 60_000);
    const later = await loadOverview(services, await actorOf('aggAdminA'), META);
    expect(lockOuts(later).at(-2)).toBe(1);
    expect(await services.db.selectFrom('activity_days_counted').select('day').where('day', '=', today).execute()).toHaveLength(1);
  });
});
