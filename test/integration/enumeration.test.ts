// Account enumeration: neither the words nor the time of the answer tell whether an email has an account.
import { expect, it, vi } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { type Argon2Operation, watchArgon2 } from '../helpers/argon2.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { createTestUser } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';

/** "$argon2id$v=19$m=19456,t=2,p=1$": what one verify of that hash costs. */
const costOf = (encoded: string) => /^\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$/.exec(encoded)?.[0];

describeEachDatabase('account enumeration', (database) => {
  const ctx = useTestServer(database);

  it('answers an unknown email and a wrong password alike, in words, status and time', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const signIn = async (email: string, password: string) => {
      const client = new TestClient(server.url);
      await client.get('/sign-in');
      return client.post('/sign-in', { email, password });
    };
    // The stand-in hash for unknown emails is made once per process, on first need: not measured here.
    await signIn(`warm-up.${Date.now()}@example.com.au`, 'wrong password');
    server.clock.advance(15 * 60_000);

    // The time of the answer is the argon2id work done for it (~10+ ms; the rest is
    // a page and a few queries). Rather than a stopwatch, which machine load can flip,
    // both paths are checked to do the same work: one verify, against a hash of the same cost.
    const argon2 = watchArgon2(server.services.hasher);
    const verify = vi.spyOn(server.services.hasher, 'verify');
    try {
      const work: Record<'known' | 'unknown', { operations: Argon2Operation[]; cost: string | undefined }[]> = { known: [], unknown: [] };
      const messages = new Set<string | undefined>();
      for (let i = 0; i < 4; i++) {
        for (const [kind, email] of [['known', user.email], ['unknown', `ghost${i}.${Date.now()}@example.com.au`]] as const) {
          verify.mockClear();
          argon2.take();
          const reply = await signIn(email, `wrong password ${i}`);
          expect(reply.status).toBe(401);
          messages.add(alertText(reply.body));
          work[kind].push({ operations: argon2.take(), cost: costOf(String(verify.mock.calls[0]?.[0])) });
        }
        server.clock.advance(15 * 60_000); // keep clear of the per-email throttle
      }
      expect(messages).toEqual(new Set(['That email and password do not match an account.']));
      const oneVerifyAtTodaysCost = { operations: ['verify'], cost: '$argon2id$v=19$m=19456,t=2,p=1$' };
      expect(work.known).toEqual(Array(4).fill(oneVerifyAtTodaysCost));
      expect(work.unknown).toEqual(Array(4).fill(oneVerifyAtTodaysCost));
    } finally {
      verify.mockRestore();
      argon2.stop();
    }
  });
});
