// Recovery codes, end to end over HTTP on both databases: 2FA turns on only once they are
// saved, each code signs in once (also when raced), they count as code guesses, a new set
// ends the old one, and removing or resetting 2FA deletes them.
import { expect, it } from 'vitest';
import { alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { clientAtCodeStep, createSmsUser, createTestUser, latestSmsCode, saveRecoveryCodes, signIn, STRONG_PASSWORD } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { countUnusedRecoveryCodes } from '../../src/store/recovery-codes.js';
import { findTwoFactor } from '../../src/store/two-factor.js';
import { findUserById } from '../../src/store/users.js';
import { resetTwoFactor } from '../../src/services/two-factor-reset.js';
import { spendTypedRecoveryCode } from '../../src/services/recovery-codes.js';
import { listSecurityEventsForUser } from '../../src/store/security-events.js';

describeEachDatabase('recovery codes', (database) => {
  const ctx = useTestServer(database);
  const emailsTo = (email: string) => ctx.server.services.db.selectFrom('email_queue').select(['subject', 'text_body']).where('to_address', '=', email).execute();

  it('signs in once with a recovery code typed in small letters without dashes, and emails how many are left', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const code = user.recoveryCodes![0]!;
    const client = await clientAtCodeStep(server.url, user);
    expect(client.lastPage).toContain('href="/sign-in/recovery-code">Use a recovery code</a>');
    await client.get('/sign-in/recovery-code');
    const done = await client.post('/sign-in/recovery-code', { code: code.replace(/-/g, '').toLowerCase() });
    expect(done.location).toBe('/');
    expect((await client.get('/api/session')).status).toBe(200);
    expect(await countUnusedRecoveryCodes(server.services.db, user.id)).toBe(9);
    const notice = (await emailsTo(user.email)).find((e) => e.subject === 'A recovery code was used to sign in');
    expect(notice?.text_body).toContain('You have 9 recovery codes left.');
    expect((await listSecurityEventsForUser(server.services.db, user.id, 5)).map((e) => e.type)).toContain('recovery_code_used');

    const again = await clientAtCodeStep(server.url, user);
    await again.get('/sign-in/recovery-code');
    const reused = await again.post('/sign-in/recovery-code', { code });
    expect(reused.status).toBe(401);
    expect(alertText(reused.body)).toBe('That recovery code is not right, or it has been used already. Check it and try again, or use another code.');
    expect((await again.get('/api/session')).status).toBe(401);
  });

  it('one code raced from 8 browsers at once signs exactly one of them in', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const browsers = await Promise.all(Array.from({ length: 8 }, () => clientAtCodeStep(server.url, user)));
    const replies = await Promise.all(browsers.map((browser) => browser.post('/sign-in/recovery-code', { code: user.recoveryCodes![3]! })));
    expect(replies.filter((reply) => reply.location === '/')).toHaveLength(1);
    expect(replies.filter((reply) => reply.status === 401)).toHaveLength(7);
    expect(await countUnusedRecoveryCodes(server.services.db, user.id)).toBe(9);
  });

  it('one code spent 8 times at once, below the code step and its per-person lock: exactly one spends it', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const results = await Promise.all(Array.from({ length: 8 }, () => spendTypedRecoveryCode(server.services, user.id, user.recoveryCodes![5]!)));
    expect(results.filter((r) => r.spent)).toHaveLength(1);
    expect(results.filter((r) => !r.spent && r.replayed).length + results.filter((r) => !r.spent && !r.replayed).length).toBe(7);
    expect(await countUnusedRecoveryCodes(server.services.db, user.id)).toBe(9);
  });

  it('a wrong recovery code is a wrong code: it uses a try of the attempt and counts toward the account lock', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await clientAtCodeStep(server.url, user);
    await client.get('/sign-in/recovery-code');
    for (let i = 0; i < 4; i++) {
      const wrong = await client.post('/sign-in/recovery-code', { code: 'AAAA-BBBB-CCCC-DDDD' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toContain(`${4 - i} ${4 - i === 1 ? 'try' : 'tries'} left`);
    }
    const fifth = await client.post('/sign-in/recovery-code', { code: 'AAAA-BBBB-CCCC-DDDD' });
    expect(alertText(fifth.body)).toBe('Too many wrong codes. Please enter your email and password again.');
    // The right code after the attempt ended signs nobody in.
    expect((await client.post('/sign-in/recovery-code', { code: user.recoveryCodes![0]! })).location).not.toBe('/');
    expect((await findUserById(server.services.db, user.id))!.code_failures).toBe(5);
    expect(await countUnusedRecoveryCodes(server.services.db, user.id)).toBe(10);
  });

  it('2FA is on only after "I have saved my recovery codes", from the session that proved the factor', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const owner = await signIn(server.url, user, server.clock.now());
    await owner.post('/settings/two-factor', { method: 'sms' });
    expect((await owner.post('/settings/two-factor/sms', { code: await latestSmsCode(server.services, user.mobile) })).location).toBe('/settings/recovery-codes');
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();

    // Another session of the same person sees no codes and cannot turn it on.
    const other = await signIn(server.url, user, server.clock.now());
    expect((await other.get('/settings/recovery-codes')).location).toBe('/settings/security');
    expect((await other.get('/settings/recovery-codes/download')).location).toBe('/settings/security');
    expect((await other.post('/settings/recovery-codes/saved', { saved: 'yes' })).location).toBe('/settings/security');
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();

    // Not ticked: said so, and still off.
    await owner.get('/settings/recovery-codes');
    const unticked = await owner.post('/settings/recovery-codes/saved', {});
    expect(unticked.status).toBe(400);
    expect(alertText(unticked.body)).toBe('Tick the box to confirm you have saved your recovery codes.');
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();

    const download = await owner.get('/settings/recovery-codes/download');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="twofold-recovery-codes.txt"');
    const { codes, reply } = await saveRecoveryCodes(owner);
    expect(reply.location).toBe('/settings/security?notice=two_factor_on_sms');
    for (const code of codes) expect(download.body).toContain(code);
    expect((await findTwoFactor(server.services.db, user.id))!.method).toBe('sms');
    // Saved: the plain codes are gone, never to be shown again.
    expect((await owner.get('/settings/recovery-codes')).location).toBe('/settings/security');
    // Turning 2FA on ended the other session.
    expect((await other.get('/api/session')).status).toBe(401);
  });

  it('codes replaced in another tab: "saved" for the set it showed turns nothing on, and says so', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    await client.post('/settings/two-factor', { method: 'sms' });
    await client.post('/settings/two-factor/sms', { code: await latestSmsCode(server.services, user.mobile) });
    const firstSet = /name="shown" value="(\d+)"/.exec((await client.get('/settings/recovery-codes')).body)![1]!;
    // Another tab of the same session proves the number again: a new set replaces the first.
    server.clock.advance(31_000);
    await client.post('/settings/two-factor/sms/resend', {});
    await client.post('/settings/two-factor/sms', { code: await latestSmsCode(server.services, user.mobile) });
    const stale = await client.post('/settings/recovery-codes/saved', { saved: 'yes', shown: firstSet });
    expect(stale.status).toBe(409);
    expect(alertText(stale.body)).toBe('Your recovery codes were replaced in another tab or window. Save the codes shown here, then confirm again.');
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();
    expect((await saveRecoveryCodes(client)).reply.location).toBe('/settings/security?notice=two_factor_on_sms');
  });

  it('sms-enrolment number swap after the code: a number changed before saving the codes does not turn on', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    await client.post('/settings/two-factor', { method: 'sms' });
    await client.post('/settings/two-factor/sms', { code: await latestSmsCode(server.services, user.mobile) });
    expect((await client.post('/settings/mobile', { mobile: '0412 000 111' })).location).toBe('/settings/security?notice=mobile_saved');
    const shown = /name="shown" value="(\d+)"/.exec((await client.get('/settings/recovery-codes')).body)![1]!;
    const refused = await client.post('/settings/recovery-codes/saved', { saved: 'yes', shown });
    expect(refused.status).toBe(400);
    expect(alertText(refused.body)).toContain('That set-up has expired');
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();
  });

  it('"Get new recovery codes" needs the password, and the old set stops working at once', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await signIn(server.url, user, server.clock.now());
    const page = await client.get('/settings/security');
    expect(page.body).toContain('You have 10 recovery codes left.');
    const wrong = await client.post('/settings/recovery-codes/new', { password: 'not my password at all' });
    expect(alertText(wrong.body)).toBe('Your current password is not right.');
    expect((await client.post('/settings/recovery-codes/new', { password: STRONG_PASSWORD })).location).toBe('/settings/recovery-codes');
    const { codes, reply } = await saveRecoveryCodes(client);
    expect(reply.location).toBe('/settings/security?notice=recovery_codes_saved');
    expect(codes).toHaveLength(10);
    expect(codes).not.toContain(user.recoveryCodes![0]);
    expect((await emailsTo(user.email)).map((e) => e.subject)).toContain('New recovery codes were made');

    const old = await clientAtCodeStep(server.url, user);
    await old.get('/sign-in/recovery-code');
    expect((await old.post('/sign-in/recovery-code', { code: user.recoveryCodes![0]! })).status).toBe(401);
    expect((await old.post('/sign-in/recovery-code', { code: codes[0]! })).location).toBe('/');
  });

  it('with 3 or fewer left, signing in with one lands on the offer of new codes', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    for (const [i, code] of user.recoveryCodes!.slice(0, 7).entries()) {
      const client = await clientAtCodeStep(server.url, user);
      const done = await client.post('/sign-in/recovery-code', { code });
      expect(done.location).toBe(i < 6 ? '/' : '/settings/security?notice=recovery_codes_low#recovery-codes');
      if (i === 6) expect((await client.follow(done)).body).toContain('You have 3 recovery codes left.');
    }
  });

  it('a stolen session cannot plant a passkey: adding one in Settings needs the password first', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    await client.get('/settings/passkeys');
    const missing = await client.post('/settings/passkeys', { passkey_response: '{}', name: 'Thief key' });
    expect(alertText(missing.body)).toBe('Enter your password.');
    const wrong = await client.post('/settings/passkeys', { passkey_response: '{}', name: 'Thief key', password: 'not the password at all' });
    expect(alertText(wrong.body)).toBe('Your current password is not right.');
    expect(await server.services.db.selectFrom('passkeys').select('id').where('user_id', '=', user.id).execute()).toHaveLength(0);
  });

  it('removing 2FA, or an admin reset, deletes the codes', async () => {
    const { server } = ctx;
    const removed = await createTestUser(server.services, { withTotp: true });
    const client = await signIn(server.url, removed, server.clock.now());
    await client.get('/settings/security');
    await client.post('/settings/two-factor/remove', { password: STRONG_PASSWORD });
    expect(await countUnusedRecoveryCodes(server.services.db, removed.id)).toBe(0);

    const reset = await createTestUser(server.services, { withTotp: true });
    expect(await countUnusedRecoveryCodes(server.services.db, reset.id)).toBe(10);
    await resetTwoFactor(
      server.services,
      { targetUserId: reset.id, actorUserId: null, actorName: 'Operator', organizationName: 'Twofold', reason: 'lost phone', verification: 'video call', newMobile: null },
      { ip: '127.0.0.1', userAgent: 'test' },
    );
    expect(await countUnusedRecoveryCodes(server.services.db, reset.id)).toBe(0);
    const afterReset = await clientAtCodeStep(server.url, reset).catch((error: Error) => error);
    expect(afterReset).toBeInstanceOf(Error); // no code step any more: 2FA is off
  });
});
