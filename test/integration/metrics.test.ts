// Prometheus metrics: present only with METRICS_TOKEN, readable only with it.
import { expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { createSmsUser, createTestUser, signIn, submitPassword } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';

const TOKEN = 'metrics-token-0123456789abcdef';

describeEachDatabase('metrics', (database) => {
  const ctx = useTestServer(database, { METRICS_TOKEN: TOKEN });

  it('counts sign-ins and code checks by outcome and times requests, for the bearer of the token only', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    await submitPassword(new TestClient(server.url), user.email, 'wrong password entirely');
    await signIn(server.url, user, server.clock.now());
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/twofold_sign_ins_total\{step="password",outcome="invalid_credentials"\} 1/);
    expect(text).toMatch(/twofold_sign_ins_total\{step="password",outcome="code_required"\} 1/);
    expect(text).toMatch(/twofold_code_checks_total\{outcome="accepted"\} 1/);
    expect(text).toMatch(/twofold_http_request_duration_seconds_count\{method="POST",route="\/sign-in",status="303"\} \d+/);
    // Two password checks through the web (the wrong one and the right one), at least.
    expect(Number(/twofold_password_hash_duration_seconds_count\{operation="verify"\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
  });

  it('counts text messages by provider and outcome', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { smsTwoFactor: true });
    await submitPassword(new TestClient(server.url), user.email, user.password);
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(text).toMatch(/twofold_sms_total\{provider="outbox",outcome="sent"\} [1-9]/);
  });
});

describeEachDatabase('metrics without a token', (database) => {
  const ctx = useTestServer(database);
  it('are not served at all', async () => {
    expect((await fetch(`${ctx.server.url}/metrics`)).status).toBe(404);
  });
});
