// Bad input to the OpenID Provider gets a clear answer and changes nothing: never a 500,
// on either database (PostgreSQL refuses a NUL byte in text where SQLite would not).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { type TestApp, startAuthorization, startProvider } from '../helpers/oidc.js';
import type { TestServer } from '../helpers/server.js';

describeEachDatabase('OpenID provider under hostile input', (database) => {
  let server: TestServer;
  let app: TestApp;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ server, app, close } = await startProvider(database));
  });
  afterAll(() => close());

  it('answers NUL bytes and junk in ids, codes, tokens and cookies without a server error', async () => {
    const client = new TestClient(server.url);
    const request = await startAuthorization(app);
    const auth = new URL(request.url);
    auth.searchParams.set('client_id', 'abc\u0000def');
    const replies = [
      await client.get(auth.pathname + auth.search),
      await client.get(`/oidc/auth?client_id=${'x'.repeat(5000)}&response_type=code&scope=openid`),
      await client.get('/interaction/%00'),
      await client.get('/interaction/abc%00def'),
      await client.sendRaw('POST', '/oidc/token', `grant_type=authorization_code&code=a%00b&redirect_uri=x&code_verifier=${'a'.repeat(50)}&client_id=${app.clientId}&client_secret=${app.clientSecret}`, 'application/x-www-form-urlencoded'),
      await client.sendRaw('POST', '/oidc/token', 'grant_type=refresh_token&refresh_token=%00', 'application/x-www-form-urlencoded'),
      await client.get('/oidc/me?access_token=%00'),
      await client.get('/oidc/session/end?id_token_hint=%00'),
    ];
    for (const reply of replies) {
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect(reply.body).not.toMatch(/at .*\.js:\d+/);
    }
    const withCookie = new TestClient(server.url);
    withCookie.cookies.set('twofold_oidc_session', 'a%00b');
    withCookie.cookies.set('twofold_oidc_interaction', '%00');
    expect((await withCookie.get(auth.pathname + auth.search)).status).toBeLessThan(500);
    const fine = await startAuthorization(app);
    expect((await withCookie.get(fine.url.pathname + fine.url.search)).status).toBe(303);
    await withCookie.get('/sign-in');
    expect((await withCookie.post('/sign-out', {})).status).toBe(303);
  });
});
