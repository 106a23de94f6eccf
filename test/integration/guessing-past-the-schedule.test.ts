// Brute force that does not stop at the schedule's last pause: every wrong code in a row is
// counted in the database, and each count pauses the code step exactly as the domain's rule
// says (codeLockDurationInMs), up to the 24-hour pause at every 10th wrong code after that.
// A bracket missing from the SQL once let the pauses end at the 70th.
import { expect, it } from 'vitest';
import { codeLockDurationInMs, codeLockSchedule } from '../../src/domain/limits.js';
import { findUserById, reserveCodeGuess } from '../../src/store/users.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { TestClock } from '../helpers/clock.js';
import { createTestUser } from '../helpers/fixtures.js';
import { testServices } from '../helpers/server.js';

describeEachDatabase('a guesser who keeps going past the last step of the pause schedule', (database) => {
  it('is paused at every count the rule names, for as long as it says, through 150 wrong codes', async () => {
    const created = await database.create();
    try {
      const services = testServices(created.store, new TestClock());
      const user = await createTestUser(services, { withTotp: true });
      const schedule = codeLockSchedule();
      let nowMs = Date.now();
      for (let count = 1; count <= 150; count++) {
        expect(await reserveCodeGuess(created.store.db, user.id, nowMs), `wrong code ${count} is counted`).toBe(count);
        const lockedUntil = (await findUserById(created.store.db, user.id))!.code_locked_until;
        const pauseInMs = codeLockDurationInMs(count);
        if (pauseInMs === 0) continue;
        expect(lockedUntil, `wrong code ${count} pauses the code step for ${pauseInMs} ms`).toBe(nowMs + pauseInMs);
        // During the pause nothing more is counted; once it has passed, guessing goes on.
        expect(await reserveCodeGuess(created.store.db, user.id, nowMs + pauseInMs - 1)).toBeNull();
        nowMs += pauseInMs;
      }
      expect(codeLockDurationInMs(150)).toBe(schedule.longestInMs);
    } finally {
      await created.destroy();
    }
  });
});
