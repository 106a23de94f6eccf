// Cross-site request forgery: a form that did not come from one of our pages changes nothing.
import { expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { createTestUser, signIn } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { findTwoFactor } from '../../src/store/two-factor.js';

describeEachDatabase('CSRF', (database) => {
  const ctx = useTestServer(database);

  it('refuses forms without a token, with a forged one, or with another browser’s', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const victim = await signIn(server.url, user, server.clock.now());
    const other = new TestClient(server.url);
    await other.get('/sign-in');
    const othersToken = other.csrfToken()!;

    const forgeries: Array<Record<string, string | string[]>> = [{}, { _csrf: 'forged' }, { _csrf: othersToken }, { _csrf: ['a', 'b'] }];
    for (const fields of forgeries) {
      const reply = await victim.post('/settings/two-factor/remove', { password: user.password, ...fields }, { csrf: false });
      expect(reply.status).toBe(403);
      expect(reply.body).toContain('This form has expired or came from another site');
    }
    expect(await findTwoFactor(server.services.db, user.id)).toBeDefined();
  });

  it('refuses a cross-site form even with a valid token (Origin and Sec-Fetch-Site)', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = new TestClient(server.url);
    await client.get('/sign-in');
    const body = new URLSearchParams({ _csrf: client.csrfToken()!, email: user.email, password: user.password }).toString();
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const crossSite: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }];
    for (const extra of crossSite) {
      const response = await fetch(new URL('/sign-in', server.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...extra },
        body,
      });
      expect(response.status).toBe(403);
    }
    expect((await client.post('/sign-in', { email: user.email, password: user.password })).location).toBe('/');
  });

  it('protects the sign-in form too (login CSRF)', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = new TestClient(server.url);
    const reply = await client.post('/sign-in', { email: user.email, password: user.password }, { csrf: false });
    expect(reply.status).toBe(403);
    expect(client.cookies.has('twofold_session')).toBe(false);
  });
});
