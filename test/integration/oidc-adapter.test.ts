// The OpenID Provider's storage, below the provider: what the adapter promises it,
// once per database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/services/context.js';
import { createProviderAdapter, interactionStartedAt } from '../../src/services/oidc/adapter.js';
import { deleteOidcPayloadsOfAccount } from '../../src/store/oidc-payloads.js';
import { purgeExpiredRecords } from '../../src/services/maintenance.js';
import { TestClock } from '../helpers/clock.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { testServices } from '../helpers/server.js';

describeEachDatabase('OpenID provider storage', (database) => {
  let services: ServiceContext;
  let clock: TestClock;
  let destroy: () => Promise<void>;

  beforeAll(async () => {
    const created = await database.create();
    destroy = created.destroy;
    clock = new TestClock();
    services = testServices(created.store, clock);
  });
  afterAll(async () => destroy());

  it('keeps a payload until it expires, on the service clock', async () => {
    const codes = createProviderAdapter(services, 'AuthorizationCode');
    await codes.upsert('code-1', { grantId: 'grant-1', accountId: 'user-1', clientId: 'app-1', scope: 'openid' }, 60);
    expect(await codes.find('code-1')).toMatchObject({ grantId: 'grant-1', scope: 'openid' });
    clock.advance(61_000);
    expect(await codes.find('code-1')).toBeUndefined();
    // The housekeeping that runs on every node deletes it.
    await purgeExpiredRecords(services);
    expect(await services.db.selectFrom('oidc_payloads').select('id').where('id', '=', 'code-1').execute()).toEqual([]);
  });

  it('spends a code once however many exchanges race for it (parallel code replay)', async () => {
    const codes = createProviderAdapter(services, 'AuthorizationCode');
    const tokens = createProviderAdapter(services, 'AccessToken');
    await codes.upsert('code-race', { grantId: 'grant-race', accountId: 'user-1' }, 60);
    await tokens.upsert('token-of-grant', { grantId: 'grant-race', accountId: 'user-1' }, 600);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => codes.consume('code-race')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(7);
    // A losing exchange is a replay: the grant's tokens are revoked with it.
    expect(await tokens.find('token-of-grant')).toBeUndefined();
    expect(await codes.find('code-race')).toBeUndefined();
  });

  it('revokes everything of one grant and nothing of another', async () => {
    const tokens = createProviderAdapter(services, 'RefreshToken');
    await tokens.upsert('rt-a', { grantId: 'grant-a', accountId: 'user-a' }, 600);
    await tokens.upsert('rt-b', { grantId: 'grant-b', accountId: 'user-a' }, 600);
    await tokens.revokeByGrantId('grant-a');
    expect(await tokens.find('rt-a')).toBeUndefined();
    expect(await tokens.find('rt-b')).toBeDefined();
  });

  it('ends every app session, grant and token of one person, not another', async () => {
    const sessions = createProviderAdapter(services, 'Session');
    const grants = createProviderAdapter(services, 'Grant');
    const tokens = createProviderAdapter(services, 'AccessToken');
    await sessions.upsert('s-mine', { uid: 'uid-mine', accountId: 'me' }, 600);
    await grants.upsert('g-mine', { accountId: 'me', clientId: 'app' }, 600);
    await tokens.upsert('t-mine', { grantId: 'g-mine' }, 600);
    await sessions.upsert('s-theirs', { uid: 'uid-theirs', accountId: 'them' }, 600);
    await deleteOidcPayloadsOfAccount(services.db, 'me');
    expect(await sessions.findByUid('uid-mine')).toBeUndefined();
    expect(await grants.find('g-mine')).toBeUndefined();
    expect(await tokens.find('t-mine')).toBeUndefined();
    expect(await sessions.findByUid('uid-theirs')).toBeDefined();
  });

  it('remembers when an interaction began, across saves', async () => {
    const interactions = createProviderAdapter(services, 'Interaction');
    const began = clock.now();
    await interactions.upsert('int-1', { uid: 'int-1' }, 600);
    clock.advance(5_000);
    await interactions.upsert('int-1', { uid: 'int-1', result: {} }, 600);
    expect(await interactionStartedAt(services, 'int-1')).toBe(began);
  });
});
