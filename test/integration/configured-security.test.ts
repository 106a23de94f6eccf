// Rules that depend on configuration or live below the pages: secrets at rest,
// argon2 rehashing, HTTPS-only cookies, configured session lifetimes, retention.
import { expect, it } from 'vitest';
import { PasswordHasher } from '../../src/crypto/password-hash.js';
import { secretToBase32 } from '../../src/domain/totp.js';
import { purgeExpiredRecords } from '../../src/services/maintenance.js';
import { openTotpSecret } from '../../src/services/two-factor.js';
import { appendSecurityEvent } from '../../src/store/security-events.js';
import { findUserById } from '../../src/store/users.js';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { createTestUser, signIn, submitPassword } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';

describeEachDatabase('secrets and hashes at rest', (database) => {
  const ctx = useTestServer(database);

  it('stores the TOTP secret encrypted, never as the key the app was given', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const row = await server.services.db.selectFrom('two_factor').select('totp_secret').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.totp_secret).toMatch(/^v1\./);
    expect(row.totp_secret).not.toContain(secretToBase32(user.secret!));
    expect(row.totp_secret).not.toContain(Buffer.from(user.secret!).toString('base64url'));
    // It opens, with the server's key, to the secret the app holds, and only as this user's:
    // a sealed secret copied onto another person's row does not decrypt.
    expect(openTotpSecret(server.services, user.id, row.totp_secret!)).toEqual(user.secret);
    const other = await createTestUser(server.services);
    expect(() => openTotpSecret(server.services, other.id, row.totp_secret!)).toThrow();
  });

  it('rehashes a password made with older argon2 parameters at the next sign-in', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const weak = await new PasswordHasher({ memoryCostInKiB: 8192, timeCost: 1, parallelism: 1 }).hash(user.password);
    await server.services.db.updateTable('users').set({ password_hash: weak }).where('id', '=', user.id).execute();
    expect((await submitPassword(new TestClient(server.url), user.email, user.password)).location).toBe('/');
    const stored = (await findUserById(server.services.db, user.id))!.password_hash!;
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await submitPassword(new TestClient(server.url), user.email, user.password)).location).toBe('/');
  });

  it('deletes security activity older than the retention period, and only that', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const now = server.clock.now();
    await appendSecurityEvent(server.services.db, { type: 'signed_in', userId: user.id, atMs: now - 401 * 86_400_000 });
    await appendSecurityEvent(server.services.db, { type: 'signed_in', userId: user.id, atMs: now - 399 * 86_400_000 });
    await purgeExpiredRecords(server.services, { activityRetentionDays: 400 });
    const left = await server.services.db.selectFrom('security_events').select('created_at').where('user_id', '=', user.id).where('type', '=', 'signed_in').execute();
    expect(left.map((e) => e.created_at)).toEqual([now - 399 * 86_400_000]);
  });
});

describeEachDatabase('served over HTTPS', (database) => {
  const ctx = useTestServer(database, { PUBLIC_URL: 'https://signin.twofold.example' });

  it('marks every cookie Secure with the __Host- prefix and sends HSTS', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const client = new TestClient(server.url, { headers: { origin: 'https://signin.twofold.example' } });
    const page = await client.get('/sign-in');
    expect(page.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const reply = await client.post('/sign-in', { email: user.email, password: user.password });
    const cookies = [...page.headers.getSetCookie(), ...reply.headers.getSetCookie()];
    expect(cookies.length).toBeGreaterThanOrEqual(2);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/^__Host-twofold_/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; Path=\//);
    }
  });
});

describeEachDatabase('configured session lifetime', (database) => {
  const ctx = useTestServer(database, { SESSION_IDLE_MINUTES: '5', SESSION_ABSOLUTE_HOURS: '1' });

  it('follows SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const idle = await signIn(server.url, user, server.clock.now());
    server.clock.advance(4 * 60_000);
    expect((await idle.get('/api/session')).status).toBe(200);
    server.clock.advance(5 * 60_000);
    expect((await idle.get('/api/session')).status).toBe(401);

    const busy = await signIn(server.url, user, server.clock.now());
    for (let minutes = 4; minutes < 60; minutes += 4) {
      server.clock.advance(4 * 60_000);
      expect((await busy.get('/api/session')).status, `after ${minutes} minutes`).toBe(200);
    }
    server.clock.advance(4 * 60_000);
    expect((await busy.get('/api/session')).status).toBe(401);
  });
});
