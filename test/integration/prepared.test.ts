// Statements compiled once with stand-ins for their arguments (src/store/prepared.ts): the
// same answers as Kysely building them each time, in and out of a transaction, and a
// builder that uses an argument to choose its SQL is refused at once, not run wrong later.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { prepared } from '../../src/store/prepared.js';
import { inTransaction } from '../../src/services/transaction.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { TestClock } from '../helpers/clock.js';
import { createTestUser } from '../helpers/fixtures.js';
import { testServices } from '../helpers/server.js';

const userByEmail = prepared((db, email: string) => db.selectFrom('users').select(['id', 'email']).where('email', '=', email));

describeEachDatabase('prepared statements', (database) => {
  let created: Awaited<ReturnType<typeof database.create>>;
  beforeAll(async () => {
    created = await database.create();
  });
  afterAll(async () => created?.destroy());

  it('put each call’s own values in place, inside a transaction and outside it', async () => {
    const services = testServices(created.store, new TestClock());
    const [first, second] = [await createTestUser(services), await createTestUser(services)];
    expect((await userByEmail(created.store.db, first.email)).rows).toEqual([{ id: first.id, email: first.email }]);
    expect((await userByEmail(created.store.db, second.email)).rows).toEqual([{ id: second.id, email: second.email }]);
    await inTransaction(services, async (tx) => expect((await userByEmail(tx.db, first.email)).rows[0]?.id).toBe(first.id));
    expect((await userByEmail(created.store.db, 'nobody@example.com')).rows).toEqual([]);
  });

  it('refuses a builder that uses an argument to choose its SQL', async () => {
    const choosing = prepared((db, byEmail: boolean, value: string) => db.selectFrom('users').select('id').where(byEmail ? 'email' : 'id', '=', value));
    await expect(choosing(created.store.db, true, 'x@example.com')).rejects.toThrow(/argument 0 is not used as a value/);
    const arithmetic = prepared((db, nowMs: number) => db.selectFrom('users').select('id').where('created_at', '<', nowMs + 1));
    await expect(arithmetic(created.store.db, 5)).rejects.toThrow(/argument 0 is not used as a value/);
  });
});
