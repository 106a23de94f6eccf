// SMS: the mobile number on the account, SMS as a second factor, and its limits.
import { expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { createSmsUser, createTestUser, latestSmsCode, saveRecoveryCodes, signIn, submitPassword } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { findUserById } from '../../src/store/users.js';
import { findTwoFactor } from '../../src/store/two-factor.js';
import { listSmsLogForUser } from '../../src/store/sms-log.js';
import { latestOutboxMessageTo } from '../../src/store/outbox.js';

describeEachDatabase('SMS', (database) => {
  const ctx = useTestServer(database);

  it('stores the mobile number people type as E.164 and shows it as 0412345678', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    for (const typed of ['0412 345 678', '+61 412 345 678', '61412345678']) {
      await client.get('/settings/security');
      const saved = await client.post('/settings/mobile', { mobile: typed });
      expect(saved.location).toBe('/settings/security?notice=mobile_saved');
      expect((await findUserById(server.services.db, user.id))!.mobile).toBe('+61412345678');
      expect((await client.follow(saved)).body).toContain('value="0412345678"');
    }
  });

  it('refuses what is not an Australian mobile saying what is wrong with it, and changes nothing', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    const told: Array<[string, string]> = [
      ['0212345678', 'That looks like a landline.'],
      ['12345', 'That number has the wrong number of digits.'],
      ['0412 345 67', 'That number has the wrong number of digits.'],
      ['+1 415 555 0100', 'That is not an Australian number.'],
      ['call me', 'Enter an Australian mobile number using digits'],
      ['', 'Enter an Australian mobile number using digits'],
    ];
    for (const [typed, sentence] of told) {
      await client.get('/settings/security');
      const reply = await client.post('/settings/mobile', { mobile: typed });
      expect(reply.status).toBe(400);
      expect(alertText(reply.body)).toContain(sentence);
    }
    expect((await findUserById(server.services.db, user.id))!.mobile).toBe(user.mobile);
  });

  it('does not let the number change while 2FA is on, and points to removing it', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { totp: true });
    const client = await signIn(server.url, user, server.clock.now());
    const page = await client.get('/settings/security');
    expect(page.body).toContain('It cannot be changed while two-factor authentication is on');
    expect(page.body).not.toContain('action="/settings/mobile"');
    const forced = await client.post('/settings/mobile', { mobile: '0412345678' });
    expect(forced.status).toBe(409);
    expect(forced.body).toContain('Remove the two factor authentication first');
    expect((await findUserById(server.services.db, user.id))!.mobile).toBe(user.mobile);
  });

  it('turns SMS 2FA on only with the code sent to the number, and the first code works', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    await client.get('/settings/two-factor');
    expect(client.lastPage).toContain('Text message (SMS)');
    expect(client.lastPage).toContain('SIM swap');
    expect((await client.post('/settings/two-factor', { method: 'sms' })).location).toBe('/settings/two-factor/sms');
    await client.get('/settings/two-factor/sms');
    expect((await client.post('/settings/two-factor/sms', { code: '000000' })).status).toBe(401);
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();
    const proved = await client.post('/settings/two-factor/sms', { code: await latestSmsCode(server.services, user.mobile) });
    expect(proved.location).toBe('/settings/recovery-codes');
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();
    expect((await saveRecoveryCodes(client)).reply.location).toBe('/settings/security?notice=two_factor_on_sms');
    expect((await findTwoFactor(server.services.db, user.id))!.method).toBe('sms');
  });

  it('sends one enrolment text when SMS is chosen twice, and a new one only on Send a new code', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    const sent = async () => (await listSmsLogForUser(server.services.db, user.id)).filter((e) => e.outcome === 'sent' && e.purpose === 'enroll').length;
    await client.get('/settings/two-factor');
    expect((await client.post('/settings/two-factor', { method: 'sms' })).location).toBe('/settings/two-factor/sms');
    server.clock.advance(60_000);
    await client.get('/settings/two-factor');
    expect((await client.post('/settings/two-factor', { method: 'sms' })).location).toBe('/settings/two-factor/sms');
    expect(await sent()).toBe(1);
    const first = await latestSmsCode(server.services, user.mobile);
    await client.get('/settings/two-factor/sms');
    expect((await client.post('/settings/two-factor/sms/resend', {})).location).toBe('/settings/two-factor/sms?notice=code_sent');
    expect(await sent()).toBe(2);
    const second = await latestSmsCode(server.services, user.mobile);
    await client.get('/settings/two-factor/sms');
    if (first !== second) expect((await client.post('/settings/two-factor/sms', { code: first })).status).toBe(401);
    expect((await client.post('/settings/two-factor/sms', { code: second })).location).toBe('/settings/recovery-codes');
    expect((await saveRecoveryCodes(client)).reply.location).toBe('/settings/security?notice=two_factor_on_sms');
  });

  it('needs a mobile number before SMS can be chosen', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    await client.get('/settings/two-factor');
    const reply = await client.post('/settings/two-factor', { method: 'sms' });
    expect(reply.status).toBe(400);
    expect(alertText(reply.body)).toBe('Add your mobile number first: codes are sent to it by text message.');
  });

  it('texts a code at sign-in that works the first time, in a short message without links', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { smsTwoFactor: true });
    const client = new TestClient(server.url);
    expect((await submitPassword(client, user.email, user.password)).location).toBe('/sign-in/code');
    const page = await client.get('/sign-in/code');
    expect(page.body).toContain(`We sent a 6-digit code by text message to your mobile 0${user.mobile.slice(3, 6)} ••• •••`);
    const message = (await latestOutboxMessageTo(server.services.db, user.mobile))!;
    expect(message.body).toMatch(/^\d{6} is your Twofold code\. It is valid for 10 minutes\./);
    expect(message.body).not.toMatch(/https?:|www\./);
    expect(message.body.length).toBeLessThanOrEqual(160);
    expect((await client.post('/sign-in/code', { code: await latestSmsCode(server.services, user.mobile) })).location).toBe('/');
  });

  it('offers Send a new code after 30 seconds; the new code voids the old one', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { smsTwoFactor: true });
    const client = new TestClient(server.url);
    await submitPassword(client, user.email, user.password);
    const first = await latestSmsCode(server.services, user.mobile);
    await client.get('/sign-in/code');
    const early = await client.post('/sign-in/code/resend', {});
    expect(early.status).toBe(429);
    expect(alertText(early.body)).toMatch(/^A code was sent less than 30 seconds ago/);
    server.clock.advance(30_000);
    expect((await client.post('/sign-in/code/resend', {})).location).toBe('/sign-in/code?notice=code_sent');
    const second = await latestSmsCode(server.services, user.mobile);
    await client.get('/sign-in/code');
    if (first !== second) {
      const old = await client.post('/sign-in/code', { code: first });
      expect(old.status).toBe(401);
    }
    expect((await client.post('/sign-in/code', { code: second })).location).toBe('/');
  });

  it('lets an SMS code expire after 10 minutes and never be used twice', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { smsTwoFactor: true });
    const late = new TestClient(server.url);
    await submitPassword(late, user.email, user.password);
    const code = await latestSmsCode(server.services, user.mobile);
    await late.get('/sign-in/code');
    server.clock.advance(10 * 60_000);
    // The sign-in attempt itself also lasts 10 minutes: either way, the person starts again.
    expect((await late.post('/sign-in/code', { code })).status).toBe(401);

    const client = new TestClient(server.url);
    await submitPassword(client, user.email, user.password);
    const fresh = await latestSmsCode(server.services, user.mobile);
    await client.get('/sign-in/code');
    expect((await client.post('/sign-in/code', { code: fresh })).location).toBe('/');
    const replay = new TestClient(server.url);
    server.clock.advance(31_000);
    await submitPassword(replay, user.email, user.password);
    await replay.get('/sign-in/code');
    const newest = await latestSmsCode(server.services, user.mobile);
    if (newest !== fresh) expect((await replay.post('/sign-in/code', { code: fresh })).status).toBe(401);
  });

  it('allows 5 tries per attempt, then asks for the password again', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { smsTwoFactor: true });
    const client = new TestClient(server.url);
    await submitPassword(client, user.email, user.password);
    const code = await latestSmsCode(server.services, user.mobile);
    const wrong = code === '111111' ? '222222' : '111111';
    await client.get('/sign-in/code');
    for (let i = 0; i < 4; i++) expect(alertText((await client.post('/sign-in/code', { code: wrong })).body)).toBe('That code is not right. Check the text message and try again.');
    expect(alertText((await client.post('/sign-in/code', { code: wrong })).body)).toBe('Too many wrong codes. Please enter your email and password again.');
    expect((await client.post('/sign-in/code', { code })).status).toBe(401);
  });

  it('limits SMS per mobile number across accounts (SMS pumping), whoever asks', async () => {
    const { server } = ctx;
    const first = await createSmsUser(server.services, { smsTwoFactor: true });
    const second = await createSmsUser(server.services, { smsTwoFactor: true });
    await server.services.db.updateTable('users').set({ mobile: first.mobile }).where('id', '=', second.id).execute();
    for (const user of [first, first, first, second, second]) {
      await submitPassword(new TestClient(server.url), user.email, user.password);
      server.clock.advance(31_000);
    }
    const sixth = new TestClient(server.url);
    await submitPassword(sixth, second.email, second.password);
    await sixth.get('/sign-in/code');
    const resend = await sixth.post('/sign-in/code/resend', {});
    expect(resend.status).toBe(429);
    const refused = (await listSmsLogForUser(server.services.db, second.id)).filter((e) => e.outcome === 'refused');
    expect(refused.some((e) => e.reason?.startsWith('limit sms-number-hour'))).toBe(true);
    server.clock.advance(60 * 60_000);
  });

  it('limits SMS per account per hour, records every send and refusal, never the code', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { smsTwoFactor: true });
    for (let i = 0; i < 5; i++) {
      const client = new TestClient(server.url);
      expect((await submitPassword(client, user.email, user.password)).location).toBe('/sign-in/code');
      server.clock.advance(31_000);
    }
    const sixth = new TestClient(server.url);
    await submitPassword(sixth, user.email, user.password);
    const page = await sixth.get('/sign-in/code');
    expect(page.body).toContain('We could not send a code to your mobile just now');
    const resend = await sixth.post('/sign-in/code/resend', {});
    expect(resend.status).toBe(429);
    expect(alertText(resend.body)).toMatch(/^Too many text messages have been sent for this account or number\. Please try again in \d+ minutes\.$/);

    const log = await listSmsLogForUser(server.services.db, user.id);
    expect(log.filter((e) => e.outcome === 'sent')).toHaveLength(5);
    expect(log.filter((e) => e.outcome === 'refused').length).toBeGreaterThanOrEqual(1);
    expect(log.every((e) => e.mobile === user.mobile && e.provider === 'outbox')).toBe(true);
    const code = await latestSmsCode(server.services, user.mobile);
    // The text fields of the log (not its times and numbers, where six digits can occur by chance).
    expect(JSON.stringify(log.map((e) => [e.purpose, e.outcome, e.reason, e.provider]))).not.toContain(code);
    const stored = await server.services.db.selectFrom('sms_codes').select('code_hash').where('user_id', '=', user.id).execute();
    expect(JSON.stringify(stored)).not.toContain(code);

    server.clock.advance(60 * 60_000);
    const later = new TestClient(server.url);
    await submitPassword(later, user.email, user.password);
    await later.get('/sign-in/code');
    expect((await later.post('/sign-in/code', { code: await latestSmsCode(server.services, user.mobile) })).location).toBe('/');
  });
});
