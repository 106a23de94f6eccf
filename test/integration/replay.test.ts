// Replay: a TOTP code that got someone in once never gets anyone in again,
// including when copies of it race each other.
import { expect, it } from 'vitest';
import { alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { clientAtCodeStep, codeFor, createTestUser } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { claimTotpStep } from '../../src/store/two-factor.js';
import { totpStepAt } from '../../src/domain/totp.js';

describeEachDatabase('TOTP replay', (database) => {
  const ctx = useTestServer(database);


  it('refuses a code that was already accepted, from another browser', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const code = codeFor(user, server.clock.now());
    const first = await clientAtCodeStep(ctx.server.url, user);
    expect((await first.post('/sign-in/code', { code })).location).toBe('/');
    const second = await clientAtCodeStep(ctx.server.url, user);
    const replay = await second.post('/sign-in/code', { code });
    expect(replay.status).toBe(401);
    expect(alertText(replay.body)).toBe('That code has already been used. Wait for the next code in your authenticator app.');
    expect((await second.get('/api/session')).status).toBe(401);
  });

  it('refuses an older code once a newer one was used', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const older = codeFor(user, server.clock.now() - 30_000);
    const first = await clientAtCodeStep(ctx.server.url, user);
    expect((await first.post('/sign-in/code', { code: codeFor(user, server.clock.now()) })).location).toBe('/');
    const second = await clientAtCodeStep(ctx.server.url, user);
    expect((await second.post('/sign-in/code', { code: older })).status).toBe(401);
  });

  it('lets exactly one of many parallel requests with the same valid code in', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const clients = await Promise.all(Array.from({ length: 8 }, () => clientAtCodeStep(ctx.server.url, user)));
    const code = codeFor(user, server.clock.now());
    const replies = await Promise.all(clients.map((client) => client.post('/sign-in/code', { code })));
    expect(replies.filter((r) => r.location === '/')).toHaveLength(1);
    expect(replies.filter((r) => r.status === 401)).toHaveLength(7);
  });

  it('claims a step for exactly one of many concurrent database updates', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const step = totpStepAt(server.clock.now()) + 1;
    const results = await Promise.all(Array.from({ length: 20 }, () => claimTotpStep(server.services.db, user.id, step)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
