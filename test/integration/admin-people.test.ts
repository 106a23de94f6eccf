// The admin's actions on people (invite, role, deactivate, reactivate) over real HTTP on
// each database: who may do each (the authority table), and what a deactivation ends.
import { beforeAll, describe, expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { signIn, submitPassword } from '../helpers/fixtures.js';
import { type OrgTree, createOrgTree } from '../helpers/org-tree.js';
import { useTestServer } from '../helpers/suite.js';
import { generateToken, hashToken } from '../../src/crypto/tokens.js';
import { createUserAndInvite } from '../../src/services/accounts.js';
import { insertAccountToken } from '../../src/store/account-tokens.js';
import { listSecurityEventsForUser } from '../../src/store/security-events.js';
import { findLinkedSession } from '../../src/store/oidc-session-links.js';
import { findUserByEmail, findUserById } from '../../src/store/users.js';
import { accountClaimsOf } from '../../src/services/oidc/accounts.js';
import { requestPasswordReset } from '../../src/services/account-links.js';

type Person = keyof OrgTree['people'];
type Action = 'deactivate' | 'reactivate' | 'role' | 'invite-A1' | 'invite-B1' | 'invite-page';

// expected: HTTP status; 303 when the change went through.
const TABLE: Array<[actor: Person, target: Person | 'no-such-id', action: Action, expected: number]> = [
  ['aggAdminA', 'aggAdminA', 'deactivate', 403],
  ['aggAdminA', 'aggAdminA', 'role', 403],
  ['aggAdminA', 'memberB1', 'deactivate', 404],
  ['aggAdminA', 'memberB1', 'role', 404],
  ['aggAdminA', 'no-such-id', 'deactivate', 404],
  ['aggAdminB', 'memberA1', 'deactivate', 404],
  ['aggAdminB', 'memberA1', 'reactivate', 404],
  ['firmAdminA1', 'memberA1', 'deactivate', 403],
  ['firmAdminA1', 'memberA1', 'reactivate', 403],
  ['firmAdminA1', 'memberA1', 'role', 403],
  ['firmAdminA1', 'firmAdminA1', 'deactivate', 403],
  ['firmAdminA1', 'memberA1', 'invite-A1', 403],
  ['firmAdminA1', 'memberA1', 'invite-page', 403],
  ['firmAdminB1', 'memberA1', 'deactivate', 404],
  ['memberA1', 'otherMemberA1', 'deactivate', 403],
  ['memberA1', 'otherMemberA1', 'invite-A1', 403],
  ['aggAdminA', 'memberA1', 'invite-B1', 403],
  ['aggAdminB', 'memberA1', 'invite-A1', 403],
  ['aggAdminA', 'memberA2', 'role', 303],
  ['aggAdminA', 'memberOfA', 'deactivate', 303],
  ['aggAdminA', 'memberA1', 'invite-A1', 303],
];

describeEachDatabase('admin actions on people', (database) => {
  const ctx = useTestServer(database);
  let tree: OrgTree;
  const clients = new Map<Person, TestClient>();
  beforeAll(async () => {
    tree = await createOrgTree(ctx.server.services);
  });

  async function clientFor(person: Person): Promise<TestClient> {
    let client = clients.get(person);
    if (!client) {
      ctx.server.clock.advance(30_000);
      client = await signIn(ctx.server.url, tree.people[person], ctx.server.clock.now());
      clients.set(person, client);
    }
    return client;
  }
  const fresh = async (person: Person) => {
    ctx.server.clock.advance(30_000);
    return signIn(ctx.server.url, tree.people[person], ctx.server.clock.now());
  };
  const refusalsOf = async (userId: string) => (await listSecurityEventsForUser(ctx.server.services.db, userId, 500)).filter((e) => e.type === 'admin_access_refused').length;
  let invited = 0;

  describe('authority', () => {
    it.each(TABLE)('%s → %s: %s answers %i', async (actor, targetKey, action, expected) => {
      const { server } = ctx;
      const client = await clientFor(actor);
      const targetId = targetKey === 'no-such-id' ? '00000000-0000-4000-8000-000000000000' : tree.people[targetKey].id;
      const before = targetKey === 'no-such-id' ? undefined : await findUserById(server.services.db, targetId);
      const refusalsBefore = await refusalsOf(tree.people[actor].id);
      await client.get('/');
      let reply;
      let email: string | undefined;
      if (action === 'invite-page') reply = await client.get('/admin/people/invite');
      else if (action === 'invite-A1' || action === 'invite-B1') {
        email = `invited.${invited++}.${Date.now()}@example.com.au`;
        reply = await client.post('/admin/people/invite', { name: 'Ivy Invited', email, firm: (action === 'invite-A1' ? tree.firms.A1 : tree.firms.B1).id, role: 'member', mobile: '' });
      } else reply = await client.post(`/admin/users/${targetId}/${action}`, action === 'role' ? { role: before?.role === 'admin' ? 'member' : 'admin' } : {});
      expect(reply.status).toBe(expected);

      if (expected >= 400) {
        if (targetKey !== 'no-such-id') expect(reply.body).not.toContain(tree.people[targetKey].email);
        expect(await refusalsOf(tree.people[actor].id)).toBe(refusalsBefore + 1);
        // Nothing changed.
        if (before) expect(await findUserById(server.services.db, targetId)).toMatchObject({ role: before.role, deactivated_at: before.deactivated_at });
        if (email) expect(await findUserByEmail(server.services.db, email)).toBeUndefined();
      } else if (email) {
        const person = await findUserByEmail(server.services.db, email);
        expect(person).toMatchObject({ name: 'Ivy Invited', org_id: tree.firms.A1.id, role: 'member', password_hash: null });
        expect(reply.location).toBe(`/admin/users/${person!.id}?notice=person_invited`);
        const events = await listSecurityEventsForUser(server.services.db, person!.id, 10);
        expect(events.find((e) => e.type === 'account_created')?.actor_id).toBe(tree.people[actor].id);
        const mail = await server.services.db.selectFrom('email_queue').select('kind').where('to_address', '=', email).execute();
        expect(mail).toEqual([{ kind: 'invitation' }]);
      } else {
        const after = await findUserById(server.services.db, targetId);
        if (action === 'role') expect(after!.role).not.toBe(before!.role);
        if (action === 'deactivate') expect(after!.deactivated_at).not.toBeNull();
        const event = (await listSecurityEventsForUser(server.services.db, targetId, 10)).find((e) => e.type === (action === 'role' ? 'role_changed' : 'account_deactivated'));
        expect(event?.actor_id).toBe(tree.people[actor].id);
      }
    });
  });

  it('an invitation with bad input keeps what was typed and says what is wrong', async () => {
    const admin = await clientFor('aggAdminA');
    await admin.get('/admin/people/invite');
    const noFirm = await admin.post('/admin/people/invite', { name: 'Nora', email: 'nora@example.com.au', firm: '', role: 'admin', mobile: '' });
    expect(noFirm.status).toBe(400);
    expect(alertText(noFirm.body)).toBe('Choose the firm the person belongs to.');
    expect(noFirm.body).toContain('value="nora@example.com.au"');
    const badMobile = await admin.post('/admin/people/invite', { name: 'Nora', email: 'nora@example.com.au', firm: tree.firms.A2.id, role: 'admin', mobile: '0212345678' });
    expect(badMobile.status).toBe(400);
    expect(alertText(badMobile.body)).toContain('landline');
    const taken = await admin.post('/admin/people/invite', { name: 'Nora', email: tree.people.memberA1.email, firm: tree.firms.A2.id, role: 'member', mobile: '' });
    expect(taken.status).toBe(409);
    const done = await admin.post('/admin/people/invite', { name: 'Nora Admin', email: 'nora@example.com.au', firm: tree.firms.A2.id, role: 'admin', mobile: '0412 555 111' });
    expect(done.status).toBe(303);
    expect(await findUserByEmail(ctx.server.services.db, 'nora@example.com.au')).toMatchObject({ role: 'admin', mobile: '+61412555111', org_id: tree.firms.A2.id });
  });

  it('a role change holds at the person’s next click and is emailed; the same change twice says so', async () => {
    const target = tree.people.otherMemberA1;
    const person = await fresh('otherMemberA1');
    expect((await person.get('/admin')).status).toBe(403);
    const admin = await clientFor('aggAdminA');
    await admin.get(`/admin/users/${target.id}`);
    expect((await admin.post(`/admin/users/${target.id}/role`, { role: 'admin' })).status).toBe(303);
    expect((await person.get('/admin')).status).toBe(200);
    const again = await admin.post(`/admin/users/${target.id}/role`, { role: 'admin' });
    expect(again.status).toBe(409);
    expect(again.body).toContain('already has that role');
    expect((await admin.post(`/admin/users/${target.id}/role`, { role: 'owner' })).status).toBe(400);
    const mail = await ctx.server.services.db.selectFrom('email_queue').select('text_body').where('to_address', '=', target.email).where('kind', '=', 'notice:role_changed').execute();
    expect(mail).toHaveLength(1);
    expect(mail[0]!.text_body).toContain('you are now an administrator');
    expect((await admin.post(`/admin/users/${target.id}/role`, { role: 'member' })).status).toBe(303);
  });

  it('deactivation ends every sign-in at once, refuses the next one, and is told by email; reactivation lets them back', async () => {
    const { server } = ctx;
    const target = tree.people.memberA1;
    const signedIn = await fresh('memberA1');
    expect((await signedIn.get('/api/session')).status).toBe(200);
    // A remembered device and a reset link from before.
    server.clock.advance(30_000);
    await signIn(server.url, target, server.clock.now(), { rememberDevice: true });
    const meta = { ip: '127.0.0.9', userAgent: 'test' };
    await requestPasswordReset(server.services, target.email, meta);
    const resetMail = await server.services.db.selectFrom('email_queue').select('text_body').where('to_address', '=', target.email).where('kind', '=', 'password_reset').executeTakeFirstOrThrow();
    const resetLink = /\/reset-password\?token=\S+/.exec(resetMail.text_body)![0];

    const admin = await clientFor('aggAdminA');
    expect((await admin.get(`/admin/users/${target.id}`)).body).toContain(`Deactivate MemberA1`);
    expect((await admin.post(`/admin/users/${target.id}/deactivate`, {})).location).toBe(`/admin/users/${target.id}?notice=account_deactivated`);

    // Every session ends: its next request is refused.
    expect((await signedIn.get('/api/session')).status).toBe(401);
    const db = server.services.db;
    expect(await db.selectFrom('remembered_devices').select('id').where('user_id', '=', target.id).execute()).toEqual([]);
    expect(await db.selectFrom('sessions').select('id').where('user_id', '=', target.id).execute()).toEqual([]);
    // The right password says so; a wrong one reads exactly as any wrong password.
    const right = await submitPassword(new TestClient(server.url), target.email, target.password);
    expect(right.status).toBe(403);
    expect(alertText(right.body)).toBe('This account has been deactivated, so it cannot sign in. Contact your aggregator if you need it back.');
    // enumeration: a wrong password for a deactivated account = a wrong password for an active one
    const wrongHere = await submitPassword(new TestClient(server.url), target.email, 'not the password at all');
    const wrongActive = await submitPassword(new TestClient(server.url), tree.people.memberA2.email, 'not the password at all');
    expect([wrongHere.status, alertText(wrongHere.body)]).toEqual([wrongActive.status, alertText(wrongActive.body)]);
    expect(alertText(wrongHere.body)).toBe('That email and password do not match an account.');
    // The reset link from before no longer works, and no new one is sent.
    const link = await new TestClient(server.url).get(resetLink);
    expect(link.body).toContain('expired or was already used');
    server.clock.advance(10 * 60_000); // past the one-email-per-5-minutes rule
    await requestPasswordReset(server.services, target.email, meta);
    expect(await db.selectFrom('email_queue').select('id').where('to_address', '=', target.email).where('kind', '=', 'password_reset').execute()).toHaveLength(1);
    // A link made since (by any path) is refused for a deactivated person all the same.
    const token = generateToken();
    await insertAccountToken(db, { id: hashToken(token), user_id: target.id, purpose: 'password_reset', created_at: server.clock.now(), expires_at: server.clock.now() + 3_600_000, used_at: null });
    const linkPage = await new TestClient(server.url).get(`/reset-password?token=${token}`);
    expect(linkPage.status).toBe(400);
    expect(linkPage.body).toContain('expired or was already used');

    const events = await listSecurityEventsForUser(db, target.id, 50);
    expect(events.find((e) => e.type === 'account_deactivated')).toMatchObject({ actor_id: tree.people.aggAdminA.id, detail: expect.stringContaining('AggAdminA') });
    expect(events.some((e) => e.type === 'sign_in_refused_deactivated')).toBe(true);
    const notice = await db.selectFrom('email_queue').select('text_body').where('to_address', '=', target.email).where('kind', '=', 'notice:account_deactivated').execute();
    expect(notice).toHaveLength(1);
    expect(notice[0]!.text_body).toContain('deactivated by AggAdminA');

    // The list shows them as such, and filters by it.
    const list = await admin.get('/admin/people?status=deactivated');
    // ">email<": memberA1's address is inside otherMemberA1's
    expect(list.body).toContain(`>${target.email}<`);
    expect(list.body).toContain('<span class="tag tag-off">Deactivated</span>');
    expect(list.body).not.toContain(`>${tree.people.memberA2.email}<`);
    expect((await admin.get('/admin/people?status=active')).body).not.toContain(`>${target.email}<`);
    expect((await admin.post(`/admin/users/${target.id}/deactivate`, {})).status).toBe(409);

    expect((await admin.post(`/admin/users/${target.id}/reactivate`, {})).location).toBe(`/admin/users/${target.id}?notice=account_reactivated`);
    // A link from before the deactivation died with it: reactivating does not bring it back.
    expect((await new TestClient(server.url).get(resetLink)).body).toContain('expired or was already used');
    server.clock.advance(30_000);
    await signIn(server.url, target, server.clock.now());
    expect(await db.selectFrom('email_queue').select('id').where('to_address', '=', target.email).where('kind', '=', 'notice:account_reactivated').execute()).toHaveLength(1);
    expect((await admin.post(`/admin/users/${target.id}/reactivate`, {})).status).toBe(409);
  });

  it('a session that outlived a deactivation (a sign-in racing it) is refused by the session check, and by apps', async () => {
    const { server } = ctx;
    const target = tree.people.memberA2;
    const signedIn = await fresh('memberA2');
    expect((await signedIn.get('/api/session')).status).toBe(200);
    const session = await server.services.db.selectFrom('sessions').select('id').where('user_id', '=', target.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    await server.services.db.insertInto('oidc_session_links').values({ provider_session_uid: 'racing-session-uid-0123456789', session_id: session.id }).execute();
    expect(await findLinkedSession(server.services.db, 'racing-session-uid-0123456789')).toBeDefined();
    // Only the column, as if the session were written after the deactivation deleted the others.
    await server.services.db.updateTable('users').set({ deactivated_at: server.clock.now() }).where('id', '=', target.id).execute();
    expect((await signedIn.get('/api/session')).status).toBe(401);
    expect(await findLinkedSession(server.services.db, 'racing-session-uid-0123456789')).toBeUndefined();
    expect(await accountClaimsOf(server.services, target.id)).toBeNull();
    await server.services.db.updateTable('users').set({ deactivated_at: null }).where('id', '=', target.id).execute();
  });

  it('an invitation cannot be used or resent while the person is deactivated', async () => {
    const { server } = ctx;
    const person = await createUserAndInvite(server.services, { email: 'ines@example.com.au', name: 'Ines Invited', orgName: tree.firms.A1.name });
    const mail = await server.services.db.selectFrom('email_queue').select('text_body').where('to_address', '=', person.email).where('kind', '=', 'invitation').executeTakeFirstOrThrow();
    const link = /\/invitation\?token=(\S+)/.exec(mail.text_body)!;
    const admin = await clientFor('aggAdminA');
    await admin.get(`/admin/users/${person.id}`);
    expect((await admin.post(`/admin/users/${person.id}/deactivate`, {})).status).toBe(303);
    const page = await admin.get(`/admin/users/${person.id}`);
    expect(page.body).not.toContain('Resend invitation');
    expect(page.body).toContain('send them a new invitation after reactivating');
    const resend = await admin.post(`/admin/users/${person.id}/resend-invitation`, {});
    expect(resend.status).toBe(409);
    const invitation = await new TestClient(server.url).get(`/invitation?token=${link[1]}`);
    expect(invitation.status).toBe(400);
    expect(invitation.body).toContain('expired or was already used');
  });

  it('shows the reset form only where there is something to reset', async () => {
    const admin = await clientFor('aggAdminA');
    const noFactor = await createUserAndInvite(ctx.server.services, { email: 'nofactor@example.com.au', name: 'No Factor', orgName: tree.firms.A2.name });
    expect((await admin.get(`/admin/users/${noFactor.id}`)).body).not.toContain('Reset two-factor authentication');
    expect((await admin.get(`/admin/users/${tree.people.memberA2.id}`)).body).toContain('Reset two-factor authentication');
  });

  it('a firm admin sees a person’s status but no action', async () => {
    const firmAdmin = await clientFor('firmAdminA1');
    const page = await firmAdmin.get(`/admin/users/${tree.people.memberA1.id}`);
    expect(page.body).toContain('<dt>Status</dt>');
    expect(page.body).not.toContain('/deactivate');
    expect(page.body).not.toContain('/role');
    expect((await firmAdmin.get('/admin/people')).body).not.toContain('Invite a person');
  });
  it('probing for accounts through Invite (an email taken anywhere is refused) is bounded per admin per hour', async () => {
    const admin = await clientFor('aggAdminB');
    await admin.get('/admin/people/invite');
    // Last in this file: it moves the clock an hour on. Emails of another aggregator's
    // people: each refused as taken, each counted.
    let last;
    for (let i = 0; i < 60; i++) last = await admin.post('/admin/people/invite', { name: 'Probe', email: tree.people.memberA1.email, firm: tree.firms.B1.id, role: 'member', mobile: '' });
    expect(last!.status).toBe(409);
    const limited = await admin.post('/admin/people/invite', { name: 'Real Person', email: `real.${Date.now()}@example.com.au`, firm: tree.firms.B1.id, role: 'member', mobile: '' });
    expect(limited.status).toBe(429);
    expect(alertText(limited.body)).toContain('You have invited many people in the last hour');
    ctx.server.clock.advance(61 * 60_000);
    const later = await admin.post('/admin/people/invite', { name: 'Real Person', email: `real.${Date.now()}@example.com.au`, firm: tree.firms.B1.id, role: 'member', mobile: '' });
    expect(later.status).toBe(303);
  });

});
