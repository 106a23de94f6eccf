// Twofold as an OpenID Provider, driven by openid-client (a client nobody here wrote)
// through Twofold's own sign-in pages, once per database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { codeFor, createTestUser, type TestUser } from '../helpers/fixtures.js';
import { type TestApp, CALLBACK, exchangeCode, oidc, registerTestApp, startAuthorization } from '../helpers/oidc.js';
import { type TestServer, startTestServerAtPublicUrl } from '../helpers/server.js';

/** Follows the browser through authorize → Twofold's pages → back to the app; returns the callback URL. */
async function signInThroughApp(server: TestServer, browser: TestClient, url: URL, user: TestUser | null, options: { code?: boolean } = {}): Promise<string> {
  let reply = await browser.get(url.pathname + url.search);
  for (let hop = 0; hop < 12; hop++) {
    const location = reply.location;
    if (!location) throw new Error(`stuck at ${reply.status}: ${reply.body.slice(0, 300)}`);
    if (location.startsWith(CALLBACK)) return location;
    const path = location.startsWith('http') ? new URL(location).pathname + new URL(location).search : location;
    if (path.startsWith('/sign-in?') && user) {
      const page = await browser.get(path);
      const next = /name="next" value="([^"]+)"/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
      const secondFactor = page.body.includes('name="second_factor"');
      reply = await browser.post('/sign-in', { email: user.email, password: user.password, ...(next ? { next } : {}), ...(secondFactor ? { second_factor: 'required' } : {}) });
      continue;
    }
    if (path === '/sign-in/code' && user && options.code !== false) {
      await browser.get(path);
      reply = await browser.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
      continue;
    }
    reply = await browser.get(path);
  }
  throw new Error('too many redirects');
}

describeEachDatabase('OpenID provider', (database) => {
  let server: TestServer;
  let destroy: () => Promise<void>;
  let app: TestApp;

  beforeAll(async () => {
    const created = await database.create();
    destroy = created.destroy;
    server = await startTestServerAtPublicUrl(created.store);
    app = await registerTestApp(server.services, server.url);
  });
  afterAll(async () => {
    await server.close();
    await destroy();
  });

  it('publishes discovery with the code flow only, S256 PKCE and its signing keys', async () => {
    const metadata = app.config.serverMetadata();
    expect(metadata.issuer).toBe(server.url);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.acr_values_supported).toEqual(['urn:twofold:acr:1fa', 'urn:twofold:acr:2fa']);
    const jwks = (await (await fetch(metadata.jwks_uri!)).json()) as { keys: { alg: string; kty: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    // never a private part
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  });

  it('signs a person in with password and authenticator code, and tells the app who and how', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const request = await startAuthorization(app);
    const callback = await signInThroughApp(server, new TestClient(server.url), request.url, user);
    const tokens = await exchangeCode(app, callback, request);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims.email).toBe(user.email);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:twofold:acr:2fa');
    expect(claims.organization).toMatchObject({ name: expect.any(String) });
    expect(typeof claims.auth_time).toBe('number');
    const info = await oidc.fetchUserInfo(app.config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: user.email, name: 'Pat Broker', role: 'member' });
  });

  it('rotates refresh tokens, and a reused one revokes the whole grant (stolen refresh token)', async () => {
    const user = await createTestUser(server.services);
    const request = await startAuthorization(app);
    const tokens = await exchangeCode(app, await signInThroughApp(server, new TestClient(server.url), request.url, user), request);
    const first = tokens.refresh_token!;
    expect(first).toBeTruthy();
    const refreshed = await oidc.refreshTokenGrant(app.config, first);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(first);
    // The thief replays the old one: refused, and the new one dies with it.
    await expect(oidc.refreshTokenGrant(app.config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(app.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a second exchange of one code and revokes what the first gave (code replay)', async () => {
    const user = await createTestUser(server.services);
    const request = await startAuthorization(app);
    const callback = await signInThroughApp(server, new TestClient(server.url), request.url, user);
    const tokens = await exchangeCode(app, callback, request);
    await expect(exchangeCode(app, callback, request)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(app.config, tokens.access_token, user.id)).rejects.toBeDefined();
  });
});
