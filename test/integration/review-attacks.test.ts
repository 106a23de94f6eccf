// The holes an outside review found by attacking a running server, each replayed here
// as the attack it was, on both databases. Each test failed before its fix.
import { expect, it } from 'vitest';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { createUserAndInvite } from '../../src/services/accounts.js';
import { listSecurityEventsForUser } from '../../src/store/security-events.js';
import { findTwoFactor } from '../../src/store/two-factor.js';
import { findUserById } from '../../src/store/users.js';
import { watchArgon2 } from '../helpers/argon2.js';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { codeFor, createSmsUser, createTestUser, latestSmsCode, saveRecoveryCodes, signIn, submitPassword } from '../helpers/fixtures.js';
import { createOrgTree } from '../helpers/org-tree.js';
import { useTestServer } from '../helpers/suite.js';

const FIFTEEN_MINUTES_AND_A_BIT = 16 * 60_000;

describeEachDatabase('attacks from the outside review', (database) => {
  const ctx = useTestServer(database);

  /** Counts every argon2 verify the server runs. */
  function countPasswordChecks(): { readonly verifies: number; stop(): void } {
    const watch = watchArgon2(ctx.server.services.hasher);
    let verifies = 0;
    return {
      get verifies() {
        verifies += watch.take().filter((operation) => operation === 'verify').length;
        return verifies;
      },
      stop: () => watch.stop(),
    };
  }

  const eventsOf = async (userId: string, type: string) => (await listSecurityEventsForUser(ctx.server.services.db, userId, 500)).filter((e) => e.type === type);
  const emailsTo = async (email: string, kind: string) =>
    ctx.server.services.db.selectFrom('email_queue').select(['subject', 'text_body']).where('to_address', '=', email).where('kind', '=', kind).execute();

  it('sms-enrolment number swap: a code sent to number A cannot turn SMS 2FA on for number B', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const numberA = user.mobile;
    const client = await signIn(server.url, user, server.clock.now());
    await client.get('/settings/two-factor');
    expect((await client.post('/settings/two-factor', { method: 'sms' })).location).toBe('/settings/two-factor/sms');
    const codeSentToA = await latestSmsCode(server.services, numberA);

    // In another tab, the number becomes B (2FA is not on yet, so it may change).
    await client.get('/settings/security');
    expect((await client.post('/settings/mobile', { mobile: '0412 777 001' })).location).toBe('/settings/security?notice=mobile_saved');

    await client.get('/settings/two-factor/sms');
    const refused = await client.post('/settings/two-factor/sms', { code: codeSentToA });
    expect(refused.status).toBe(401);
    expect(alertText(refused.body)).toBe('That code has expired or was replaced by a newer one. Ask for a new code.');
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();

    // Starting again proves B itself.
    server.clock.advance(31_000);
    await client.get('/settings/two-factor');
    expect((await client.post('/settings/two-factor', { method: 'sms' })).location).toBe('/settings/two-factor/sms');
    await client.get('/settings/two-factor/sms');
    expect((await client.post('/settings/two-factor/sms', { code: await latestSmsCode(server.services, '+61412777001') })).location).toBe('/settings/recovery-codes');
    expect((await saveRecoveryCodes(client)).reply.location).toBe('/settings/security?notice=two_factor_on_sms');
    expect((await findUserById(server.services.db, user.id))!.mobile).toBe('+61412777001');
  });

  it('parallel wrong passwords from one address: no more than 100 are ever checked in the window', async () => {
    const { server } = ctx;
    const checks = countPasswordChecks();
    try {
      const clients = await Promise.all(
        Array.from({ length: 130 }, async () => {
          const client = new TestClient(server.url);
          await client.get('/sign-in');
          return client;
        }),
      );
      const replies = await Promise.all(clients.map((client, i) => client.post('/sign-in', { email: `spray.${i}@example.com.au`, password: 'wrong password for spraying' })));
      expect(checks.verifies).toBeLessThanOrEqual(100);
      expect(replies.filter((r) => r.status === 401)).toHaveLength(checks.verifies);
      expect(replies.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(30);
      expect(alertText(replies.find((r) => r.status === 429)!.body)).toMatch(/^Too many failed sign-ins from your network\./);
    } finally {
      checks.stop();
      server.clock.advance(FIFTEEN_MINUTES_AND_A_BIT);
    }
  });

  it('a right password gives its reservation back: an office keeps signing in', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    // 150 right passwords from one address: each was reserved, and each was given back.
    for (let i = 0; i < 15; i++) await Promise.all(Array.from({ length: 10 }, () => signIn(server.url, user, server.clock.now())));
    const wrong = new TestClient(server.url);
    await wrong.get('/sign-in');
    expect((await wrong.post('/sign-in', { email: 'someone.else@example.com.au', password: 'not it at all' })).status).toBe(401);
  });

  it('stolen session guesses the password to remove 2FA: 40 in parallel get 5 checked at most, then the session ends', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const stolen = await signIn(server.url, user, server.clock.now());
    await stolen.get('/settings/security');
    const checks = countPasswordChecks();
    try {
      const guesses = await Promise.all(Array.from({ length: 40 }, (_, i) => stolen.post('/settings/two-factor/remove', { password: `guess number ${i} of forty` })));
      const right = await stolen.post('/settings/two-factor/remove', { password: user.password });
      // Each guess took a number before it was checked: no more than 5 were checked at all.
      expect(checks.verifies).toBeLessThanOrEqual(5);
      // Each is refused: a wrong password, the session ended, or (once it has) sent to sign in.
      expect(guesses.filter((reply) => reply.status < 400 && !reply.location?.startsWith('/sign-in'))).toEqual([]);
      // By then the session had ended: the right password changes nothing either.
      expect(right.location).not.toBe('/settings/security?notice=two_factor_removed');
      expect(await findTwoFactor(server.services.db, user.id)).toBeDefined();
      expect((await stolen.get('/api/session')).status).toBe(401);
      expect(await eventsOf(user.id, 'password_reentry_failed')).toHaveLength(checks.verifies);
      expect(await eventsOf(user.id, 'signed_out_after_wrong_passwords')).toHaveLength(1);
      expect(await emailsTo(user.email, 'notice:signed_out_after_wrong_passwords')).toHaveLength(1);
    } finally {
      checks.stop();
      server.clock.advance(FIFTEEN_MINUTES_AND_A_BIT);
    }
  });

  it('stolen session guesses the password one at a time to change it: the 5th wrong one ends the session', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const stolen = await signIn(server.url, user, server.clock.now());
    for (let i = 1; i <= 4; i++) {
      await stolen.get('/settings/security');
      const reply = await stolen.post('/settings/password', { current_password: `wrong guess ${i}`, new_password: 'a new and lovely passphrase', confirm_password: 'a new and lovely passphrase' });
      expect(reply.status).toBe(400);
      expect(reply.body).toContain('Your current password is not right.');
    }
    await stolen.get('/settings/security');
    const fifth = await stolen.post('/settings/password', { current_password: 'wrong guess 5', new_password: 'a new and lovely passphrase', confirm_password: 'a new and lovely passphrase' });
    expect(fifth.status).toBe(401);
    expect(alertText(fifth.body)).toBe('For your safety you were signed out after too many wrong passwords. Please sign in again.');
    expect((await stolen.get('/settings/security')).location).toMatch(/^\/sign-in/);
    // The person can still sign in: their own password was never changed.
    expect((await submitPassword(new TestClient(server.url), user.email, user.password)).location).toBe('/');
    server.clock.advance(FIFTEEN_MINUTES_AND_A_BIT);
  });

  it('stolen admin session guesses its own password to reset someone: the session ends after 5 wrong', async () => {
    const { server } = ctx;
    const tree = await createOrgTree(server.services);
    const admin = await signIn(server.url, tree.people.aggAdminA, server.clock.now());
    const target = tree.people.memberA1;
    for (let i = 1; i <= 5; i++) {
      await admin.get(`/admin/users/${target.id}`);
      await admin.post(`/admin/users/${target.id}/reset-two-factor`, { admin_password: `wrong admin guess ${i}`, reason: 'Lost phone', verification: 'Called back', new_mobile: '' });
    }
    expect((await admin.get('/api/session')).status).toBe(401);
    expect(await findTwoFactor(server.services.db, target.id)).toBeDefined();
    expect(await eventsOf(tree.people.aggAdminA.id, 'signed_out_after_wrong_passwords')).toHaveLength(1);
    server.clock.advance(FIFTEEN_MINUTES_AND_A_BIT);
  });

  it('anonymous visitor reads reset links on /dev/outbox: not served unless DEV_OUTBOX=1 started it', async () => {
    const anonymous = new TestClient(ctx.server.url);
    expect((await anonymous.get('/dev/outbox')).status).toBe(404);
  });

  it('return address above U+00FF after a right password: a redirect, never a 500 with a session left behind', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = new TestClient(server.url);
    await client.get('/sign-in?next=%2Fadmin%2F%C4%80%F0%9F%98%80');
    const reply = await client.post('/sign-in', { email: user.email, password: user.password, next: '/admin/Ā😀 x' });
    expect(reply.status).toBe(303);
    expect(reply.location).toBe('/admin/%C4%80%F0%9F%98%80%20x');
    const sessions = await server.services.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(sessions).toHaveLength(1);
    expect((await client.get('/api/session')).status).toBe(200);
    // A lone surrogate cannot be encoded at all: home instead.
    await client.get('/sign-in');
    const lone = await new TestClient(server.url).post('/sign-in', { email: user.email, password: user.password, next: '/x\uD800' }, { csrf: false });
    expect(lone.status).toBeLessThan(500);
  });

  it('firm admin resends an invitation: refused by the server, and the page offers no button', async () => {
    const { server } = ctx;
    const tree = await createOrgTree(server.services);
    const email = `firm.invite.${Date.now()}@example.com.au`;
    const firmName = (await server.services.db.selectFrom('organizations').select('name').where('name', 'like', 'Firm A1 %').orderBy('created_at', 'desc').executeTakeFirstOrThrow()).name;
    const { id } = await createUserAndInvite(server.services, { email, name: 'Fay Invited', orgName: firmName });
    const firmAdmin = await signIn(server.url, tree.people.firmAdminA1, server.clock.now());
    const page = await firmAdmin.get(`/admin/users/${id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Fay Invited has not chosen a password yet.');
    expect(page.body).not.toContain('resend-invitation');
    const resent = await firmAdmin.post(`/admin/users/${id}/resend-invitation`, {});
    expect(resent.status).toBe(403);
    expect(await emailsTo(email, 'invitation')).toHaveLength(1);
    expect((await eventsOf(tree.people.firmAdminA1.id, 'admin_access_refused')).some((e) => e.detail?.includes('resend invitation'))).toBe(true);
  });

  it('parallel wrong codes from many attempts cannot exceed 10 checks before the code step locks', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    await server.services.db.updateTable('users').set({ code_failures: 7 }).where('id', '=', user.id).execute();
    const attempts = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const client = new TestClient(server.url);
        await submitPassword(client, user.email, user.password);
        await client.get('/sign-in/code');
        return client;
      }),
    );
    const replies = await Promise.all(attempts.map((client) => client.post('/sign-in/code', { code: '000000' })));
    // Failures 8, 9 and 10 are checked; the 10th locks; the other five are refused unchecked.
    expect(await eventsOf(user.id, 'code_failed')).toHaveLength(3);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(5);
    expect((await findUserById(server.services.db, user.id))!.code_failures).toBe(10);
    const right = await attempts[0]!.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(alertText(right.body)).toMatch(/^Too many wrong codes for this account\. Code entry is paused for 15 minutes, until \d{1,2}:\d{2} [ap]m on \w{3} \d{1,2} \w+ \(Sydney time, AE[SD]T\)\.$/);
  });

  it('whoever has the mailbox resets the password: the wrong-code count and its lock schedule stay', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    await server.services.db.updateTable('users').set({ code_failures: 19 }).where('id', '=', user.id).execute();
    const asker = new TestClient(server.url);
    await asker.get('/forgot-password');
    await asker.post('/forgot-password', { email: user.email });
    await server.services.background.whenIdle();
    const link = (await emailsTo(user.email, 'password_reset'))[0]!.text_body;
    const token = /token=([A-Za-z0-9_-]{43})/.exec(link)![1]!;
    await asker.get(`/reset-password?token=${token}`);
    const reset = await asker.post('/reset-password', { token, password: 'a brand new passphrase here', confirm_password: 'a brand new passphrase here' });
    expect(reset.status).toBe(303);
    expect((await findUserById(server.services.db, user.id))!.code_failures).toBe(19);
    const client = new TestClient(server.url);
    await submitPassword(client, user.email, 'a brand new passphrase here');
    await client.get('/sign-in/code');
    const twentieth = await client.post('/sign-in/code', { code: '000000' });
    // The 20th failure is the second lock: 30 minutes, not the first lock's 15.
    expect(alertText(twentieth.body)).toBe('That code is not right. Check the code in your authenticator app and try again.');
    const locked = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(alertText(locked.body)).toMatch(/^Too many wrong codes for this account\. Code entry is paused for 30 minutes, until .+ \(Sydney time, AE[SD]T\)\.$/);
  });

  it('last 4 digits guessed across many sign-in attempts: 10 wrong answers a day per account, then none', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { totp: true });
    const rightDigits = user.mobile.slice(-4);
    const wrongDigits = rightDigits === '0000' ? '1111' : '0000';
    for (let attempt = 0; attempt < 2; attempt++) {
      const client = new TestClient(server.url);
      await submitPassword(client, user.email, user.password);
      await client.get('/sign-in/lost-device');
      for (let i = 0; i < 5; i++) await client.post('/sign-in/lost-device', { last_four: wrongDigits });
    }
    const third = new TestClient(server.url);
    await submitPassword(third, user.email, user.password);
    await third.get('/sign-in/lost-device');
    const refused = await third.post('/sign-in/lost-device', { last_four: rightDigits });
    expect(refused.location).not.toBe('/sign-in/lost-device/code');
    expect(await eventsOf(user.id, 'sms_code_sent')).toHaveLength(0);
  });

  it('pending authenticator secret read from a stolen session: the owner is shown another, and the thief\'s codes never sign in', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const secretOn = async (client: TestClient) => /id="totp-secret"[^>]*>([^<]+)</.exec((await client.get('/settings/two-factor/app')).body)![1]!.replace(/\s/g, '');
    const thief = await signIn(server.url, user, server.clock.now());
    const stolenSecret = await secretOn(thief);
    await thief.post('/sign-out', {});

    const owner = await signIn(server.url, user, server.clock.now());
    const ownerSecret = await secretOn(owner);
    expect(ownerSecret).not.toBe(stolenSecret);
    const code = generateTotpCode({ secret: secretFromBase32(ownerSecret), timeInMs: server.clock.now() - 30_000 });
    expect((await owner.post('/settings/two-factor/app', { code })).location).toBe('/settings/recovery-codes');
    expect((await saveRecoveryCodes(owner)).reply.location).toBe('/settings/mobile/backup?notice=two_factor_on');

    server.clock.advance(30_000);
    const again = new TestClient(server.url);
    await submitPassword(again, user.email, user.password);
    await again.get('/sign-in/code');
    const withStolen = await again.post('/sign-in/code', { code: generateTotpCode({ secret: secretFromBase32(stolenSecret), timeInMs: server.clock.now() }) });
    expect(withStolen.status).toBe(401);
  });

  it('another session confirms the secret it was never shown: refused', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const owner = await signIn(server.url, user, server.clock.now());
    const secret = /id="totp-secret"[^>]*>([^<]+)</.exec((await owner.get('/settings/two-factor/app')).body)![1]!.replace(/\s/g, '');
    const other = await signIn(server.url, user, server.clock.now());
    await other.get('/settings/security');
    const code = generateTotpCode({ secret: secretFromBase32(secret), timeInMs: server.clock.now() });
    const refused = await other.post('/settings/two-factor/app', { code });
    expect(refused.location).not.toBe('/settings/recovery-codes');
    expect((await other.post('/settings/recovery-codes/saved', { saved: 'yes' })).location).toBe('/settings/security');
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();
  });

  it('NUL bytes in typed text: a clear refusal, never a 500, on both databases', async () => {
    const { server } = ctx;
    const client = new TestClient(server.url);
    await client.get('/sign-in');
    const signInReply = await client.post('/sign-in', { email: 'nul\u0000byte@example.com.au', password: 'whatever it is here' });
    expect(signInReply.status).toBe(400);
    expect(alertText(signInReply.body)).toBe('Something in that form was not right. Please try again.');
    await client.get('/forgot-password');
    expect((await client.post('/forgot-password', { email: 'nul\u0000byte@example.com.au' })).status).toBeLessThan(500);

    const tree = await createOrgTree(server.services);
    const admin = await signIn(server.url, tree.people.aggAdminA, server.clock.now());
    expect((await admin.get('/admin/people?q=Member%00A1')).status).toBe(400);
    await admin.get(`/admin/users/${tree.people.memberA2.id}`);
    const reset = await admin.post(`/admin/users/${tree.people.memberA2.id}/reset-two-factor`, {
      admin_password: tree.people.aggAdminA.password,
      reason: 'Lost\u0000 phone',
      verification: 'Called\u0000 back',
      new_mobile: '',
    });
    expect(reset.status).toBe(400);
    expect(await findTwoFactor(server.services.db, tree.people.memberA2.id)).toBeDefined();

    // In an id in the address, or a form's device handle: the same clear refusal.
    for (const path of ['/admin/users/%00', '/admin/users/a%00b/activity.csv']) expect((await admin.get(path)).status, path).toBe(400);
    await admin.get('/settings/security');
    expect((await admin.post('/settings/devices/forget', { device: '\u0000' })).status).toBe(400);
    await admin.get(`/admin/users/${tree.people.memberA2.id}`);
    expect((await admin.post('/admin/users/%00/resend-invitation', {})).status).toBe(400);
  });
});
