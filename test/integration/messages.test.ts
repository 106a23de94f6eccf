// Messages that lead somewhere (issue 14, item 5): each says what is true for this
// person and what to do next, with the way to do it on the page.
import { expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { clientAtCodeStep, createTestUser } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { requestPasswordReset } from '../../src/services/account-links.js';
import { formatDate } from '../../src/web/views/format.js';

const META = { ip: '127.0.0.1', userAgent: 'test' };

describeEachDatabase('messages that lead somewhere', (database) => {
  const ctx = useTestServer(database);

  /** The reset email's text and link for `email`, straight from the queue. */
  async function resetMailFor(email: string): Promise<{ text: string; path: string; token: string }> {
    await requestPasswordReset(ctx.server.services, email, META);
    const mail = await ctx.server.services.db.selectFrom('email_queue').select('text_body').where('to_address', '=', email).where('kind', '=', 'password_reset').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const url = new URL(/https?:\/\/\S+/.exec(mail.text_body)![0]);
    return { text: mail.text_body, path: `${url.pathname}${url.search}`, token: url.searchParams.get('token')! };
  }

  it('a person without 2FA is not promised a two-factor code after a reset; a person with 2FA is', async () => {
    for (const withTotp of [false, true]) {
      const user = await createTestUser(ctx.server.services, { withTotp });
      const mail = await resetMailFor(user.email);
      expect(mail.text.includes('two-factor code')).toBe(withTotp);
      const client = new TestClient(ctx.server.url);
      await client.get(mail.path);
      const password = 'a fresh and unrelated passphrase';
      const done = await client.post('/reset-password', { token: mail.token, password, confirm_password: password });
      expect(done.location).toBe(withTotp ? '/sign-in?notice=password_reset_done' : '/sign-in?notice=password_reset_done_no_2fa');
      const page = await client.get(done.location!);
      expect(page.body.includes('two-factor code')).toBe(withTotp);
    }
  });

  it('a used reset link says so and offers Forgot your password? as a link, without double punctuation', async () => {
    const user = await createTestUser(ctx.server.services);
    const mail = await resetMailFor(user.email);
    const client = new TestClient(ctx.server.url);
    await client.get(mail.path);
    const password = 'another unrelated passphrase';
    await client.post('/reset-password', { token: mail.token, password, confirm_password: password });
    const dead = await client.get(mail.path);
    expect(dead.status).toBe(400);
    expect(alertText(dead.body)).toContain('ask for a new one below');
    expect(dead.body).not.toContain('?.');
    expect(dead.body).toContain('<a class="button" href="/forgot-password">Forgot your password?</a>');
  });

  it('once someone has an account, a setup link says Twofold is set up and leads to sign in (a restart prints none)', async () => {
    await createTestUser(ctx.server.services);
    const page = await new TestClient(ctx.server.url).get('/setup?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(page.status).toBe(409);
    expect(page.body).toContain('Twofold is already set up');
    expect(page.body).not.toContain('Restart');
    expect(page.body).toContain('href="/sign-in"');
  });

  it('after too many wrong codes the sign-in page keeps the email, and Forgot your password? carries it', async () => {
    const user = await createTestUser(ctx.server.services, { withTotp: true });
    const client = await clientAtCodeStep(ctx.server.url, user);
    let last;
    for (let i = 0; i < 5; i++) last = await client.post('/sign-in/code', { code: '000000' });
    expect(alertText(last!.body)).toContain('Too many wrong codes');
    expect(last!.body).toContain(`value="${user.email}"`);
    const forgotHref = `/forgot-password?email=${encodeURIComponent(user.email)}`;
    expect(last!.body).toContain(`href="${forgotHref.replace(/&/g, '&amp;')}"`);
    const forgot = await client.get(forgotHref);
    expect(forgot.body).toContain(`value="${user.email}"`);
  });

  it('times are labelled with their zone', () => {
    expect(formatDate(Date.UTC(2026, 10, 30, 9, 35))).toBe('30 Nov 2026, 8:35 pm AEDT');
    expect(formatDate(Date.UTC(2026, 5, 30, 9, 35))).toBe('30 June 2026, 7:35 pm AEST');
  });
});
