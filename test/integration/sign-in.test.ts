// The whole core loop over real HTTP, once per database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { codeFor, createTestUser, saveRecoveryCodes, signIn, submitPassword } from '../helpers/fixtures.js';
import { findTwoFactor } from '../../src/store/two-factor.js';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';

describeEachDatabase('sign-in', (database) => {
  let server: TestServer;
  let destroy: () => Promise<void>;

  beforeAll(async () => {
    const created = await database.create();
    destroy = created.destroy;
    server = await startTestServer(created.store);
  });
  afterAll(async () => {
    await server.close();
    await destroy();
  });

  it('signs a person without 2FA straight in, and out again', async () => {
    const user = await createTestUser(server.services);
    const client = new TestClient(server.url);
    const reply = await submitPassword(client, user.email, user.password);
    expect(reply.status).toBe(303);
    expect(reply.location).toBe('/');
    const home = await client.get('/');
    expect(home.status).toBe(200);
    expect(home.body).toContain(user.email);
    expect(home.body).toContain('href="/settings/security"');
    const session = await client.get('/api/session');
    expect(JSON.parse(session.body)).toMatchObject({ signedIn: true, user: { email: user.email } });

    const out = await client.post('/sign-out', {});
    expect(out.location).toBe('/sign-in?notice=signed_out');
    expect((await client.get('/')).location).toMatch(/^\/sign-in/);
    expect((await client.get('/api/session')).status).toBe(401);
  });

  it('asks for the authenticator code when 2FA is on, and signs in with it', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    const reply = await submitPassword(client, user.email, user.password);
    expect(reply.location).toBe('/sign-in/code');
    const codePage = await client.get('/sign-in/code');
    expect(codePage.body).toContain('6-digit code');
    const done = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(done.location).toBe('/');
    expect((await client.get('/')).status).toBe(200);
  });

  it('keeps where the person was going through the code step, and records how the session signed in', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    await client.get('/sign-in?next=%2Fsettings%2Fsecurity');
    const reply = await client.post('/sign-in', { email: user.email, password: user.password, next: '/settings/security' });
    expect(reply.location).toBe('/sign-in/code');
    await client.get('/sign-in/code');
    const done = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(done.location).toBe('/settings/security');
    // (turning 2FA on in the fixture made a session of its own, with the password alone)
    const sessions = await server.services.db.selectFrom('sessions').select('amr').where('user_id', '=', user.id).execute();
    expect(sessions.map((s) => s.amr).sort()).toEqual(['pwd', 'pwd otp mfa']);
  });

  it('never carries an off-site next through the code step (open redirect)', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    await client.get('/sign-in');
    await client.post('/sign-in', { email: user.email, password: user.password, next: '//evil.example/phish' });
    await client.get('/sign-in/code');
    const done = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(done.location).toBe('/');
  });

  it('accepts the code as the app shows it, with a space', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    await submitPassword(client, user.email, user.password);
    await client.get('/sign-in/code');
    const code = codeFor(user, server.clock.now());
    const done = await client.post('/sign-in/code', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(done.location).toBe('/');
  });

  it('reaches nothing behind sign-in between the password and the code', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    await submitPassword(client, user.email, user.password);
    for (const path of ['/', '/settings/security', '/settings/two-factor', '/settings/two-factor/app']) {
      const reply = await client.get(path);
      expect(reply.status, path).toBe(303);
      expect(reply.location, path).toMatch(/^\/sign-in/);
    }
    expect((await client.get('/api/session')).status).toBe(401);
    await client.get('/sign-in/code');
    expect((await client.post('/settings/password', { current_password: user.password, new_password: 'x', confirm_password: 'x' })).location).toBe('/sign-in');
  });

  it('gives one message for an unknown email and for a wrong password', async () => {
    const user = await createTestUser(server.services);
    const unknown = await submitPassword(new TestClient(server.url), 'nobody.here@example.com.au', user.password);
    const wrong = await submitPassword(new TestClient(server.url), user.email, 'not the password at all');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(alertText(unknown.body)).toBe(alertText(wrong.body));
    expect(alertText(wrong.body)).toBe('That email and password do not match an account.');
  });

  it('turns 2FA on only after a valid code from the app, then asks for it at sign-in', async () => {
    const user = await createTestUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    const security = await client.get('/settings/security');
    expect(security.body).toContain('Protect my account');
    expect((await client.get('/settings/two-factor')).body).toContain('Recommended');
    const chosen = await client.post('/settings/two-factor', { method: 'totp' });
    expect(chosen.location).toBe('/settings/two-factor/app');
    const setup = await client.get('/settings/two-factor/app');
    expect(setup.body).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,/);
    const secretText = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.body)![1]!;
    const secret = secretFromBase32(secretText.replace(/ /g, ''));
    const qrSvg = Buffer.from(/src="data:image\/svg\+xml;base64,([^"]+)"/.exec(setup.body)![1]!, 'base64').toString();
    expect(qrSvg).toContain('<svg');

    // Reloading keeps the same secret: the person may be halfway through scanning.
    expect((await client.get('/settings/two-factor/app')).body).toContain(secretText);

    const wrong = await client.post('/settings/two-factor/app', { code: '000000' });
    expect(wrong.status).toBe(401);
    expect((await client.get('/api/session')).status).toBe(200);

    const proved = await client.post('/settings/two-factor/app', { code: generateTotpCode({ secret, timeInMs: server.clock.now() }) });
    expect(proved.location).toBe('/settings/recovery-codes');
    // Proved, but not on until the recovery codes are saved.
    expect(await findTwoFactor(server.services.db, user.id)).toBeUndefined();
    const { codes, reply: on } = await saveRecoveryCodes(client);
    expect(codes).toHaveLength(10);
    expect(on.location).toBe('/settings/mobile/backup?notice=two_factor_on');
    const after = await client.get('/settings/security');
    expect(after.body).toContain('Remove the two factor authentication');

    const next = new TestClient(server.url);
    expect((await submitPassword(next, user.email, user.password)).location).toBe('/sign-in/code');
    server.clock.advance(30_000);
    await next.get('/sign-in/code');
    expect((await next.post('/sign-in/code', { code: generateTotpCode({ secret, timeInMs: server.clock.now() }) })).location).toBe('/');
  });

  it('does not let the code that turned 2FA on be used again to sign in', async () => {
    const user = await createTestUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    await client.post('/settings/two-factor', { method: 'totp' }).then(() => client.get('/settings/two-factor/app'));
    const secret = secretFromBase32(/id="totp-secret">([A-Z2-7 ]+)</.exec(client.lastPage)![1]!.replace(/ /g, ''));
    const code = generateTotpCode({ secret, timeInMs: server.clock.now() });
    expect((await client.post('/settings/two-factor/app', { code })).location).toBe('/settings/recovery-codes');
    expect((await saveRecoveryCodes(client)).reply.location).toBe('/settings/mobile/backup?notice=two_factor_on');
    const other = new TestClient(server.url);
    await submitPassword(other, user.email, user.password);
    await other.get('/sign-in/code');
    const replay = await other.post('/sign-in/code', { code });
    expect(replay.status).toBe(401);
    expect(alertText(replay.body)).toContain('already been used');
  });

  it('removes 2FA only with the password, and then signs in without a code', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await signIn(server.url, user, server.clock.now());
    await client.get('/settings/security');
    const refused = await client.post('/settings/two-factor/remove', { password: 'wrong password here' });
    expect(refused.status).toBe(400);
    expect(alertText(refused.body)).toBe('Your current password is not right.');
    const removed = await client.post('/settings/two-factor/remove', { password: user.password });
    expect(removed.location).toBe('/settings/security?notice=two_factor_removed');
    const page = await client.follow(removed);
    expect(page.body).toContain('Protect my account');
    expect(page.body).toContain('Two-factor authentication has been removed');
    expect((await submitPassword(new TestClient(server.url), user.email, user.password)).location).toBe('/');
  });

  it('says on the page how to change device', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await signIn(server.url, user, server.clock.now());
    const page = await client.get('/settings/security');
    expect(page.body).toContain('Changing device? Remove the two factor authentication here, then set it up again on your new device.');
    expect(page.body).toContain('My password and security');
  });

  it('only redirects inside the site after sign-in', async () => {
    const user = await createTestUser(server.services);
    for (const [next, expected] of [
      ['/settings/security', '/settings/security'],
      ['//evil.example/', '/'],
      ['https://evil.example/', '/'],
    ] as const) {
      const client = new TestClient(server.url);
      await client.get('/sign-in');
      const reply = await client.post('/sign-in', { email: user.email, password: user.password, next });
      expect(reply.location).toBe(expected);
    }
  });

  it('answers /healthz and sends security headers', async () => {
    const client = new TestClient(server.url);
    expect(JSON.parse((await client.get('/healthz')).body)).toEqual({ status: 'ok' });
    const page = await client.get('/sign-in');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});
