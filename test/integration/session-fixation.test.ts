// Session fixation and the half-signed-in state: a token is issued fresh at every
// privilege change, and the state between password and code belongs to one user
// in one browser.
import { expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { codeFor, createTestUser, signIn, submitPassword } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { generateToken } from '../../src/crypto/tokens.js';

describeEachDatabase('session fixation', (database) => {
  const ctx = useTestServer(database);

  it('never adopts a session token the browser arrived with', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = new TestClient(server.url);
    const planted = generateToken();
    client.cookies.set('twofold_session', planted);
    await submitPassword(client, user.email, user.password);
    expect(client.cookies.get('twofold_session')).toBeDefined();
    expect(client.cookies.get('twofold_session')).not.toBe(planted);
    const attacker = new TestClient(server.url);
    attacker.cookies.set('twofold_session', planted);
    expect((await attacker.get('/api/session')).status).toBe(401);
  });

  it('issues a new token at the password step and another at the code step', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    await submitPassword(client, user.email, user.password);
    const attemptToken = client.cookies.get('twofold_attempt');
    expect(attemptToken).toBeDefined();
    expect(client.cookies.get('twofold_session')).toBeUndefined();
    await client.get('/sign-in/code');
    await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    const sessionToken = client.cookies.get('twofold_session');
    expect(sessionToken).toBeDefined();
    expect(sessionToken).not.toBe(attemptToken);
    expect(client.cookies.has('twofold_attempt')).toBe(false);
    // The attempt token is spent: it is not a session, and cannot be used again.
    const thief = new TestClient(server.url);
    thief.cookies.set('twofold_session', attemptToken!);
    expect((await thief.get('/api/session')).status).toBe(401);
    thief.cookies.delete('twofold_session');
    thief.cookies.set('twofold_attempt', attemptToken!);
    expect((await thief.get('/sign-in/code')).location).toBe('/sign-in');
  });

  it('binds the code step to the user who passed the password step', async () => {
    const { server } = ctx;
    const alice = await createTestUser(server.services, { withTotp: true });
    const mallory = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    await submitPassword(client, mallory.email, mallory.password);
    await client.get('/sign-in/code');
    // Whatever the form says, the attempt is Mallory's: Alice's code does nothing, extra fields are ignored.
    const reply = await client.post('/sign-in/code', { code: codeFor(alice, server.clock.now()), email: alice.email, user_id: alice.id });
    expect(reply.status).toBe(401);
    const own = await client.post('/sign-in/code', { code: codeFor(mallory, server.clock.now()), email: alice.email });
    expect(own.location).toBe('/');
    expect(JSON.parse((await client.get('/api/session')).body).user.email).toBe(mallory.email);
  });

  it('lets the half-way state expire after 10 minutes', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    await submitPassword(client, user.email, user.password);
    await client.get('/sign-in/code');
    server.clock.advance(10 * 60_000);
    const reply = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(reply.status).toBe(401);
    expect(reply.body).toContain('Your sign-in has expired');
  });

  it('ends the session server-side at sign-out: the old cookie is worthless', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    const token = client.cookies.get('twofold_session')!;
    await client.get('/');
    await client.post('/sign-out', {});
    const replayed = new TestClient(server.url);
    replayed.cookies.set('twofold_session', token);
    expect((await replayed.get('/api/session')).status).toBe(401);
  });

  it('expires sessions after 30 idle minutes and after 12 hours however busy', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const idle = await signIn(server.url, user, server.clock.now());
    server.clock.advance(29 * 60_000);
    expect((await idle.get('/api/session')).status).toBe(200);
    server.clock.advance(29 * 60_000);
    expect((await idle.get('/api/session')).status).toBe(200);
    server.clock.advance(30 * 60_000);
    expect((await idle.get('/api/session')).status).toBe(401);

    const busy = await signIn(server.url, user, server.clock.now());
    for (let hour = 0; hour < 12; hour++) {
      for (let i = 0; i < 3; i++) {
        server.clock.advance(20 * 60_000);
        const status = (await busy.get('/api/session')).status;
        if (hour < 11 || i < 2) expect(status).toBe(200);
        else expect(status).toBe(401);
      }
    }
  });

  it('ends every other session when the password changes or 2FA is removed', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const laptop = await signIn(server.url, user, server.clock.now());
    server.clock.advance(30_000);
    const phone = await signIn(server.url, user, server.clock.now());
    await laptop.get('/settings/security');
    const removed = await laptop.post('/settings/two-factor/remove', { password: user.password });
    expect(removed.location).toBe('/settings/security?notice=two_factor_removed');
    expect((await laptop.get('/api/session')).status).toBe(200);
    expect((await phone.get('/api/session')).status).toBe(401);

    const tablet = await signIn(server.url, user, server.clock.now());
    await laptop.get('/settings/security');
    const newPassword = 'a whole new passphrase for pat';
    const changed = await laptop.post('/settings/password', { current_password: user.password, new_password: newPassword, confirm_password: newPassword });
    expect(changed.location).toBe('/settings/security?notice=password_changed');
    expect((await laptop.get('/api/session')).status).toBe(200);
    expect((await tablet.get('/api/session')).status).toBe(401);
    expect((await submitPassword(new TestClient(server.url), user.email, user.password)).status).toBe(401);
    expect((await submitPassword(new TestClient(server.url), user.email, newPassword)).location).toBe('/');
  });

  it('refuses a weak or mismatched new password and keeps the old one', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = await signIn(server.url, user, server.clock.now());
    await client.get('/settings/security');
    const cases: Array<[string, string, string, string]> = [
      [user.password, 'short', 'short', 'Use at least 12 characters for your password.'],
      [user.password, 'password1234', 'password1234', 'That password is too easy to guess. Try a longer phrase of unrelated words.'],
      [user.password, 'a fine long passphrase', 'a different passphrase', 'The two new passwords are not the same.'],
      ['not my password at all', 'a fine long passphrase', 'a fine long passphrase', 'Your current password is not right.'],
    ];
    for (const [current, next, confirm, message] of cases) {
      const reply = await client.post('/settings/password', { current_password: current, new_password: next, confirm_password: confirm });
      expect(reply.status).toBe(400);
      expect(reply.body).toContain(message);
    }
    expect((await submitPassword(new TestClient(server.url), user.email, user.password)).location).toBe('/');
  });
});
