// A way back for every method: a person with 2FA on and no mobile number adds one with
// their password, a current second factor and a code texted to the number; then "Lost
// your two-factor device" can text them a code.
import { expect, it } from 'vitest';
import { alertText } from '../helpers/client.js';
import { countUnusedRecoveryCodes } from '../../src/store/recovery-codes.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { clientAtCodeStep, codeFor, createSmsUser, createTestUser, latestSmsCode, saveRecoveryCodes, signIn, uniqueMobile } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { findUserById } from '../../src/store/users.js';
import { listSecurityEventsForUser } from '../../src/store/security-events.js';
import { latestOutboxMessageTo } from '../../src/store/outbox.js';
import { recoveryCodesLeft } from '../../src/services/recovery-codes.js';
import { formatAustralianMobile } from '../../src/domain/phone.js';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';

describeEachDatabase('adding a mobile number while 2FA is on', (database) => {
  const ctx = useTestServer(database);
  const mobileOf = async (userId: string) => (await findUserById(ctx.server.services.db, userId))!.mobile;
  const emailsTo = (email: string) => ctx.server.services.db.selectFrom('email_queue').select(['subject']).where('to_address', '=', email).execute();

  /** A TOTP user with no number, signed in; the clock moved on so the next app code is free. */
  async function signedInTotpUser() {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await signIn(server.url, user, server.clock.now());
    server.clock.advance(30_000);
    await client.get('/settings/security');
    return { user, client };
  }

  it('adds a number with the password, an app code and the texted code; then the lost-device path texts a code to it', async () => {
    const { server } = ctx;
    const { user, client } = await signedInTotpUser();
    expect(client.lastPage).toContain('You have no mobile number on your account. Add one as a backup');
    expect(client.lastPage).toContain('Code from your authenticator app, or a recovery code');
    const mobile = uniqueMobile();
    const typed = formatAustralianMobile(mobile);
    const sent = await client.post('/settings/mobile/backup', { from: 'security', mobile: typed, password: user.password, code: codeFor(user, server.clock.now()) });
    expect(sent.location).toBe('/settings/mobile/backup/code');
    // Not saved until the texted code is typed.
    expect(await mobileOf(user.id)).toBeNull();
    const codePage = await client.get('/settings/mobile/backup/code');
    expect(codePage.body).toContain(`We sent a 6-digit code to ${typed}`);
    const saved = await client.post('/settings/mobile/backup/code', { mobile: typed, code: await latestSmsCode(server.services, mobile) });
    expect(saved.location).toBe('/settings/security?notice=mobile_added');
    expect(await mobileOf(user.id)).toBe(mobile);
    const page = await client.follow(saved);
    expect(page.body).toContain('Your mobile number has been added.');
    expect(page.body).toContain('It cannot be changed while two-factor authentication is on');
    const events = await listSecurityEventsForUser(server.services.db, user.id, 20);
    expect(events.find((e) => e.type === 'mobile_changed')?.detail).toBe('added while two-factor authentication is on');
    expect((await emailsTo(user.email)).map((e) => e.subject)).toContain('Your mobile number was changed');

    // The way back now exists: lost device, last 4 digits, texted code.
    server.clock.advance(60_000);
    const lost = await clientAtCodeStep(server.url, user);
    expect((await lost.get('/sign-in/lost-device')).body).toContain('href="/sign-in/lost-device/sms"');
    await lost.get('/sign-in/lost-device/sms');
    expect((await lost.post('/sign-in/lost-device', { last_four: mobile.slice(-4) })).location).toBe('/sign-in/lost-device/code');
    await lost.get('/sign-in/lost-device/code');
    const done = await lost.post('/sign-in/lost-device/code', { code: await latestSmsCode(server.services, mobile) });
    expect(done.location).toBe('/settings/security?notice=lost_device_signed_in');
  });

  it('accepts an unused recovery code instead of the app code, and spends it', async () => {
    const { server } = ctx;
    const { user, client } = await signedInTotpUser();
    const mobile = uniqueMobile();
    const recoveryCode = user.recoveryCodes![0]!;
    const sent = await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: recoveryCode });
    expect(sent.location).toBe('/settings/mobile/backup/code');
    await client.get('/settings/mobile/backup/code');
    expect((await client.post('/settings/mobile/backup/code', { mobile, code: await latestSmsCode(server.services, mobile) })).location).toBe('/settings/security?notice=mobile_added');
    expect(await mobileOf(user.id)).toBe(mobile);
    // Spent: nine are left.
    expect(await recoveryCodesLeft(server.services, user.id)).toBe(9);
    const events = await listSecurityEventsForUser(server.services.db, user.id, 20);
    expect(events.find((e) => e.type === 'recovery_code_used_to_confirm')?.detail).toBe('to add a mobile number');
  });

  it('refuses a wrong password, a wrong or replayed app code and a wrong recovery code, texts nothing and saves nothing', async () => {
    const { server } = ctx;
    // One second into a TOTP step: 31 seconds on, this step's code is still inside the
    // one-step window (so a replay is told as one), wherever the real clock stood.
    server.clock.set((Math.floor(server.clock.now() / 30_000) + 1) * 30_000 + 1_000);
    const { user, client } = await signedInTotpUser();
    const mobile = uniqueMobile();
    const rightCode = codeFor(user, server.clock.now());

    const wrongPassword = await client.post('/settings/mobile/backup', { from: 'security', mobile, password: 'not my password at all', code: rightCode });
    expect(wrongPassword.status).toBe(400);
    expect(alertText(wrongPassword.body)).toBe('Your current password is not right.');

    const wrongCode = rightCode === '000000' ? '111111' : '000000';
    const failuresBefore = (await findUserById(server.services.db, user.id))!.code_failures;
    const wrongApp = await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: wrongCode });
    expect(wrongApp.status).toBe(401);
    expect(alertText(wrongApp.body)).toBe('That code is not right. Check the code in your authenticator app and try again.');
    // Counted toward the account's wrong-code lock, and recorded.
    expect((await findUserById(server.services.db, user.id))!.code_failures).toBe(failuresBefore + 1);
    expect((await listSecurityEventsForUser(server.services.db, user.id, 20)).find((e) => e.type === 'code_failed')?.detail).toBe('to add a mobile number');

    const wrongRecovery = await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: 'AAAA-AAAA-AAAA-AAAA' });
    expect(wrongRecovery.status).toBe(401);
    expect(alertText(wrongRecovery.body)).toContain('That recovery code is not right');

    // The code that signed in (the previous step) was used: a replay.
    const usedAtSignIn = codeFor(user, server.clock.now() - 30_000);
    const replayed = await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: usedAtSignIn });
    expect(replayed.status).toBe(401);
    expect(alertText(replayed.body)).toBe('That code has already been used. Wait for the next code in your authenticator app.');

    const missing = await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: '' });
    expect(missing.status).toBe(400);

    expect(await latestOutboxMessageTo(server.services.db, mobile)).toBeUndefined();
    expect(await mobileOf(user.id)).toBeNull();

    // A right code works once; the same code again is a replay.
    expect((await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: rightCode })).location).toBe('/settings/mobile/backup/code');
    await client.get('/settings/security');
    // Within the 30-second wait for a new text, a recovery code is refused before it is spent.
    const tooSoon = await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: user.recoveryCodes![0]! });
    expect(tooSoon.status).toBe(429);
    expect(await countUnusedRecoveryCodes(server.services.db, user.id)).toBe(10);
    server.clock.advance(31_000);
    const twice = await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: rightCode });
    expect(alertText(twice.body)).toBe('That code has already been used. Wait for the next code in your authenticator app.');
    expect((await findUserById(server.services.db, user.id))!.code_failures).toBeGreaterThan(0);
  });

  it('refuses a wrong texted code and saves nothing', async () => {
    const { server } = ctx;
    const { user, client } = await signedInTotpUser();
    const mobile = uniqueMobile();
    await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: codeFor(user, server.clock.now()) });
    await client.get('/settings/mobile/backup/code');
    const right = await latestSmsCode(server.services, mobile);
    const wrong = await client.post('/settings/mobile/backup/code', { mobile, code: right === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(alertText(wrong.body)).toBe('That code is not right. Check the text message and try again.');
    expect(await mobileOf(user.id)).toBeNull();
  });

  it('does not let a code sent to one number save another', async () => {
    const { server } = ctx;
    const { user, client } = await signedInTotpUser();
    const first = uniqueMobile();
    const other = uniqueMobile();
    await client.post('/settings/mobile/backup', { from: 'security', mobile: first, password: user.password, code: codeFor(user, server.clock.now()) });
    await client.get('/settings/mobile/backup/code');
    const code = await latestSmsCode(server.services, first);
    const swapped = await client.post('/settings/mobile/backup/code', { mobile: formatAustralianMobile(other), code });
    expect(swapped.status).toBe(400);
    expect(alertText(swapped.body)).toContain('That code has expired or was used up');
    expect(await mobileOf(user.id)).toBeNull();
    // The code still belongs to its own number.
    await client.get('/settings/mobile/backup/code');
    expect((await client.post('/settings/mobile/backup/code', { mobile: first, code })).location).toBe('/settings/security?notice=mobile_added');
    expect(await mobileOf(user.id)).toBe(first);
  });

  it('does not save the number when the account got one after the code was sent', async () => {
    const { server } = ctx;
    const { user, client } = await signedInTotpUser();
    const mobile = uniqueMobile();
    await client.post('/settings/mobile/backup', { from: 'security', mobile, password: user.password, code: codeFor(user, server.clock.now()) });
    await client.get('/settings/mobile/backup/code');
    const meanwhile = uniqueMobile();
    await server.services.db.updateTable('users').set({ mobile: meanwhile }).where('id', '=', user.id).execute();
    const late = await client.post('/settings/mobile/backup/code', { mobile, code: await latestSmsCode(server.services, mobile) });
    expect(late.status).toBe(409);
    expect(await mobileOf(user.id)).toBe(meanwhile);
  });

  it('still does not let a person with a number change it while 2FA is on', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { totp: true });
    const client = await signIn(server.url, user, server.clock.now());
    server.clock.advance(30_000);
    const page = await client.get('/settings/security');
    expect(page.body).not.toContain('action="/settings/mobile/backup"');
    const other = uniqueMobile();
    const forced = await client.post('/settings/mobile/backup', { from: 'security', mobile: other, password: user.password, code: codeFor(user, server.clock.now()) });
    expect(forced.status).toBe(409);
    expect(alertText(forced.body)).toContain('cannot be changed while two-factor authentication is on');
    expect(await latestOutboxMessageTo(server.services.db, other)).toBeUndefined();
    expect(await mobileOf(user.id)).toBe(user.mobile);
  });

  it('offers a backup number right after 2FA turns on with the app, with Skip', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    await client.post('/settings/two-factor', { method: 'totp' }).then(() => client.get('/settings/two-factor/app'));
    const secret = secretFromBase32(/id="totp-secret">([A-Z2-7 ]+)</.exec(client.lastPage)![1]!.replace(/ /g, ''));
    expect((await client.post('/settings/two-factor/app', { code: generateTotpCode({ secret, timeInMs: server.clock.now() }) })).location).toBe('/settings/recovery-codes');
    const { reply: on } = await saveRecoveryCodes(client);
    expect(on.location).toBe('/settings/mobile/backup?notice=two_factor_on');
    const offer = await client.follow(on);
    expect(offer.body).toContain('Two-factor authentication is on.');
    expect(offer.body).toContain('<h1>Add a mobile number as a backup</h1>');
    expect(offer.body).toContain('href="/settings/security">Skip, do not add a number</a>');
    // Same checks as on Settings: the app code proves the factor again (the next step).
    server.clock.advance(30_000);
    const mobile = uniqueMobile();
    const noCode = await client.post('/settings/mobile/backup', { from: 'offer', mobile, password: user.password, code: '' });
    expect(noCode.status).toBe(400);
    expect(noCode.body).toContain('<h1>Add a mobile number as a backup</h1>');
    const sent = await client.post('/settings/mobile/backup', { from: 'offer', mobile, password: user.password, code: generateTotpCode({ secret, timeInMs: server.clock.now() }) });
    expect(sent.location).toBe('/settings/mobile/backup/code');
    await client.get('/settings/mobile/backup/code');
    expect((await client.post('/settings/mobile/backup/code', { mobile, code: await latestSmsCode(server.services, mobile) })).location).toBe('/settings/security?notice=mobile_added');
    // With a number, no offer.
    expect((await client.get('/settings/mobile/backup')).location).toBe('/settings/security');
  });
});
