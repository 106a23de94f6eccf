// "Lost your two-factor device": password, last 4 digits of the mobile, a code by SMS.
import { expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { clientAtCodeStep, createSmsUser, createTestUser, latestSmsCode } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { listSecurityEventsForUser } from '../../src/store/security-events.js';
import { latestOutboxMessageTo } from '../../src/store/outbox.js';

describeEachDatabase('lost two-factor device', (database) => {
  const ctx = useTestServer(database);

  async function atCodeStep(user: { email: string; password: string }) {
    const client = await clientAtCodeStep(ctx.server.url, user);
    const page = await client.get('/sign-in/code');
    expect(page.body).toContain('href="/sign-in/lost-device">Lost your two-factor device</a>');
    return client;
  }

  it('signs in with the last 4 digits and a texted code, then suggests setting 2FA up again', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { totp: true });
    const client = await atCodeStep(user);
    // Recovery codes first, then the SMS way back, then the aggregator.
    const choices = await client.get('/sign-in/lost-device');
    expect(choices.body.indexOf('href="/sign-in/recovery-code"')).toBeGreaterThan(-1);
    expect(choices.body.indexOf('href="/sign-in/recovery-code"')).toBeLessThan(choices.body.indexOf('href="/sign-in/lost-device/sms"'));
    expect(choices.body.indexOf('href="/sign-in/lost-device/sms"')).toBeLessThan(choices.body.indexOf('contact your aggregator'));
    const ask = await client.get('/sign-in/lost-device/sms');
    expect(ask.body).toContain('Last 4 digits of your mobile number');
    const sent = await client.post('/sign-in/lost-device', { last_four: user.mobile.slice(-4) });
    expect(sent.location).toBe('/sign-in/lost-device/code');
    const codePage = await client.get('/sign-in/lost-device/code');
    expect(codePage.body).toContain(`0${user.mobile.slice(3, 6)} ••• •••`);
    const done = await client.post('/sign-in/lost-device/code', { code: await latestSmsCode(server.services, user.mobile) });
    expect(done.location).toBe('/settings/security?notice=lost_device_signed_in');
    const landing = await client.follow(done);
    expect(landing.body).toContain('remove the two factor authentication below, then set it up again on your new device');
    const events = await listSecurityEventsForUser(server.services.db, user.id, 10);
    expect(events.map((e) => e.type)).toContain('signed_in_lost_device');
  });

  it('refuses wrong digits with one message, and after 5 asks for the password again', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { totp: true });
    const client = await atCodeStep(user);
    await client.get('/sign-in/lost-device/sms');
    const wrong = user.mobile.slice(-4) === '0000' ? '1111' : '0000';
    const almost = `${user.mobile.slice(-4, -1)}${(Number(user.mobile.slice(-1)) + 1) % 10}`;
    const answers = [wrong, almost, 'abcd', '12345'];
    for (const [i, answer] of answers.entries()) {
      const reply = await client.post('/sign-in/lost-device', { last_four: answer });
      expect(reply.status).toBe(401);
      expect(alertText(reply.body)).toBe('Those digits do not match the mobile number on your account.');
      expect(reply.body).toContain(`${4 - i} ${4 - i === 1 ? 'try' : 'tries'} left`);
    }
    const last = await client.post('/sign-in/lost-device', { last_four: user.mobile.slice(-4) === '9999' ? '8888' : '9999' });
    expect(alertText(last.body)).toBe('Too many wrong answers. Please enter your email and password again.');
    expect((await client.post('/sign-in/lost-device', { last_four: user.mobile.slice(-4) })).status).toBe(401);
    expect(await latestOutboxMessageTo(server.services.db, user.mobile)).toBeUndefined();
  });

  it('tells someone with no mobile number on file to contact their aggregator', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await atCodeStep(user);
    const choices = await client.get('/sign-in/lost-device');
    expect(choices.body).toContain('href="/sign-in/recovery-code"');
    expect(choices.body).not.toContain('href="/sign-in/lost-device/sms"');
    expect(choices.body).toContain('contact your aggregator');
    const page = await client.get('/sign-in/lost-device/sms');
    expect(page.body).toContain('There is no mobile number on your account, so we cannot send you a code. Please contact your aggregator');
  });

  it('is reachable only after the password step, and the code only after the digits', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { totp: true });
    const stranger = new TestClient(server.url);
    await stranger.get('/sign-in');
    expect((await stranger.get('/sign-in/lost-device')).location).toBe('/sign-in');
    const guess = await stranger.post('/sign-in/lost-device', { last_four: user.mobile.slice(-4) });
    expect(guess.status).toBe(401);
    expect(alertText(guess.body)).toContain('Your sign-in has expired');
    expect(await latestOutboxMessageTo(server.services.db, user.mobile)).toBeUndefined();

    const client = await atCodeStep(user);
    expect((await client.get('/sign-in/lost-device/code')).location).toBe('/sign-in/lost-device');
    const early = await client.post('/sign-in/lost-device/code', { code: '123456' });
    expect(early.status).toBe(401);
  });

  it('sends no text while code entry is paused: its code could not be used before the pause ends', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { totp: true });
    const client = await atCodeStep(user);
    await server.services.db.updateTable('users').set({ code_locked_until: server.clock.now() + 15 * 60_000 }).where('id', '=', user.id).execute();
    const refused = await client.post('/sign-in/lost-device', { last_four: user.mobile.slice(-4) });
    expect(refused.status).toBe(429);
    expect(alertText(refused.body)).toContain('Code entry is paused');
    expect(await latestOutboxMessageTo(server.services.db, user.mobile)).toBeUndefined();
  });
});
