// The Twilio provider against a local server speaking Twilio's API: the request it
// makes, and what a person sees for each kind of failure.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { FakeTwilio, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM } from '../helpers/fake-twilio.js';
import { createSmsUser, saveRecoveryCodes, signIn, submitPassword } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { within } from '../helpers/hold.js';
import { listSmsLogForUser } from '../../src/store/sms-log.js';
import { findTwoFactor } from '../../src/store/two-factor.js';
import { TwilioSmsSender } from '../../src/sms/twilio.js';

const twilio = new FakeTwilio();
beforeAll(() => twilio.start());
afterAll(() => twilio.stop());

describeEachDatabase('Twilio provider', (database) => {
  const env: Record<string, string> = {};
  // The fake's address is known only once it listens; this hook runs before useTestServer's.
  beforeAll(() => {
    Object.assign(env, {
      SMS_PROVIDER: 'twilio',
      TWILIO_BASE_URL: twilio.url,
      TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN,
      TWILIO_FROM,
      SMS_TIMEOUT_MS: '1500',
    });
  });
  const ctx = useTestServer(database, env);

  async function chooseSms(client: TestClient) {
    await client.get('/settings/two-factor');
    return client.post('/settings/two-factor', { method: 'sms' });
  }

  it('posts To, From and Body with basic auth to the Messages resource, and the code works', async () => {
    const { server } = ctx;
    expect(server.services.sms.provider).toBe('twilio');
    const user = await createSmsUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    const before = twilio.requests.length;
    expect((await chooseSms(client)).location).toBe('/settings/two-factor/sms');
    expect(twilio.requests.length).toBe(before + 1);
    const request = twilio.requests.at(-1)!;
    expect(request.path).toBe(`/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages.json`);
    expect(request.contentType).toBe('application/x-www-form-urlencoded');
    expect(request.form.To).toBe(user.mobile);
    expect(request.form.From).toBe(TWILIO_FROM);
    expect(request.form.Body).toMatch(/^\d{6} is your Twofold code/);
    await client.get('/settings/two-factor/sms');
    expect((await client.post('/settings/two-factor/sms', { code: twilio.lastCode() })).location).toBe('/settings/recovery-codes');
    expect((await saveRecoveryCodes(client)).reply.location).toBe('/settings/security?notice=two_factor_on_sms');
    const log = await listSmsLogForUser(server.services.db, user.id);
    expect(log[0]).toMatchObject({ outcome: 'sent', provider: 'twilio' });
    expect(log[0]!.provider_message_id).toMatch(/^SM/);
  });

  it('explains an invalid number (400, code 21211) and does not retry it', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    twilio.willReply({ status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } });
    const before = twilio.requests.length;
    const reply = await chooseSms(client);
    expect(twilio.requests.length).toBe(before + 1);
    expect(reply.status).toBe(400);
    expect(alertText(reply.body)).toBe('Text messages cannot be delivered to the mobile number on your account. Check the number, or contact your aggregator.');
    const log = await listSmsLogForUser(server.services.db, user.id);
    expect(log[0]).toMatchObject({ outcome: 'failed', reason: "twilio 400 code 21211: The 'To' number is not a valid phone number." });
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();
  });

  it('retries once after 429, which Twilio did not process', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    twilio.willReply({ status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } });
    const before = twilio.requests.length;
    expect((await chooseSms(client)).location).toBe('/settings/two-factor/sms');
    expect(twilio.requests.length).toBe(before + 2);
  });

  it('does not retry a 500 (the message may have gone) and says to try again', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    twilio.willReply({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    const before = twilio.requests.length;
    const reply = await chooseSms(client);
    expect(twilio.requests.length).toBe(before + 1);
    expect(reply.status).toBe(503);
    expect(alertText(reply.body)).toBe('We could not send the text message just now. Nothing was changed. Please try again in a minute.');
  });

  it('gives up on a provider that does not answer within SMS_TIMEOUT_MS, with a clear page', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { smsTwoFactor: true });
    twilio.willReply({ hang: true });
    const abandonedBefore = twilio.abandoned.length;
    const client = new TestClient(server.url);
    const started = performance.now();
    // Without a timeout the password step would wait for Twilio for ever; 15 s is only a
    // bound on "for ever", ten times SMS_TIMEOUT_MS, so machine load cannot flip it.
    const passwordStep = submitPassword(client, user.email, user.password);
    try {
      const reply = await within(15_000, passwordStep, null);
      expect(reply, 'the password step was still waiting for Twilio after 15 s').not.toBeNull();
      expect(reply!.location).toBe('/sign-in/code');
      // It waited for Twilio (a lower bound: load only makes it longer), then hung up on it.
      expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
      await vi.waitFor(() => expect(twilio.abandoned.length).toBe(abandonedBefore + 1), { timeout: 10_000 });
      expect(twilio.abandoned.at(-1)!.form.To).toBe(user.mobile);
    } finally {
      twilio.hangUp(); // if Twofold did not, so that nothing outlives the test
      await passwordStep;
    }
    const page = await client.get('/sign-in/code');
    expect(page.body).toContain('We could not send a code to your mobile just now');
    const log = await listSmsLogForUser(server.services.db, user.id);
    expect(log[0]).toMatchObject({ outcome: 'failed', reason: 'twilio: no answer in time' });
    // The next one goes through: the person is not stuck.
    server.clock.advance(31_000);
    expect((await client.post('/sign-in/code/resend', {})).location).toBe('/sign-in/code?notice=code_sent');
    await client.get('/sign-in/code');
    expect((await client.post('/sign-in/code', { code: twilio.lastCode() })).location).toBe('/');
  });
});

describe('Twilio sender settings', () => {
  it('uses MessagingServiceSid instead of From when given', async () => {
    const sender = new TwilioSmsSender({ baseUrl: twilio.url, accountSid: TWILIO_ACCOUNT_SID, authToken: TWILIO_AUTH_TOKEN, messagingServiceSid: 'MG' + 'a'.repeat(32), timeoutInMs: 2000 });
    expect(await sender.send({ to: '+61412345678', body: 'hello' })).toMatchObject({ sent: true });
    expect(twilio.requests.at(-1)!.form).toEqual({ To: '+61412345678', Body: 'hello', MessagingServiceSid: 'MG' + 'a'.repeat(32) });
  });

  it('reports wrong credentials as a failure, not a success', async () => {
    const sender = new TwilioSmsSender({ baseUrl: twilio.url, accountSid: TWILIO_ACCOUNT_SID, authToken: 'wrong', from: TWILIO_FROM, timeoutInMs: 2000 });
    expect(await sender.send({ to: '+61412345678', body: 'hello' })).toEqual({ sent: false, reason: 'twilio 401 code 20003: Authenticate', invalidNumber: false });
  });
});
