// Side effects wait for the commit: the email worker is woken only once the notice it
// must send is visible to every connection (on PostgreSQL, a worker woken inside the
// transaction would look, find nothing, and sleep until its next timer).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/services/context.js';
import { changePassword } from '../../src/services/passwords.js';
import { removeTwoFactor } from '../../src/services/two-factor.js';
import { type Store, openStore } from '../../src/store/db.js';
import { TestClock } from '../helpers/clock.js';
import { type TestDatabase, describeEachDatabase } from '../helpers/databases.js';
import { createTestUser } from '../helpers/fixtures.js';
import { testServices } from '../helpers/server.js';

describeEachDatabase('effects after the commit', (database: TestDatabase) => {
  let created: Awaited<ReturnType<TestDatabase['create']>>;
  let otherConnection: Store;
  beforeAll(async () => {
    created = await database.create();
    otherConnection = openStore(created.url);
  });
  afterAll(async () => {
    await otherConnection?.close();
    await created?.destroy();
  });

  /** Services whose email kick counts, from another connection, the notices it can see. */
  function servicesSeeingFromOutside(email: string): { services: ServiceContext; seenAtKick: Promise<number>[] } {
    const seenAtKick: Promise<number>[] = [];
    const services: ServiceContext = {
      ...testServices(created.store, new TestClock()),
      onEmailQueued: () => {
        seenAtKick.push(
          otherConnection.db
            .selectFrom('email_queue')
            .select('id')
            .where('to_address', '=', email)
            .where('kind', 'like', 'notice:%')
            .execute()
            .then((rows) => rows.length),
        );
      },
    };
    return { services, seenAtKick };
  }

  it('wakes the email worker for "2FA removed" only once the notice is committed', async () => {
    const base = testServices(created.store, new TestClock());
    const user = await createTestUser(base, { withTotp: true });
    const before = (await otherConnection.db.selectFrom('email_queue').select('id').where('to_address', '=', user.email).execute()).length;
    const { services, seenAtKick } = servicesSeeingFromOutside(user.email);
    await removeTwoFactor(services, user.id, user.password, { ip: '127.0.0.1', userAgent: 'test' });
    expect(seenAtKick).toHaveLength(1);
    expect(await seenAtKick[0]!).toBe(before + 1);
  });

  it('wakes it for "password changed" only once that notice is committed too', async () => {
    const base = testServices(created.store, new TestClock());
    const user = await createTestUser(base);
    const { services, seenAtKick } = servicesSeeingFromOutside(user.email);
    await changePassword(services, user.id, { currentPassword: user.password, newPassword: 'another lovely long passphrase', confirmation: 'another lovely long passphrase' }, { ip: '127.0.0.1', userAgent: 'test' });
    expect(seenAtKick).toHaveLength(1);
    expect(await seenAtKick[0]!).toBe(1);
  });
});
