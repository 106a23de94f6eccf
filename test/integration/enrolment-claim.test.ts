// The race behind "only the session shown a secret turns it on": between reading the
// pending enrolment and claiming it, another session may replace it with its own secret.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimTotpEnrollment, findTotpEnrollment, upsertTotpEnrollment } from '../../src/store/two-factor.js';
import { TestClock } from '../helpers/clock.js';
import { type TestDatabase, describeEachDatabase } from '../helpers/databases.js';
import { createTestUser } from '../helpers/fixtures.js';
import { testServices } from '../helpers/server.js';

describeEachDatabase('claiming a pending authenticator enrolment', (database: TestDatabase) => {
  let created: Awaited<ReturnType<TestDatabase['create']>>;
  beforeAll(async () => {
    created = await database.create();
  });
  afterAll(async () => created?.destroy());

  it("claims only the enrolment of the session that read it, not one another session put in its place", async () => {
    const services = testServices(created.store, new TestClock());
    const user = await createTestUser(services);
    const row = { user_id: user.id, totp_secret: 'sealed-secret-of-the-thief', created_at: 1, expires_at: Date.now() + 60_000 };
    await upsertTotpEnrollment(services.db, { ...row, session_id: 'session-of-the-thief' });
    expect(await claimTotpEnrollment(services.db, user.id, 'session-of-the-owner')).toBe(false);
    expect(await findTotpEnrollment(services.db, user.id)).toBeDefined();
    expect(await claimTotpEnrollment(services.db, user.id, 'session-of-the-thief')).toBe(true);
    expect(await findTotpEnrollment(services.db, user.id)).toBeUndefined();
    // Made outside any session (fixtures, tools): claimed by the same "no session".
    await upsertTotpEnrollment(services.db, { ...row, session_id: null });
    expect(await claimTotpEnrollment(services.db, user.id, 'some-session')).toBe(false);
    expect(await claimTotpEnrollment(services.db, user.id, null)).toBe(true);
  });
});
