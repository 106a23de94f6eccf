// Forward auth over real HTTP, once per database: what the proxy's question is answered
// with (nginx auth_request, Traefik/Caddy forward auth), the way back after sign-in (rd,
// only to an allowed host: open-redirect attempts land on /), and the shared session cookie.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createOrganization, createUser } from '../../src/services/accounts.js';
import { finishPasskeyRegistration, startPasskeyRegistration } from '../../src/services/passkeys.js';
import { SoftwareAuthenticator } from '../helpers/authenticator.js';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { STRONG_PASSWORD, type TestUser, codeFor, createTestUser, signIn } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';

const PUBLIC_URL = 'https://auth.example.com';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const ENV = { PUBLIC_URL, COOKIE_DOMAIN: 'example.com', FORWARD_AUTH_DOMAINS: 'app.example.com,.apps.example.com', METRICS_TOKEN };
/** What nginx and the browser would send: the page on the protected app. */
const APP_PAGE = 'https://app.example.com/reports/2026?q=a%20b&sort=desc';
const SIGN_IN_BACK_TO_APP_PAGE = `${PUBLIC_URL}/sign-in?rd=${encodeURIComponent(APP_PAGE)}`;

describeEachDatabase('forward auth', (database) => {
  const ctx = useTestServer(database, ENV);
  const client = () => new TestClient(ctx.server.url, { headers: { origin: PUBLIC_URL } });
  const authRequest = (browser: TestClient, headers: Record<string, string> = {}) => withHeaders(browser, headers).get('/api/authz/auth-request');
  const forwardAuth = (browser: TestClient, headers: Record<string, string> = {}) => withHeaders(browser, headers).get('/api/authz/forward-auth');
  /** The same browser's cookies, with the headers the proxy adds. */
  function withHeaders(browser: TestClient, headers: Record<string, string>): TestClient {
    const proxied = new TestClient(ctx.server.url, { headers: { origin: PUBLIC_URL, ...headers } });
    proxied.cookies = browser.cookies;
    return proxied;
  }
  const signedIn = async (user: TestUser) => {
    const browser = await signIn(ctx.server.url, user, ctx.server.clock.now());
    // The helper's browser sends no Origin; the settings forms below need the public one.
    return withHeaders(browser, {});
  };
  /** The Remote-* headers of a reply, and nothing else. */
  const remoteHeaders = (headers: Headers | import('undici').Headers) => Object.fromEntries([...headers].filter(([name]) => name.startsWith('remote-')));

  it('auth-request: 401 without a session, with no body, and Location to sign-in and back', async () => {
    const reply = await authRequest(client(), { 'x-original-url': APP_PAGE });
    expect(reply.status).toBe(401);
    expect(reply.body).toBe('');
    expect(reply.location).toBe(SIGN_IN_BACK_TO_APP_PAGE);
    expect(remoteHeaders(reply.headers)).toEqual({});

    const forged = client();
    forged.cookies.set('__Secure-twofold_session', 'A'.repeat(43));
    expect((await authRequest(forged)).status).toBe(401);
    // An address not on FORWARD_AUTH_DOMAINS is not carried to the sign-in page.
    expect((await authRequest(client(), { 'x-original-url': 'https://evil.example/' })).location).toBe(`${PUBLIC_URL}/sign-in`);
    expect((await authRequest(client())).location).toBe(`${PUBLIC_URL}/sign-in`);
  });

  it('auth-request: 200 with exactly the Remote-* headers once signed in with the code', async () => {
    const { services } = ctx.server;
    const aggregator = await createOrganization(services, { name: `Harbour Aggregation ${Date.now()}` });
    const firm = await createOrganization(services, { name: `Harbour Brokers ${Date.now()}`, parentName: aggregator.name });
    const email = `sam.${Date.now()}@harbour.com.au`;
    const { id } = await createUser(services, { email, name: 'Sam Lee', orgName: firm.name, role: 'admin', password: STRONG_PASSWORD });
    const browser = await signedIn({ id, email, password: STRONG_PASSWORD });
    const reply = await authRequest(browser, { 'x-original-url': APP_PAGE });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('');
    expect(remoteHeaders(reply.headers)).toEqual({
      'remote-user': email,
      'remote-email': email,
      'remote-name': 'Sam Lee',
      'remote-groups': `role:admin,org:${firm.id},aggregator:${aggregator.id}`,
      'remote-id': id,
    });

    const withCode = await createTestUser(services, { withTotp: true });
    const reply2 = await authRequest(await signedIn(withCode));
    expect(reply2.status).toBe(200);
    expect(reply2.headers.get('remote-user')).toBe(withCode.email);
  });

  it("answers 401, not the set-up page, for a person whose aggregator requires 2FA they have not set up", async () => {
    const { services } = ctx.server;
    const aggregator = await createOrganization(services, { name: `Strict Aggregation ${Date.now()}` });
    const firm = await createOrganization(services, { name: `Strict Brokers ${Date.now()}`, parentName: aggregator.name });
    await services.db.updateTable('organizations').set({ require_two_factor: 1 }).where('id', '=', aggregator.id).execute();
    const email = `lee.${Date.now()}@strict.com.au`;
    const { id } = await createUser(services, { email, name: 'Lee Strict', orgName: firm.name, role: 'member', password: STRONG_PASSWORD });
    const browser = await signedIn({ id, email, password: STRONG_PASSWORD });
    // The session exists (it may set 2FA up) ...
    expect((await browser.get('/api/session')).status).toBe(403);
    // ... but does not pass forward auth: a plain refusal the proxy understands.
    const reply = await authRequest(browser, { 'x-original-url': APP_PAGE });
    expect(reply.status).toBe(401);
    expect(reply.location).toBe(SIGN_IN_BACK_TO_APP_PAGE);
    expect(remoteHeaders(reply.headers)).toEqual({});
    const viaTraefik = await forwardAuth(browser, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/' });
    expect(viaTraefik.status).toBe(302);
    expect(viaTraefik.location).toBe(`${PUBLIC_URL}/sign-in?rd=${encodeURIComponent('https://app.example.com/')}`);
  });

  it('refuses a session from the moment it is signed out', async () => {
    const user = await createTestUser(ctx.server.services);
    const browser = await signedIn(user);
    const cookie = browser.cookies.get('__Secure-twofold_session')!;
    expect((await authRequest(browser)).status).toBe(200);
    await browser.get('/');
    await browser.post('/sign-out', {});
    const stolen = client();
    stolen.cookies.set('__Secure-twofold_session', cookie);
    expect((await authRequest(stolen)).status).toBe(401);
    expect((await forwardAuth(stolen)).status).toBe(302);
  });

  it('hostile-input: a name outside latin-1, or with CR/LF, is percent-encoded, never a 500 or an extra header', async () => {
    const user = await createTestUser(ctx.server.services);
    const browser = await signedIn(user);
    const rename = (name: string) => ctx.server.services.db.updateTable('users').set({ name }).where('id', '=', user.id).execute();
    await rename('李雷');
    const chinese = await authRequest(browser);
    expect(chinese.status).toBe(200);
    expect(chinese.headers.get('remote-name')).toBe('%E6%9D%8E%E9%9B%B7');
    expect(decodeURIComponent(chinese.headers.get('remote-name')!)).toBe('李雷');
    // Not through any form (names are cleaned there): as if written to the database directly.
    await rename('Pat\r\nX-Injected: yes');
    for (const reply of [await authRequest(browser), await forwardAuth(browser)]) {
      expect(reply.status).toBe(200);
      expect(reply.headers.get('remote-name')).toBe('Pat%0D%0AX-Injected: yes');
      expect(reply.headers.get('x-injected')).toBeNull();
    }
    await rename('Zoë 100%');
    expect((await authRequest(browser)).headers.get('remote-name')).toBe('Zo%C3%AB 100%25');
  });

  it('forward-auth: 302 to sign-in with rd rebuilt from X-Forwarded-*, 200 with the headers once signed in', async () => {
    const proxy = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/reports/2026?q=a%20b&sort=desc' };
    const reply = await forwardAuth(client(), proxy);
    expect(reply.status).toBe(302);
    expect(reply.location).toBe(SIGN_IN_BACK_TO_APP_PAGE);
    expect(reply.body).not.toContain('twofold_session');
    // HEAD is a read too (Fastify answers it from the GET route).
    expect((await forwardAuth(client(), { ...proxy, 'x-forwarded-method': 'HEAD' })).status).toBe(302);
    // Any host under .apps.example.com; http is refused while Twofold is on https.
    expect((await forwardAuth(client(), { ...proxy, 'x-forwarded-host': 'crm.apps.example.com', 'x-forwarded-uri': '/' })).location).toBe(
      `${PUBLIC_URL}/sign-in?rd=${encodeURIComponent('https://crm.apps.example.com/')}`,
    );
    for (const unlisted of [{ 'x-forwarded-host': 'evil.example' }, { 'x-forwarded-host': 'app.example.com@evil.example' }, { 'x-forwarded-proto': 'http' }, { 'x-forwarded-host': '' }]) {
      expect((await forwardAuth(client(), { ...proxy, ...unlisted })).location, JSON.stringify(unlisted)).toBe(`${PUBLIC_URL}/sign-in`);
    }
    expect((await forwardAuth(client())).location).toBe(`${PUBLIC_URL}/sign-in`);

    const user = await createTestUser(ctx.server.services);
    const allowed = await forwardAuth(await signedIn(user), proxy);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('remote-user')).toBe(user.email);
    expect(allowed.headers.get('remote-id')).toBe(user.id);
  });

  it('forward-auth: a non-GET request (X-Forwarded-Method) without a session gets 401, not a redirect', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const reply = await forwardAuth(client(), { 'x-forwarded-method': method, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/api/orders' });
      expect(reply.status, method).toBe(401);
      expect(reply.location, method).toBeNull();
      expect(reply.body, method).toBe('');
    }
  });

  it('signs in through the code step and lands back on rd', async () => {
    const user = await createTestUser(ctx.server.services, { withTotp: true });
    const browser = client();
    const page = await browser.get(`/sign-in?rd=${encodeURIComponent(APP_PAGE)}`);
    expect(page.body).toContain(`<input type="hidden" name="rd" value="${APP_PAGE.replace(/&/g, '&amp;')}"/>`);
    const password = await browser.post('/sign-in', { email: user.email, password: user.password, rd: APP_PAGE });
    expect(password.location).toBe('/sign-in/code');
    const attempt = await ctx.server.services.db.selectFrom('sign_in_attempts').select('next_path').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(attempt.next_path).toBe(APP_PAGE);
    await browser.get('/sign-in/code');
    const done = await browser.post('/sign-in/code', { code: codeFor(user, ctx.server.clock.now()) });
    expect(done.status).toBe(303);
    expect(done.location).toBe(APP_PAGE);
    expect((await authRequest(browser)).status).toBe(200);
    // Already signed in: /sign-in?rd= goes straight back.
    expect((await browser.get(`/sign-in?rd=${encodeURIComponent(APP_PAGE)}`)).location).toBe(APP_PAGE);
    expect((await browser.get(`/sign-in?rd=${encodeURIComponent('https://evil.example/')}`)).location).toBe('/');
  });

  it('signs in with a passkey alone and lands back on rd; an unlisted rd lands on /', async () => {
    const { services } = ctx.server;
    const user = await createTestUser(services);
    const key = new SoftwareAuthenticator(PUBLIC_URL);
    const creation = await startPasskeyRegistration(services, user.id, 'forward-auth-test');
    await finishPasskeyRegistration(services, user.id, 'forward-auth-test', key.register(creation), 'Laptop', { ip: '127.0.0.1', userAgent: 'test' });
    for (const [rd, expected, formsCarryingRd] of [
      [APP_PAGE, APP_PAGE, 2],
      ['https://app.example.com@evil.example/', '/', 0],
    ] as const) {
      const browser = client();
      const page = await browser.get(`/sign-in?rd=${encodeURIComponent(rd)}`);
      // The password form and the passkey form both carry it, or neither.
      expect(page.body.match(/name="rd"/g) ?? []).toHaveLength(formsCarryingRd);
      const options = JSON.parse((await browser.post('/sign-in/passkey/options', {})).body);
      const reply = await browser.post('/sign-in/passkey', { passkey_response: key.answer(options), rd });
      expect(reply.status, rd).toBe(303);
      expect(reply.location, rd).toBe(expected);
    }
  });

  it('signs a person without 2FA straight back to rd after the password', async () => {
    const user = await createTestUser(ctx.server.services);
    const browser = client();
    await browser.get(`/sign-in?rd=${encodeURIComponent(APP_PAGE)}`);
    expect((await browser.post('/sign-in', { email: user.email, password: user.password, rd: APP_PAGE })).location).toBe(APP_PAGE);
  });

  const OPEN_REDIRECT_ATTEMPTS: Record<string, string> = {
    'an unlisted host': 'https://evil.example/phish',
    'userinfo (the host is after @)': 'https://app.example.com@evil.example/',
    'a look-alike that ends with the domain text': 'https://evil-example.com/',
    'the listed host under another domain': 'https://app.example.com.evil.example/',
    'a backslash': 'https://evil.example\\@app.example.com/',
    'javascript:': 'javascript:alert(document.cookie)',
    'data:': 'data:text/html,<script>alert(1)</script>',
    'plain http to a listed host': 'http://app.example.com/',
    'protocol-relative': '//evil.example/',
    'a control character': 'https://app.example.com\t.evil.example/',
    'an uppercase host': 'https://APP.EXAMPLE.COM/',
    'an IDN look-alike': 'https://аpp.example.com/',
  };
  for (const [attack, rd] of Object.entries(OPEN_REDIRECT_ATTEMPTS)) {
    it(`open-redirect: rd to ${attack} lands on / and is not stored`, async () => {
      const user = await createTestUser(ctx.server.services, { withTotp: true });
      const browser = client();
      const page = await browser.get(`/sign-in?rd=${encodeURIComponent(rd)}`);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('name="rd"');
      expect((await browser.post('/sign-in', { email: user.email, password: user.password, rd })).location).toBe('/sign-in/code');
      const attempt = await ctx.server.services.db.selectFrom('sign_in_attempts').select('next_path').where('user_id', '=', user.id).executeTakeFirstOrThrow();
      expect(attempt.next_path).toBeNull();
      await browser.get('/sign-in/code');
      expect((await browser.post('/sign-in/code', { code: codeFor(user, ctx.server.clock.now()) })).location).toBe('/');
    });
  }

  it('open-redirect: a local next still works beside rd, and an allowed rd wins over it', async () => {
    const user = await createTestUser(ctx.server.services);
    const local = client();
    await local.get('/sign-in?next=%2Fsettings%2Fsecurity');
    expect((await local.post('/sign-in', { email: user.email, password: user.password, next: '/settings/security', rd: 'https://evil.example/' })).location).toBe('/settings/security');
    const both = client();
    await both.get('/sign-in');
    expect((await both.post('/sign-in', { email: user.email, password: user.password, next: '/settings/security', rd: APP_PAGE })).location).toBe(APP_PAGE);
  });

  it('keeps rd on the sign-in page after a wrong password', async () => {
    const user = await createTestUser(ctx.server.services);
    const browser = client();
    await browser.get('/sign-in');
    const wrong = await browser.post('/sign-in', { email: user.email, password: 'not the password at all', rd: APP_PAGE });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('name="rd"');
    expect((await browser.post('/sign-in', { email: user.email, password: user.password, rd: APP_PAGE })).location).toBe(APP_PAGE);
  });

  it('hostile-input: whatever rd, next or X-Forwarded-* arrive, the answer is below 500 and leads only to an allowed place', async () => {
    const user = await createTestUser(ctx.server.services);
    const isAllowedPlace = (location: string | null) => {
      if (location === null || location.startsWith('/')) return true;
      const host = new URL(location).hostname;
      return new URL(location).protocol === 'https:' && (host === 'app.example.com' || host.endsWith('.apps.example.com'));
    };
    const hostile = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.constantFrom(...Object.values(OPEN_REDIRECT_ATTEMPTS), APP_PAGE, 'https://crm.apps.example.com/x', '%', '\\', 'a'.repeat(5000)),
    );
    // Header values: what an HTTP client can send at all (tab, printable ASCII and latin-1 bytes).
    const headerValue = hostile.map((v) => v.replace(/[^\t\u0020-\u007e\u0080-\u00ff]/g, ''));
    await fc.assert(
      fc.asyncProperty(hostile, hostile, headerValue, headerValue, async (rd, next, host, uri) => {
        const page = await client().get(`/sign-in?${new URLSearchParams({ rd, next })}`);
        // (a NUL anywhere is refused before any handler: 400)
        expect([200, 400]).toContain(page.status);
        const carried = /name="rd" value="([^"]*)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
        expect(isAllowedPlace(carried ?? null), carried).toBe(true);
        const reply = await forwardAuth(client(), { 'x-forwarded-proto': 'https', 'x-forwarded-host': host, 'x-forwarded-uri': uri });
        expect(reply.status).toBe(302);
        const back = new URL(reply.location!).searchParams.get('rd');
        expect(reply.location!.startsWith(`${PUBLIC_URL}/sign-in`)).toBe(true);
        expect(isAllowedPlace(back), back ?? '').toBe(true);
        const asked = await authRequest(client(), { 'x-original-url': host + uri });
        expect(asked.status).toBe(401);
      }),
      { numRuns: 100 },
    );
    // Through the password step (each costs a password hash: fewer runs).
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (rd, next) => {
        const browser = client();
        await browser.get('/sign-in');
        const reply = await browser.post('/sign-in', { email: user.email, password: user.password, rd, next });
        expect([303, 400]).toContain(reply.status);
        expect(isAllowedPlace(reply.location), reply.location ?? '').toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it('lets the sign-in forms redirect to the listed hosts (CSP form-action), and nowhere else', async () => {
    const csp = (await client().get('/sign-in')).headers.get('content-security-policy')!;
    expect(csp).toContain("form-action 'self' https://app.example.com:* https://*.apps.example.com:*;");
  });

  it('shares the session cookie with COOKIE_DOMAIN (__Secure-, Domain=) and keeps every other cookie __Host-', async () => {
    const user = await createTestUser(ctx.server.services, { withTotp: true });
    const browser = client();
    const page = await browser.get('/sign-in');
    const password = await browser.post('/sign-in', { email: user.email, password: user.password });
    await browser.get('/sign-in/code');
    const code = await browser.post('/sign-in/code', { code: codeFor(user, ctx.server.clock.now()), remember_device: 'yes' });
    const cookies = [...page.headers.getSetCookie(), ...password.headers.getSetCookie(), ...code.headers.getSetCookie()].filter((c) => !/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c));
    const byName = new Map(cookies.map((c) => [c.split('=')[0]!, c]));
    expect([...byName.keys()].sort()).toEqual(['__Host-twofold_attempt', '__Host-twofold_csrf', '__Host-twofold_device', '__Secure-twofold_session']);
    expect(byName.get('__Secure-twofold_session')).toMatch(/^__Secure-twofold_session=[\w-]{43}; Domain=example\.com; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    for (const name of ['__Host-twofold_attempt', '__Host-twofold_csrf', '__Host-twofold_device']) {
      expect(byName.get(name), name).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      expect(byName.get(name), name).not.toMatch(/Domain=/i);
    }
    // Signing out clears it for the same Domain (or the browser would keep it).
    const out = await browser.post('/sign-out', {});
    expect(out.headers.getSetCookie().find((c) => c.startsWith('__Secure-twofold_session='))).toMatch(/^__Secure-twofold_session=; Max-Age=0; Domain=example\.com; Path=\/; .*Expires=Thu, 01 Jan 1970/);
  });

  it('counts forward-auth answers by endpoint and outcome', async () => {
    const user = await createTestUser(ctx.server.services);
    const browser = await signedIn(user);
    await authRequest(browser);
    await forwardAuth(client());
    const metrics = await (await fetch(`${ctx.server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(metrics).toMatch(/twofold_forward_auth_total\{endpoint="auth_request",outcome="allowed"\} [1-9]/);
    expect(metrics).toMatch(/twofold_forward_auth_total\{endpoint="forward_auth",outcome="refused"\} [1-9]/);
  });
});

describeEachDatabase('forward auth over plain http (local testing)', (database) => {
  const ctx = useTestServer(database, { PUBLIC_URL: 'http://auth.twofold.test:3000', COOKIE_DOMAIN: 'twofold.test', FORWARD_AUTH_DOMAINS: 'app.twofold.test' });

  it('sets the shared session cookie without a prefix or Secure, and takes an http rd', async () => {
    const user = await createTestUser(ctx.server.services);
    const browser = new TestClient(ctx.server.url);
    await browser.get('/sign-in');
    const reply = await browser.post('/sign-in', { email: user.email, password: user.password, rd: 'http://app.twofold.test:8080/x' });
    expect(reply.location).toBe('http://app.twofold.test:8080/x');
    const session = reply.headers.getSetCookie().find((c) => c.startsWith('twofold_session='));
    expect(session).toMatch(/^twofold_session=[\w-]{43}; Domain=twofold\.test; Path=\/; HttpOnly; SameSite=Lax$/);
    expect((await browser.get('/sign-in')).headers.getSetCookie().join()).not.toContain('Domain');
  });
});
