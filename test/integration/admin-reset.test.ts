// The reset itself, the person's next sign-in, "require 2FA", the activity lists and the export.
import { beforeAll, expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { codeFor, signIn, submitPassword } from '../helpers/fixtures.js';
import { type OrgTree, createOrgTree } from '../helpers/org-tree.js';
import { useTestServer } from '../helpers/suite.js';
import { findTwoFactor } from '../../src/store/two-factor.js';
import { findUserById } from '../../src/store/users.js';
import { latestOutboxMessageTo } from '../../src/store/outbox.js';
import { appendSecurityEvent } from '../../src/store/security-events.js';
import { createUserAndInvite } from '../../src/services/accounts.js';
import { checkAccountLink } from '../../src/services/account-links.js';

describeEachDatabase('aggregator admin reset', (database) => {
  const ctx = useTestServer(database);
  let tree: OrgTree;
  beforeAll(async () => {
    tree = await createOrgTree(ctx.server.services);
  });

  const fresh = async (person: keyof OrgTree['people']) => {
    ctx.server.clock.advance(30_000);
    return signIn(ctx.server.url, tree.people[person], ctx.server.clock.now());
  };

  it('the person page shows how many recovery codes are left, and the list names a passkey second factor', async () => {
    const target = tree.people.memberOfA;
    const admin = await fresh('aggAdminA');
    expect((await admin.get(`/admin/users/${target.id}`)).body).toMatch(/<dt>Recovery codes<\/dt><dd>10 left<\/dd>/);
    const [one] = await ctx.server.services.db.selectFrom('recovery_codes').select('id').where('user_id', '=', target.id).limit(1).execute();
    await ctx.server.services.db.updateTable('recovery_codes').set({ used_at: ctx.server.clock.now() }).where('id', '=', one!.id).execute();
    expect((await admin.get(`/admin/users/${target.id}`)).body).toMatch(/<dt>Recovery codes<\/dt><dd>9 left<\/dd>/);
    await ctx.server.services.db.updateTable('two_factor').set({ method: 'webauthn' }).where('user_id', '=', target.id).execute();
    const list = await admin.get(`/admin/people?q=${encodeURIComponent(target.email)}`);
    expect(list.body).toContain('On (passkey)');
    await ctx.server.services.db.updateTable('two_factor').set({ method: 'totp' }).where('user_id', '=', target.id).execute();
  });

  it('needs the admin’s password, a reason and how they verified the person; then resets everything', async () => {
    const { server } = ctx;
    const target = tree.people.memberA1;
    await server.services.db.updateTable('users').set({ mobile: '+61412000111' }).where('id', '=', target.id).execute();
    const targetBrowser = await fresh('memberA1');
    const admin = await fresh('aggAdminA');
    await admin.get(`/admin/users/${target.id}`);
    const url = `/admin/users/${target.id}/reset-two-factor`;
    const base = { admin_password: tree.people.aggAdminA.password, reason: 'Lost phone and number', verification: 'Called back on the office number', new_mobile: '0412 999 000' };
    for (const [change, message] of [
      [{ admin_password: 'not my password at all' }, 'Your own password is not right. Enter it to confirm the reset.'],
      [{ reason: '' }, 'Give the reason for this reset, in a few words (at least 3 characters).'],
      [{ verification: ' ' }, 'Say how you verified that this person is who they say they are (at least 3 characters).'],
      [{ new_mobile: '0212345678' }, 'That looks like a landline. Enter a mobile number (10 digits starting with 04, like 0412 345 678): codes are sent by text message.'],
    ] as const) {
      const reply = await admin.post(url, { ...base, ...change });
      expect(reply.status).toBe(400);
      expect(alertText(reply.body)).toBe(message);
      expect(await findTwoFactor(server.services.db, target.id)).toBeDefined();
    }
    const done = await admin.post(url, base);
    expect(done.location).toBe(`/admin/users/${target.id}?notice=two_factor_reset`);
    expect(await findTwoFactor(server.services.db, target.id)).toBeUndefined();
    expect((await findUserById(server.services.db, target.id))!.mobile).toBe('+61412999000');
    expect((await targetBrowser.get('/api/session')).status).toBe(401);
    const sms = (await latestOutboxMessageTo(server.services.db, '+61412999000'))!;
    expect(sms.body).toContain(`reset by ${tree.aggregatorA.name}`);
    expect(sms.body.replace(tree.aggregatorA.name, '')).not.toMatch(/\d{6}|https?:/);
    const page = await admin.follow(done);
    expect(page.body).toContain('Two-factor authentication reset by an administrator');
    expect(page.body).toContain('reason: Lost phone and number; verified by: Called back on the office number; mobile number replaced');

    // The person signs in with the password, is told who reset it, and is taken to set it up.
    const back = new TestClient(server.url);
    const signedIn = await submitPassword(back, target.email, target.password);
    expect(signedIn.location).toBe('/settings/two-factor');
    const setup = await back.follow(signedIn);
    expect(setup.body).toContain(`Your two-factor authentication was reset by AggAdminA (${tree.aggregatorA.name})`);
    const activity = await back.get('/settings/security');
    expect(activity.body).toContain('Recent security activity');
    expect(activity.body).toContain('Two-factor authentication reset by an administrator');
  });

  it('limits an admin to 10 resets an hour', async () => {
    const { server } = ctx;
    const admin = await fresh('aggAdminB');
    await admin.get('/admin');
    const target = tree.people.memberB1;
    const post = () =>
      admin.post(`/admin/users/${target.id}/reset-two-factor`, { admin_password: tree.people.aggAdminB.password, reason: 'Lost phone', verification: 'Called back' });
    for (let i = 0; i < 10; i++) expect((await post()).status).toBe(303);
    const eleventh = await post();
    expect(eleventh.status).toBe(429);
    server.clock.advance(60 * 60_000);
    expect((await post()).status).toBe(303);
  });

  it('requires 2FA for everyone under the aggregator once the admin says so', async () => {
    const { server } = ctx;
    const admin = await fresh('aggAdminA');
    await admin.get('/admin');
    // The first click asks, saying whom it affects; nothing changes until it is confirmed.
    const asked = await admin.post('/admin/require-two-factor', { required: 'yes' });
    expect(asked.status).toBe(200);
    expect(asked.body).toContain('Require two-factor authentication for everyone?');
    expect(asked.body).toMatch(/\d+ of the \d+ people under /);
    expect((await admin.get('/api/session')).status).toBe(200);
    const orgRow = () => server.services.db.selectFrom('organizations').select('require_two_factor').where('id', '=', tree.aggregatorA.id).executeTakeFirstOrThrow();
    expect((await orgRow()).require_two_factor).toBe(0);
    expect((await admin.post('/admin/require-two-factor', { required: 'yes', confirmed: 'yes' })).location).toBe('/admin?notice=requirement_saved');
    expect((await orgRow()).require_two_factor).toBe(1);
    const firmAdmin = await fresh('firmAdminA1');
    await firmAdmin.get('/');
    expect((await firmAdmin.post('/admin/require-two-factor', { required: 'no' })).status).toBe(403);

    // memberA2 has no 2FA after the reset in the table test? Make sure here:
    await server.services.db.deleteFrom('two_factor').where('user_id', '=', tree.people.memberA2.id).execute();
    const member = new TestClient(server.url);
    expect((await submitPassword(member, tree.people.memberA2.email, tree.people.memberA2.password)).location).toBe('/');
    expect((await member.get('/')).location).toBe('/settings/two-factor');
    expect((await member.get('/admin')).location).toBe('/settings/two-factor');
    const api = await member.get('/api/session');
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toEqual({ signedIn: true, twoFactorSetupRequired: true });
    expect((await member.get('/settings/two-factor')).body).toContain('Your organisation requires two-factor authentication.');

    // People under aggregator B are not affected.
    await server.services.db.deleteFrom('two_factor').where('user_id', '=', tree.people.memberB1.id).execute();
    const other = new TestClient(server.url);
    await submitPassword(other, tree.people.memberB1.email, tree.people.memberB1.password);
    expect((await other.get('/api/session')).status).toBe(200);
    await admin.post('/admin/require-two-factor', { required: 'no', confirmed: 'yes' });
    expect((await member.get('/api/session')).status).toBe(200);
  });

  it('pages activity with a cursor and exports a date range as CSV, defused for spreadsheets', async () => {
    const { server } = ctx;
    const target = tree.people.otherMemberA1;
    const day = Date.parse('2026-03-10T10:00:00Z');
    for (let i = 0; i < 40; i++) {
      await appendSecurityEvent(server.services.db, { type: 'signed_in', userId: target.id, ip: `203.0.113.${i}`, userAgent: 'Mozilla/5.0 (Windows NT 10.0) Chrome/130.0', detail: i === 0 ? '=HYPERLINK("http://evil")' : 'password', atMs: day + i * 60_000 });
    }
    const admin = await fresh('aggAdminA');
    const first = await admin.get(`/admin/users/${target.id}`);
    const next = /href="(\/admin\/users\/[^"?]+\?before=[^"]+)"/.exec(first.body)![1]!;
    const second = await admin.get(next.replace(/&amp;/g, '&'));
    expect(second.status).toBe(200);
    const ips = (html: string) => [...html.matchAll(/203\.0\.113\.(\d+)/g)].map((m) => Number(m[1]));
    expect(ips(first.body).length).toBeGreaterThan(0);
    expect(Math.max(...ips(second.body))).toBeLessThan(Math.min(...ips(first.body)));

    const csv = await admin.get(`/admin/users/${target.id}/activity.csv?from=2026-03-10&to=2026-03-10`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="activity-/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('time_utc,event,ip,browser,detail');
    expect(lines).toHaveLength(41);
    expect(lines[1]).toBe(`2026-03-10T10:00:00.000Z,Signed in,203.0.113.0,Chrome on Windows,"'=HYPERLINK(""http://evil"")"`);
    const outside = await admin.get(`/admin/users/${target.id}/activity.csv?from=2026-03-11&to=2026-03-12`);
    expect(outside.body.trim().split('\r\n')).toHaveLength(1);
    // A range backwards, or a date that is not one: refused on the page, not an empty file.
    const backwards = await admin.get(`/admin/users/${target.id}/activity.csv?from=2026-03-12&to=2026-03-10`);
    expect(backwards.status).toBe(400);
    expect(backwards.headers.get('content-type')).toContain('text/html');
    expect(alertText(backwards.body)).toContain('The From date is after the To date');
    const notADate = await admin.get(`/admin/users/${target.id}/activity.csv?from=2026-02-31`);
    expect(notADate.status).toBe(400);
    expect(alertText(notADate.body)).toContain('Enter the dates as day, month and year');
  });

  it('lets the operator reset from the CLI service, recorded as the operator', async () => {
    const { server } = ctx;
    const { resetTwoFactorAsOperator } = await import('../../src/services/operator.js');
    const target = tree.people.firmAdminB1;
    await resetTwoFactorAsOperator(server.services, { email: target.email.toUpperCase(), reason: 'Ticket 4411: phone stolen' });
    expect(await findTwoFactor(server.services.db, target.id)).toBeUndefined();
    const events = await server.services.db.selectFrom('security_events').selectAll().where('user_id', '=', target.id).where('type', '=', 'two_factor_reset').execute();
    expect(events[0]).toMatchObject({ actor_id: null, ip: 'cli' });
    expect(events[0]!.detail).toContain('by the Twofold operator; reason: Ticket 4411: phone stolen');
    await expect(resetTwoFactorAsOperator(server.services, { email: 'nobody@example.com', reason: 'x y z' })).rejects.toThrow('There is no user with that email.');
    // Again, now that there is nothing left to reset: refused, not a sign-out everywhere for nothing.
    await expect(resetTwoFactorAsOperator(server.services, { email: target.email, reason: 'Ticket 4412: again' })).rejects.toThrow('there is nothing to reset');
    expect(await server.services.db.selectFrom('security_events').select('id').where('user_id', '=', target.id).where('type', '=', 'two_factor_reset').execute()).toHaveLength(1);
  });

  it('lets an admin resend an invitation; the older link stops working', async () => {
    const { server } = ctx;
    const email = `invited.${Date.now()}@example.com.au`;
    const { id } = await createUserAndInvite(server.services, { email, name: 'Ina Invited', orgName: tree.aggregatorA.name });
    const links = async () =>
      (await server.services.db.selectFrom('email_queue').select('text_body').where('to_address', '=', email).where('kind', '=', 'invitation').orderBy('created_at').execute()).map(
        (row) => /token=([A-Za-z0-9_-]{43})/.exec(row.text_body)![1]!,
      );
    const admin = await fresh('aggAdminA');
    const page = await admin.get(`/admin/users/${id}`);
    expect(page.body).toContain('Ina Invited has not chosen a password yet.');
    const resent = await admin.post(`/admin/users/${id}/resend-invitation`, {});
    expect(resent.location).toBe(`/admin/users/${id}?notice=invitation_sent`);
    const [first, second] = await links();
    expect((await checkAccountLink(server.services, first, 'invitation')).valid).toBe(false);
    expect((await checkAccountLink(server.services, second, 'invitation')).valid).toBe(true);

    // Another aggregator's admin cannot resend it, and learns nothing.
    const other = await fresh('aggAdminB');
    await other.get('/admin');
    expect((await other.post(`/admin/users/${id}/resend-invitation`, {})).status).toBe(404);
    expect(await links()).toHaveLength(2);
  });

  it('keeps the remembered-device count and lock state visible to the admin', async () => {
    const { server } = ctx;
    const target = tree.people.otherMemberA1;
    const browser = new TestClient(server.url);
    server.clock.advance(30_000);
    await submitPassword(browser, target.email, target.password);
    await browser.get('/sign-in/code');
    await browser.post('/sign-in/code', { code: codeFor(target, server.clock.now()), remember_device: 'yes' });
    const admin = await fresh('aggAdminA');
    const page = await admin.get(`/admin/users/${target.id}`);
    expect(page.body).toMatch(/<dt>Remembered devices<\/dt><dd>1<\/dd>/);
    expect(page.body).toMatch(/<dt>Locked out<\/dt><dd>No<\/dd>/);
  });
});
