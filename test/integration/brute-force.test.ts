// Brute force: guessing codes or passwords is bounded, and the bounds live in the
// database, so they hold across browsers, attempts and processes.
import { expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { clientAtCodeStep, codeFor, createTestUser, submitPassword } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { findUserById } from '../../src/store/users.js';
import { formatSydneyTime } from '../../src/domain/time.js';

describeEachDatabase('brute force', (database) => {
  const ctx = useTestServer(database);


  it('allows 5 wrong codes per sign-in attempt, then requires the password again', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await clientAtCodeStep(ctx.server.url, user);
    for (let i = 1; i <= 4; i++) {
      const reply = await client.post('/sign-in/code', { code: '000000' });
      expect(reply.status).toBe(401);
      expect(alertText(reply.body)).toContain('That code is not right');
      expect(reply.body).toContain(`${5 - i} ${5 - i === 1 ? 'try' : 'tries'} left`);
    }
    const fifth = await client.post('/sign-in/code', { code: '000000' });
    expect(alertText(fifth.body)).toBe('Too many wrong codes. Please enter your email and password again.');
    // Even the right code does nothing now: the attempt is over.
    const right = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(right.status).toBe(401);
    expect(alertText(right.body)).toContain('Your sign-in has expired');
    expect((await client.get('/sign-in/code')).location).toBe('/sign-in');
  });

  it('bounds parallel guesses on one attempt to 5 checks', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await clientAtCodeStep(ctx.server.url, user);
    const replies = await Promise.all(Array.from({ length: 12 }, () => client.post('/sign-in/code', { code: '000000' })));
    expect(replies.every((r) => r.status === 401)).toBe(true);
    const row = await findUserById(server.services.db, user.id);
    expect(row!.code_failures).toBe(5);
  });

  it('locks the code step for the account after 10 consecutive failures, across attempts', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    for (const browser of [1, 2]) {
      const client = await clientAtCodeStep(ctx.server.url, user);
      for (let i = 0; i < 5; i++) expect((await client.post('/sign-in/code', { code: '000000' })).status).toBe(401);
      // The count is the account's, not the attempt's: a new attempt carries it on, and only the 10th locks.
      const row = (await findUserById(server.services.db, user.id))!;
      expect(row.code_failures, `wrong codes counted after browser ${browser}`).toBe(5 * browser);
      expect(row.code_locked_until !== null, `locked after ${5 * browser} wrong codes`).toBe(browser === 2);
    }
    const client = await clientAtCodeStep(ctx.server.url, user);
    const locked = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(locked.status).toBe(429);
    const lockedUntil = (await findUserById(server.services.db, user.id))!.code_locked_until!;
    expect(alertText(locked.body)).toBe(`Too many wrong codes for this account. Code entry is paused for 15 minutes, until ${formatSydneyTime(lockedUntil)}.`);

    server.clock.advance(15 * 60_000 + 1000);
    const later = await clientAtCodeStep(ctx.server.url, user);
    expect((await later.post('/sign-in/code', { code: codeFor(user, server.clock.now()) })).location).toBe('/');
    expect((await findUserById(server.services.db, user.id))!.code_failures).toBe(0);
  });

  it('refuses an 11th password try for one email within 15 minutes, even the right one', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    for (let i = 0; i < 10; i++) expect((await submitPassword(new TestClient(server.url), user.email, `wrong password ${i}`)).status).toBe(401);
    const blocked = await submitPassword(new TestClient(server.url), user.email, user.password);
    expect(blocked.status).toBe(429);
    expect(alertText(blocked.body)).toMatch(/^Too many sign-in attempts for this email\. Please wait \d+ minutes/);
    server.clock.advance(15 * 60_000);
    expect((await submitPassword(new TestClient(server.url), user.email, user.password)).location).toBe('/');
  });

  it('throttles an email with no account the same way (nothing to tell them apart)', async () => {
    const { server } = ctx;
    const email = `nobody.${Date.now()}@example.com.au`;
    for (let i = 0; i < 10; i++) await submitPassword(new TestClient(server.url), email, `wrong password ${i}`);
    expect((await submitPassword(new TestClient(server.url), email, 'another wrong one')).status).toBe(429);
  });
});
