// Account enumeration: neither the words nor the time of the answer tell whether an email has an account.
import { expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { createTestUser } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describeEachDatabase('account enumeration', (database) => {
  const ctx = useTestServer(database);

  it('answers an unknown email and a wrong password alike, in words, status and time', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const known: number[] = [];
    const unknown: number[] = [];
    const messages = new Set<string | undefined>();
    for (let i = 0; i < 8; i++) {
      // Alternate, so machine noise falls on both sides alike.
      for (const [email, times] of [[user.email, known], [`ghost${i}.${Date.now()}@example.com.au`, unknown]] as const) {
        const client = new TestClient(server.url);
        await client.get('/sign-in');
        const started = performance.now();
        const reply = await client.post('/sign-in', { email, password: `wrong password ${i}` });
        times.push(performance.now() - started);
        expect(reply.status).toBe(401);
        messages.add(alertText(reply.body));
      }
      server.clock.advance(15 * 60_000); // keep clear of the per-email throttle
    }
    expect(messages.size).toBe(1);
    // Both paths run one argon2id verification (~10+ ms); without the dummy verify the
    // unknown-email path would take about a millisecond.
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });
});
