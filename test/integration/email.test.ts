// Email over a real SMTP server on loopback: forgotten passwords, invitations,
// security notices, and a queue that survives outages and restarts.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { codeFor, createTestUser, signIn, submitPassword } from '../helpers/fixtures.js';
import { CapturingSmtpServer, linkIn, startDroppingServer } from '../helpers/smtp.js';
import { holdDatabase, within } from '../helpers/hold.js';
import { useTestServer } from '../helpers/suite.js';
import { SmtpMailTransport } from '../../src/mail/transport.js';
import { EmailWorker } from '../../src/services/email-worker.js';
import { createOrganization, createUserAndInvite } from '../../src/services/accounts.js';
import { countEmailsByStatus, enqueueEmail } from '../../src/store/email-queue.js';

const smtp = new CapturingSmtpServer();
beforeAll(() => smtp.start());
afterAll(() => smtp.stop());

const quietLog = { info() {}, warn() {}, error() {} };
const PUBLIC_URL = 'https://signin.twofold.example';

describeEachDatabase('email', (database) => {
  const ctx = useTestServer(database, { PUBLIC_URL });
  let worker: EmailWorker;
  beforeAll(() => {
    worker = new EmailWorker(ctx.server.services, new SmtpMailTransport(smtp.url, 'Twofold <no-reply@twofold.example>'), quietLog);
  });
  afterAll(() => worker.stop());

  /** Posts "Forgot your password?" and delivers what it queued. */
  async function forgot(email: string, headers: Record<string, string> = {}) {
    const client = new TestClient(ctx.server.url, { headers });
    await client.get('/forgot-password');
    const reply = await client.post('/forgot-password', { email });
    await ctx.server.services.background.whenIdle();
    await worker.runOnce();
    return reply;
  }

  it('answers the same whether or not the email has an account, and mails a link built from PUBLIC_URL', async () => {
    const user = await createTestUser(ctx.server.services);
    const known = await forgot(user.email, { host: 'evil.example' });
    const unknown = await forgot(`nobody.${Date.now()}@example.com.au`);
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const sentence = (html: string) => /role="status">([^<]+)</.exec(html)?.[1];
    expect(sentence(known.body)).toBe('If an account exists for that email, we have sent a link to choose a new password. It works once, for 1 hour.');
    expect(sentence(unknown.body)).toBe(sentence(known.body));
    const [mail] = smtp.to(user.email);
    expect(mail!.subject).toBe('Reset your Twofold password');
    expect(linkIn(mail!)).toMatch(/^https:\/\/signin\.twofold\.example\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
    expect(mail!.html).toContain('Choose a new password');
    expect(mail!.messageId).toMatch(/@twofold>$/);
  });

  it('answers in the same time whether or not the email has an account: the reply never waits for the lookup', async () => {
    const user = await createTestUser(ctx.server.services);
    const ghost = `ghost.${Date.now()}@example.com.au`;
    const sentences = new Set<string | undefined>();
    for (const email of [user.email, ghost]) {
      await ctx.server.services.background.whenIdle();
      const client = new TestClient(ctx.server.url);
      await client.get('/forgot-password');
      // Every database answer is held: a reply that waited for the lookup (or for anything
      // else in the database) could not arrive. Ordering, not a stopwatch: load cannot flip it.
      const held = holdDatabase(ctx.server.services);
      const posting = client.post('/forgot-password', { email });
      try {
        const reply = await within(10_000, posting, null);
        expect(reply, `the reply for ${email === ghost ? 'an unknown' : 'a known'} email came while the database was held`).not.toBeNull();
        expect(reply!.status).toBe(200);
        sentences.add(/role="status">([^<]+)</.exec(reply!.body)?.[1]);
        // The lookup did start, after the reply, and is waiting on the held database.
        await vi.waitFor(() => expect(held.waiting()).toBeGreaterThan(0), { timeout: 10_000 });
      } finally {
        held.release();
        await posting; // even late, the reply ends within the test
      }
      await ctx.server.services.background.whenIdle();
    }
    expect(sentences).toEqual(new Set(['If an account exists for that email, we have sent a link to choose a new password. It works once, for 1 hour.']));
    // Let through, the lookup did its work: a link for the account, nothing for the ghost.
    await worker.runOnce();
    expect(smtp.to(user.email).map((m) => m.subject)).toEqual(['Reset your Twofold password']);
    expect(smtp.to(ghost)).toEqual([]);
  });

  it('sends at most one reset email per account every 5 minutes', async () => {
    const user = await createTestUser(ctx.server.services);
    await forgot(user.email);
    await forgot(user.email);
    expect(smtp.to(user.email)).toHaveLength(1);
    ctx.server.clock.advance(5 * 60_000 + 1000);
    await forgot(user.email);
    expect(smtp.to(user.email)).toHaveLength(2);
  });

  it('resets once, ends sessions, forgets devices, and still asks for the second factor', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const oldBrowser = await signIn(server.url, user, server.clock.now(), { rememberDevice: true });
    // PUBLIC_URL is https here, so the cookie is __Host-twofold_device.
    const deviceCookie = oldBrowser.cookies.get('__Host-twofold_device')!;
    expect(deviceCookie).toBeDefined();
    const rememberedRows = () => server.services.db.selectFrom('remembered_devices').select('id').where('user_id', '=', user.id).execute();
    expect(await rememberedRows()).toHaveLength(1);
    // Before the reset, that browser's cookie skips the code step.
    const remembered = new TestClient(server.url);
    remembered.cookies.set('__Host-twofold_device', deviceCookie);
    expect((await submitPassword(remembered, user.email, user.password)).location).toBe('/');
    await forgot(user.email);
    const link = new URL(linkIn(smtp.to(user.email).at(-1)!));
    const client = new TestClient(server.url);
    const page = await client.get(`${link.pathname}${link.search}`);
    expect(page.body).toContain('Choose a new password');
    const weak = await client.post('/reset-password', { token: link.searchParams.get('token')!, password: 'password1234', confirm_password: 'password1234' });
    expect(weak.status).toBe(400);
    const newPassword = 'a brand new harbour passphrase';
    const done = await client.post('/reset-password', { token: link.searchParams.get('token')!, password: newPassword, confirm_password: newPassword });
    expect(done.location).toBe('/sign-in?notice=password_reset_done');
    expect(client.cookies.has('twofold_session')).toBe(false);
    expect((await oldBrowser.get('/api/session')).status).toBe(401);
    const again = await client.post('/reset-password', { token: link.searchParams.get('token')!, password: 'another passphrase entirely', confirm_password: 'another passphrase entirely' });
    expect(again.status).toBe(400);
    expect(alertText(again.body)).toContain('This password reset link has expired or was already used');
    // The device is forgotten: its row is gone, and from that browser the second factor is required again.
    expect(await rememberedRows()).toEqual([]);
    const signInAgain = new TestClient(server.url);
    signInAgain.cookies.set('__Host-twofold_device', deviceCookie);
    expect((await submitPassword(signInAgain, user.email, newPassword)).location).toBe('/sign-in/code');
    server.clock.advance(30_000);
    expect((await signInAgain.get('/sign-in/code')).body).toContain('We asked for a code because this device is no longer remembered');
    expect((await signInAgain.post('/sign-in/code', { code: codeFor(user, server.clock.now()) })).location).toBe('/');
    await worker.runOnce();
    expect(smtp.to(user.email).at(-1)!.subject).toBe('Your Twofold password was reset');
  });

  it('lets a reset link expire after 1 hour', async () => {
    const user = await createTestUser(ctx.server.services);
    await forgot(user.email);
    const token = new URL(linkIn(smtp.to(user.email).at(-1)!)).searchParams.get('token')!;
    ctx.server.clock.advance(60 * 60_000);
    const client = new TestClient(ctx.server.url);
    expect((await client.get(`/reset-password?token=${token}`)).body).toContain('This password reset link has expired or was already used');
  });

  it('invites a person without a password; the link works once, for 7 days; a resend replaces it', async () => {
    const { server } = ctx;
    const org = await createOrganization(server.services, { name: `Invite Org ${Date.now()}` });
    const email = `invitee.${Date.now()}@example.com.au`;
    await createUserAndInvite(server.services, { email, name: 'Ivy <Invitee>', orgName: org.name });
    await worker.runOnce();
    const mail = smtp.to(email).at(-1)!;
    expect(mail.subject).toBe(`You have been invited to Twofold by ${org.name}`);
    expect(mail.html).toContain('Ivy &lt;Invitee&gt;');
    expect(mail.html).not.toContain('<Invitee>');
    const token = new URL(linkIn(mail)).searchParams.get('token')!;
    const client = new TestClient(server.url);
    await client.get(`/invitation?token=${token}`);
    // The organisation's name (and Ivy's own) is the first thing anyone would guess.
    for (const guessable of [`${org.name} 2026!`, 'ivy invitee invite org']) {
      const refused = await client.post('/invitation', { token, password: guessable, confirm_password: guessable });
      expect(refused.status).toBe(400);
      expect(alertText(refused.body)).toContain('made of your name, email or organisation');
      await client.get(`/invitation?token=${token}`);
    }
    const password = 'ivy chooses a good passphrase';
    expect((await client.post('/invitation', { token, password, confirm_password: password })).location).toBe('/sign-in?notice=invitation_accepted');
    expect((await submitPassword(new TestClient(server.url), email, password)).location).toBe('/');
    const used = await client.get(`/invitation?token=${token}`);
    expect(used.body).toContain('This invitation link has expired or was already used. Please ask your administrator to send a new invitation.');

    const late = `late.${Date.now()}@example.com.au`;
    await createUserAndInvite(server.services, { email: late, name: 'Late', orgName: org.name });
    await worker.runOnce();
    const lateToken = new URL(linkIn(smtp.to(late).at(-1)!)).searchParams.get('token')!;
    server.clock.advance(7 * 24 * 3_600_000);
    expect((await new TestClient(server.url).get(`/invitation?token=${lateToken}`)).status).toBe(400);
  });

  it('tells the person by email of each security change: when, where, and what to do', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    await client.get('/settings/security');
    const next = 'another very good passphrase';
    await client.post('/settings/password', { current_password: user.password, new_password: next, confirm_password: next });
    await client.get('/settings/security');
    await client.post('/settings/mobile', { mobile: '0412 555 666' });
    await worker.runOnce();
    const subjects = smtp.to(user.email).map((m) => m.subject);
    expect(subjects).toContain('Your Twofold password was changed');
    expect(subjects).toContain('Your mobile number was changed');
    const notice = smtp.to(user.email).find((m) => m.subject === 'Your Twofold password was changed')!;
    expect(notice.text).toContain('IP address: 127.0.0.1');
    expect(notice.text).toContain('Browser: Chrome on Linux');
    expect(notice.text).toMatch(/When: .+ \(Sydney time\)/);
    expect(notice.text).toContain("If this wasn't you, change your password now and contact your aggregator straight away.");
    expect(notice.text).not.toMatch(/https?:/);
  });

  it('survives an SMTP outage: temporary refusals are retried with backoff until delivered', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    smtp.failNext({ kind: 'reply', code: 421, message: 'Service not available, try later' }, { kind: 'reply', code: 451, message: 'Local error' });
    await forgot(user.email);
    expect(smtp.to(user.email)).toHaveLength(0);
    server.clock.advance(60_000);
    await worker.runOnce();
    expect(smtp.to(user.email)).toHaveLength(0);
    await worker.runOnce(); // not due yet: the second delay is 5 minutes
    expect(smtp.to(user.email)).toHaveLength(0);
    server.clock.advance(5 * 60_000);
    await worker.runOnce();
    expect(smtp.to(user.email)).toHaveLength(1);
    await worker.runOnce();
    expect(smtp.to(user.email)).toHaveLength(1);
  });

  it('delivers a burst larger than one batch in passes that follow each other, not one batch per timer tick', async () => {
    const { server } = ctx;
    const tag = Date.now().toString(36);
    for (let i = 0; i < 45; i++) await enqueueEmail(server.services.db, { to: `burst${i}.${tag}@example.com.au`, content: { subject: `Burst ${i}`, text: 't', html: '<p>t</p>' }, kind: 'test', nowMs: server.clock.now() });
    // No timer runs in this test: one wake must be enough for all 45.
    await worker.runOnce();
    const delivered = () => Array.from({ length: 45 }, (_, i) => smtp.to(`burst${i}.${tag}@example.com.au`).length).filter((n) => n > 0).length;
    // Bounded: a generous limit for a loaded machine, not a measure of speed.
    for (let i = 0; i < 1000 && delivered() < 45; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivered()).toBe(45);
  });

  it('gives up on a permanent refusal (5xx) and leaves it visible to operators', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    smtp.failNext({ kind: 'reply', code: 550, message: 'Mailbox unavailable' });
    const before = (await countEmailsByStatus(server.services.db)).failed ?? 0;
    await forgot(user.email);
    expect((await countEmailsByStatus(server.services.db)).failed).toBe(before + 1);
    const row = await server.services.db.selectFrom('email_queue').selectAll().where('to_address', '=', user.email).executeTakeFirstOrThrow();
    expect(row.last_error).toContain('Mailbox unavailable');
  });

  it('keeps a message through a dropped connection and a restart, and sends it once', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const dropper = await startDroppingServer();
    const brokenWorker = new EmailWorker(server.services, new SmtpMailTransport(dropper.url, 'Twofold <no-reply@twofold.example>', 2000), quietLog);
    const client = new TestClient(server.url);
    await client.get('/forgot-password');
    await client.post('/forgot-password', { email: user.email });
    await ctx.server.services.background.whenIdle();
    await brokenWorker.runOnce();
    await brokenWorker.stop();
    await dropper.stop();
    const row = await server.services.db.selectFrom('email_queue').selectAll().where('to_address', '=', user.email).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });

    // "Restart": new workers over the same database; two of them race for the message.
    server.clock.advance(60_000);
    const a = new EmailWorker(server.services, new SmtpMailTransport(smtp.url, 'Twofold <no-reply@twofold.example>'), quietLog);
    const b = new EmailWorker(server.services, new SmtpMailTransport(smtp.url, 'Twofold <no-reply@twofold.example>'), quietLog);
    await Promise.all([a.runOnce(), b.runOnce()]);
    await Promise.all([a.stop(), b.stop()]);
    expect(smtp.to(user.email)).toHaveLength(1);
    expect((await server.services.db.selectFrom('email_queue').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status).toBe('sent');
  });
});
