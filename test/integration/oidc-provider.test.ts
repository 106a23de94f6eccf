// Twofold as an OpenID Provider, driven by openid-client (a client nobody here wrote)
// through Twofold's own sign-in pages, once per database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { createTestUser, signIn } from '../helpers/fixtures.js';
import { type OrgTree, createOrgTree } from '../helpers/org-tree.js';
import { changePassword } from '../../src/services/passwords.js';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { type TestApp, continueUrlOf, exchangeCode, oidc, signInThroughApp, registerTestApp, startAuthorization, startProvider } from '../helpers/oidc.js';
import type { TestServer } from '../helpers/server.js';

describeEachDatabase('OpenID provider', (database) => {
  let server: TestServer;
  let app: TestApp;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ server, app, close } = await startProvider(database));
  });
  afterAll(() => close());

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
    // Typed in by whoever created the account, never proved by an emailed link.
    expect(claims.email_verified).toBe(false);
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

  it('gives tokens for one code once, however many exchanges race (parallel code replay)', async () => {
    const user = await createTestUser(server.services);
    const request = await startAuthorization(app);
    const callback = await signInThroughApp(server, new TestClient(server.url), request.url, user);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => exchangeCode(app, callback, request)));
    // One exchange at most gets tokens. And since the code was replayed, what it gave is
    // revoked (RFC 6749 §4.1.2): whether the winner's exchange finished before a loser
    // revoked the grant (tokens that are already dead) or after (refused too) depends on
    // timing, so both are right; usable tokens from a replayed code never are.
    const won = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof exchangeCode>>> => r.status === 'fulfilled');
    expect(won.length).toBeLessThanOrEqual(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ error: 'invalid_grant' });
    for (const w of won) await expect(oidc.fetchUserInfo(app.config, w.value.access_token, user.id)).rejects.toBeDefined();
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

describeEachDatabase('OpenID provider refusals and sign-in rules', (database) => {
  let server: TestServer;
  let app: TestApp;
  let close: () => Promise<void>;
  const STEP = 30_000;

  beforeAll(async () => {
    ({ server, app, close } = await startProvider(database));
  });
  afterAll(() => close());

  const pathOf = (url: URL | string) => {
    const u = typeof url === 'string' ? new URL(url) : url;
    return u.pathname + u.search;
  };

  it('never sends anyone to a redirect_uri the app did not register (open redirect)', async () => {
    const request = await startAuthorization(app);
    const url = new URL(request.url);
    url.searchParams.set('redirect_uri', 'https://evil.example/callback');
    const reply = await new TestClient(server.url).get(pathOf(url));
    expect(reply.status).toBe(400);
    expect(reply.location).toBeNull();
    expect(reply.body).toContain('This sign-in cannot go on');
    expect(reply.body).not.toContain('evil.example/callback?code');
  });

  it('refuses an authorization request without PKCE (intercepted code)', async () => {
    const request = await startAuthorization(app);
    const url = new URL(request.url);
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const reply = await new TestClient(server.url).get(pathOf(url));
    expect(reply.location).toMatch(/^http:\/\/localhost:4999\/callback\?error=invalid_request/);
    expect(reply.location).not.toContain('code=');
  });

  it('refuses the token exchange with a wrong client secret (stolen client id)', async () => {
    const user = await createTestUser(server.services);
    const request = await startAuthorization(app);
    const callback = await signInThroughApp(server, new TestClient(server.url), request.url, user);
    const impostor = new oidc.Configuration(app.config.serverMetadata(), app.clientId, undefined, oidc.ClientSecretBasic('not-the-secret'));
    oidc.allowInsecureRequests(impostor);
    await expect(oidc.authorizationCodeGrant(impostor, new URL(callback), { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state })).rejects.toMatchObject({ status: 401, cause: [{ parameters: { error: 'invalid_client' } }] });
  });

  it('refuses the code with another PKCE verifier (intercepted code)', async () => {
    const user = await createTestUser(server.services);
    const request = await startAuthorization(app);
    const callback = await signInThroughApp(server, new TestClient(server.url), request.url, user);
    await expect(exchangeCode(app, callback, { ...request, codeVerifier: oidc.randomPKCECodeVerifier() })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('says an expired sign-in request has expired, and goes no further', async () => {
    const request = await startAuthorization(app);
    const browser = new TestClient(server.url);
    const first = await browser.get(pathOf(request.url));
    expect(first.location).toMatch(/^\/interaction\//);
    server.clock.advance(31 * 60_000);
    const late = await browser.get(first.location!);
    expect(late.status).toBe(400);
    expect(late.body).toContain('This sign-in request has expired');
  });

  it('asks a signed-in person to sign in again when the app says prompt=login', async () => {
    const user = await createTestUser(server.services);
    const browser = new TestClient(server.url);
    const first = await startAuthorization(app);
    const firstTokens = await exchangeCode(app, await signInThroughApp(server, browser, first.url, user), first);
    server.clock.advance(5_000);
    // Without prompt=login the same browser goes straight back to the app.
    const quiet = await startAuthorization(app);
    expect(await signInThroughApp(server, browser, quiet.url, null)).toContain('code=');
    const again = await startAuthorization(app, { prompt: 'login' });
    const atInteraction = await browser.get(pathOf(again.url));
    const toSignIn = await browser.get(atInteraction.location!);
    expect(toSignIn.location).toMatch(/^\/sign-in\?again=1&next=/);
    const tokens = await exchangeCode(app, await signInThroughApp(server, browser, again.url, user), again);
    expect(tokens.claims()!.auth_time).toBeGreaterThan(firstTokens.claims()!.auth_time!);
  });

  it('gives a remembered device one factor, and a second-factor step when the app asks for two', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    server.clock.advance(STEP);
    const browser = await signIn(server.url, user, server.clock.now(), { rememberDevice: true });
    await browser.post('/sign-out', {});
    const plain = await startAuthorization(app);
    const plainTokens = await exchangeCode(app, await signInThroughApp(server, browser, plain.url, user, { code: false }), plain);
    expect(plainTokens.claims()!.amr).toEqual(['pwd']);
    expect(plainTokens.claims()!.acr).toBe('urn:twofold:acr:1fa');

    server.clock.advance(STEP);
    const strict = await startAuthorization(app, { acr_values: 'urn:twofold:acr:2fa' });
    const strictTokens = await exchangeCode(app, await signInThroughApp(server, browser, strict.url, user), strict);
    expect(strictTokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(strictTokens.claims()!.acr).toBe('urn:twofold:acr:2fa');
  });

  it('never lets a later one-factor sign-in inherit an ended two-factor one (stale app session)', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    server.clock.advance(STEP);
    const browser = await signIn(server.url, user, server.clock.now(), { rememberDevice: true });
    const strict = () => startAuthorization(app, { acr_values: 'urn:twofold:acr:2fa' });
    const first = await strict();
    const firstTokens = await exchangeCode(app, await signInThroughApp(server, browser, first.url, user), first);
    expect(firstTokens.claims()!.acr).toBe('urn:twofold:acr:2fa');
    // A second app signed in through the same sign-in, which the browser will not visit again.
    const other = await registerTestApp(server.services, server.url);
    const otherRequest = await startAuthorization(other, { acr_values: 'urn:twofold:acr:2fa' });
    const otherTokens = await exchangeCode(other, await signInThroughApp(server, browser, otherRequest.url, user), otherRequest);
    // The Twofold sign-in ends without this browser signing out (from another browser, idle…)
    await server.services.db.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    // Someone with only the password signs in here, later: the remembered device skips the code.
    server.clock.advance(1_000);
    await browser.get('/sign-in');
    expect((await browser.post('/sign-in', { email: user.email, password: user.password })).location).toBe('/');
    // An app that asks nothing special hears of this sign-in, not the ended one.
    server.clock.advance(1_000);
    const plain = await startAuthorization(app);
    const plainTokens = await exchangeCode(app, await signInThroughApp(server, browser, plain.url, null), plain);
    expect(plainTokens.claims()!.amr).toEqual(['pwd']);
    expect(plainTokens.claims()!.acr).toBe('urn:twofold:acr:1fa');
    // The ended sign-in's tokens stay dead: the same browser signing in again does not
    // bring its refresh token back (with its two-factor acr), nor its access token.
    await expect(oidc.refreshTokenGrant(app.config, firstTokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(app.config, firstTokens.access_token, user.id)).rejects.toBeDefined();
    await expect(oidc.refreshTokenGrant(other.config, otherTokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(other.config, otherTokens.access_token, user.id)).rejects.toBeDefined();
    const second = await strict();
    const reply = await browser.get(pathOf(second.url));
    expect(reply.location).toMatch(/^\/interaction\//);
    expect((await browser.get(reply.location!)).location).toMatch(/^\/sign-in\?again=1&second_factor=1/);
  });

  it('does not count turning 2FA on as signing in again (prompt=login without the password)', async () => {
    const user = await createTestUser(server.services);
    const browser = await signIn(server.url, user, server.clock.now());
    server.clock.advance(1_000);
    const request = await startAuthorization(app, { prompt: 'login' });
    const atInteraction = await browser.get(pathOf(request.url));
    expect((await browser.get(atInteraction.location!)).location).toMatch(/^\/sign-in\?again=1/);
    // Instead of the password: an authenticator set up in the open session, a moment later.
    server.clock.advance(1_000);
    await browser.get('/settings/two-factor');
    await browser.post('/settings/two-factor', { method: 'totp' });
    const secret = secretFromBase32(/id="totp-secret"[^>]*>([^<]+)</.exec((await browser.get('/settings/two-factor/app')).body)![1]!.replace(/\s/g, ''));
    await browser.post('/settings/two-factor/app', { code: generateTotpCode({ secret, timeInMs: server.clock.now() }) });
    const shown = /name="shown" value="([^"]+)"/.exec((await browser.get('/settings/recovery-codes')).body)![1]!;
    await browser.post('/settings/recovery-codes/saved', { saved: 'yes', shown });
    expect((await browser.get(atInteraction.location!)).location).toMatch(/^\/sign-in\?again=1/);
  });

  it('posts the code to the app with response_mode=form_post, the CSP naming only the app as where the form may go', async () => {
    const user = await createTestUser(server.services);
    const browser = await signIn(server.url, user, server.clock.now());
    const request = await startAuthorization(app, { response_mode: 'form_post' });
    const atInteraction = await browser.get(pathOf(request.url));
    const onward = await browser.get(atInteraction.location!);
    const resume = await browser.get(pathOf(continueUrlOf(onward.body)!));
    expect(resume.status).toBe(200);
    expect(resume.body).toContain('<form method="post" action="http://localhost:4999/callback">');
    expect(resume.body).toMatch(/name="code" value="[^"]+"/);
    expect(resume.headers.get('content-security-policy')).toContain("form-action 'self' http://localhost:4999;");
  });

  it('tells a person without a second factor that the app needs one, and the app hears access_denied', async () => {
    const user = await createTestUser(server.services);
    const browser = await signIn(server.url, user, server.clock.now());
    const strict = await startAuthorization(app, { acr_values: 'urn:twofold:acr:2fa' });
    const atInteraction = await browser.get(pathOf(strict.url));
    const page = await browser.get(atInteraction.location!);
    expect(page.status).toBe(403);
    expect(alertText(page.body)).toContain('asks for two-factor authentication');
    expect(page.body).toContain('Protect my account');
    const back = await browser.post(`${atInteraction.location!}/abort`, {});
    const callback = await browser.get(continueUrlOf(back.body)!.replace(server.url, ''));
    expect(callback.location).toMatch(/^http:\/\/localhost:4999\/callback\?error=access_denied/);
  });
});

describeEachDatabase('OpenID provider: apps for one organisation, sign-out and revocation', (database) => {
  let server: TestServer;
  let tree: OrgTree;
  let app: TestApp;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ server, app, close } = await startProvider(database, async (started) => {
      tree = await createOrgTree(started.services);
      return { organizationName: tree.aggregatorA.name };
    }));
  });
  afterAll(() => close());

  const pathOf = (url: URL) => url.pathname + url.search;

  it('lets people of the aggregator and of its firms in', async () => {
    for (const person of [tree.people.memberOfA, tree.people.memberA1]) {
      server.clock.advance(30_000);
      const request = await startAuthorization(app);
      const tokens = await exchangeCode(app, await signInThroughApp(server, new TestClient(server.url), request.url, person), request);
      expect(tokens.claims()!.sub).toBe(person.id);
    }
  });

  it('refuses a person of another aggregator, says why, and records it (tenant boundary)', async () => {
    const outsider = tree.people.memberB1;
    server.clock.advance(30_000);
    const browser = await signIn(server.url, outsider, server.clock.now());
    const request = await startAuthorization(app);
    const atInteraction = await browser.get(pathOf(request.url));
    const page = await browser.get(atInteraction.location!);
    expect(page.status).toBe(403);
    expect(alertText(page.body)).toContain(`only for people of ${tree.aggregatorA.name}`);
    const events = await server.services.db.selectFrom('security_events').select(['type', 'detail']).where('user_id', '=', outsider.id).where('type', '=', 'app_access_refused').execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toContain('Harbour CRM');
  });

  it('sends a person who must set 2FA up first back to the app once it is on', async () => {
    await server.services.db.updateTable('organizations').set({ require_two_factor: 1 }).where('id', '=', tree.aggregatorA.id).execute();
    try {
      const person = tree.people.memberA2;
      await server.services.db.deleteFrom('two_factor').where('user_id', '=', person.id).execute();
      const browser = new TestClient(server.url);
      const request = await startAuthorization(app);
      const atInteraction = await browser.get(pathOf(request.url));
      const signInPage = await browser.follow(await browser.get(atInteraction.location!), 1);
      const next = /name="next" value="([^"]+)"/.exec(signInPage.body)![1]!;
      expect((await browser.post('/sign-in', { email: person.email, password: person.password, next })).location).toBe(atInteraction.location);
      // Two-factor set-up comes first: the app's request waits.
      expect((await browser.get(atInteraction.location!)).location).toBe('/settings/two-factor');
      await browser.get('/settings/two-factor');
      await browser.post('/settings/two-factor', { method: 'totp' });
      const secret = secretFromBase32(/id="totp-secret"[^>]*>([^<]+)</.exec((await browser.get('/settings/two-factor/app')).body)![1]!.replace(/\s/g, ''));
      expect((await browser.post('/settings/two-factor/app', { code: generateTotpCode({ secret, timeInMs: server.clock.now() }) })).location).toBe('/settings/recovery-codes');
      const codes = await browser.get('/settings/recovery-codes');
      const shown = /name="shown" value="([^"]+)"/.exec(codes.body)![1]!;
      const saved = await browser.post('/settings/recovery-codes/saved', { saved: 'yes', shown });
      expect(saved.location).toBe(atInteraction.location);
      const callback = await signInThroughApp(server, browser, request.url, null, { first: saved });
      const tokens = await exchangeCode(app, callback, request);
      expect(tokens.claims()!.sub).toBe(person.id);
    } finally {
      await server.services.db.updateTable('organizations').set({ require_two_factor: 0 }).where('id', '=', tree.aggregatorA.id).execute();
    }
  });

  it('signing out from the app ends the Twofold sign-in too (RP-initiated logout)', async () => {
    const person = tree.people.memberA1;
    server.clock.advance(30_000);
    const browser = new TestClient(server.url);
    const request = await startAuthorization(app);
    const tokens = await exchangeCode(app, await signInThroughApp(server, browser, request.url, person), request);
    expect((await browser.get('/api/session')).status).toBe(200);
    const endUrl = oidc.buildEndSessionUrl(app.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://localhost:4999/signed-out' });
    const confirm = await browser.get(pathOf(endUrl));
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Sign out of Twofold?');
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(confirm.body)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)![1]!;
    const done = await browser.post(new URL(action).pathname, { xsrf, logout: 'yes' });
    // A page that moves on by itself, not a redirect after a form (CSP form-action 'self').
    expect(done.status).toBe(200);
    expect(continueUrlOf(done.body)).toMatch(/^http:\/\/localhost:4999\/signed-out/);
    expect((await browser.get('/api/session')).status).toBe(401);
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('signing out of Twofold ends the app sign-in in that browser: its refresh token dies, the next request asks again', async () => {
    const person = tree.people.memberA1;
    server.clock.advance(30_000);
    const browser = new TestClient(server.url);
    const request = await startAuthorization(app);
    const tokens = await exchangeCode(app, await signInThroughApp(server, browser, request.url, person), request);
    await browser.get('/');
    await browser.post('/sign-out', {});
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const next = await startAuthorization(app);
    const atInteraction = await browser.get(pathOf(next.url));
    expect((await browser.get(atInteraction.location!)).location).toMatch(/^\/sign-in\?next=/);
  });

  it('ending a Twofold sign-in from another browser, or letting it idle out, ends that browser\'s app tokens (lost laptop)', async () => {
    const person = tree.people.otherMemberA1;
    server.clock.advance(30_000);
    const laptop = new TestClient(server.url);
    const request = await startAuthorization(app);
    const tokens = await exchangeCode(app, await signInThroughApp(server, laptop, request.url, person), request);
    expect((await oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).access_token).toBeTruthy();
    server.clock.advance(30_000);
    const phone = await signIn(server.url, person, server.clock.now());
    await phone.get('/settings/security');
    expect((await phone.post('/settings/sessions/end-others', {})).status).toBe(303);
    await expect(oidc.fetchUserInfo(app.config, tokens.access_token, person.id)).rejects.toBeDefined();

    server.clock.advance(30_000);
    const second = await startAuthorization(app);
    const idle = await exchangeCode(app, await signInThroughApp(server, new TestClient(server.url), second.url, person), second);
    server.clock.advance(31 * 60_000);
    await expect(oidc.refreshTokenGrant(app.config, idle.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('answers an outsider already signed in to another app with login_required, not a server error (prompt=none)', async () => {
    const outsider = tree.people.aggAdminB;
    const everyone = await registerTestApp(server.services, server.url);
    server.clock.advance(30_000);
    const browser = new TestClient(server.url);
    const first = await startAuthorization(everyone);
    await exchangeCode(everyone, await signInThroughApp(server, browser, first.url, outsider), first);
    const silent = await startAuthorization(app, { prompt: 'none' });
    const reply = await browser.get(pathOf(silent.url));
    expect(reply.location).toMatch(/^http:\/\/localhost:4999\/callback\?error=login_required/);
    const loud = await startAuthorization(app);
    const atInteraction = await browser.get(pathOf(loud.url));
    expect((await browser.get(atInteraction.location!)).status).toBe(403);
  });

  it('a password change ends every app sign-in and token of the person (stolen tokens)', async () => {
    const person = tree.people.otherMemberA1;
    server.clock.advance(30_000);
    const request = await startAuthorization(app);
    const tokens = await exchangeCode(app, await signInThroughApp(server, new TestClient(server.url), request.url, person), request);
    await changePassword(server.services, person.id, { currentPassword: person.password, newPassword: 'a brand new passphrase for harbour 77', confirmation: 'a brand new passphrase for harbour 77' }, { ip: '127.0.0.1', userAgent: 'test' });
    person.password = 'a brand new passphrase for harbour 77';
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(app.config, tokens.access_token, person.id)).rejects.toBeDefined();
  });
});
