// Bad input: whatever arrives, the answer is a clear page, never a 500 or a stack
// trace, and nothing is written.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { watchArgon2 } from '../helpers/argon2.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { createTestUser, signIn, submitPassword } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { findUserById } from '../../src/store/users.js';
import { findTwoFactor } from '../../src/store/two-factor.js';

const FIELDS = ['email', 'password', 'code', 'current_password', 'new_password', 'confirm_password', 'method', 'next', 'token', 'org_name', 'name'];
const hostileValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '１２３４５６', '<script>alert(1)</script>', "' or 1=1 --", '../../etc/passwd', '\u0000', '%00', 'a'.repeat(5000), '__proto__', 'constructor'),
  fc.array(fc.string(), { minLength: 2, maxLength: 3 }),
);
const hostileForm = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.constantFrom('__proto__', 'constructor', 'toString'), fc.string()), hostileValue, { maxKeys: 6 });

describeEachDatabase('hostile input', (database) => {
  const ctx = useTestServer(database);

  it('answers any form on any route with a page below 500, and never a stack trace', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const signedIn = await signIn(server.url, user, server.clock.now());
    const halfway = new TestClient(server.url);
    await submitPassword(halfway, user.email, user.password);
    await halfway.get('/sign-in/code');
    const routes = ['/sign-in', '/sign-in/code', '/sign-out', '/settings/password', '/settings/two-factor', '/settings/two-factor/app', '/setup'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), hostileForm, fc.constantFrom(signedIn, halfway), async (route, form, client) => {
        const reply = await client.post(route, form as Record<string, string | string[]>);
        expect(reply.status, `${route} ${JSON.stringify(form).slice(0, 200)}`).toBeLessThan(500);
        expect(reply.body).not.toMatch(/at .+\.(ts|js):\d+|TypeError|ReferenceError|SQLITE_|syntax error/);
      }),
      { numRuns: 150 },
    );
    // The account is as it was: still signed in, same password, 2FA still on.
    expect((await findUserById(server.services.db, user.id))!.email).toBe(user.email);
    expect(await findTwoFactor(server.services.db, user.id)).toBeDefined();
    expect((await submitPassword(new TestClient(server.url), user.email, user.password)).location).toBe('/sign-in/code');
  });

  it('refuses oversized bodies, other content types and hostile query strings cleanly', async () => {
    const { server } = ctx;
    const client = new TestClient(server.url);
    await client.get('/sign-in');
    const huge = await client.post('/sign-in', { email: 'a@b.co', password: 'x'.repeat(64 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body).toContain('That form was too large to accept.');
    const json = await client.sendRaw('POST', '/sign-in', '{"email":', 'application/json');
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.status).toBeLessThan(500);
    const xml = await client.sendRaw('POST', '/sign-in', '<a/>', 'application/xml');
    expect(xml.status).toBe(415);
    for (const path of ['/sign-in?next[]=x&next[]=y', '/setup?token[]=a', '/setup?token=' + 'A'.repeat(43), '/%E0%A4%A', '/sign-in?notice=__proto__']) {
      const reply = await client.get(path);
      expect(reply.status, path).toBeLessThan(500);
    }
  });

  it('refuses a password over 128 characters before hashing it (no argon2 time for the attacker to choose)', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const argon2 = watchArgon2(server.services.hasher);
    try {
      // 129 characters: refused as any wrong password is, without a single hash or verify.
      const tooLong = await submitPassword(new TestClient(server.url), user.email, 'x'.repeat(129));
      expect(tooLong.status).toBe(401);
      expect(alertText(tooLong.body)).toBe('That email and password do not match an account.');
      expect(argon2.take(), 'argon2 work for a 129-character password').toEqual([]);
      // 128 characters is an ordinary wrong password: verified, once.
      const longest = await submitPassword(new TestClient(server.url), user.email, 'x'.repeat(128));
      expect(longest.status).toBe(401);
      expect(alertText(longest.body)).toBe(alertText(tooLong.body));
      expect(argon2.take(), 'argon2 work for a 128-character password').toEqual(['verify']);
    } finally {
      argon2.stop();
    }
  });

  it('escapes what people type when it is shown back', async () => {
    const { server } = ctx;
    const client = new TestClient(server.url);
    await client.get('/sign-in');
    const reply = await client.post('/sign-in', { email: '"><script>alert(1)</script>@x.co', password: 'whatever it is' });
    expect(reply.body).not.toContain('<script>alert(1)</script>');
    expect(reply.body).toContain('value="&quot;>&lt;script>alert(1)&lt;/script>@x.co"');
  });
});
