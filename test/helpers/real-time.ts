// Signing in to a server process, which reads its own clock: TOTP codes from real time.
import { expect } from 'vitest';
import { TOTP_PERIOD_IN_SECONDS } from '../../src/domain/totp.js';
import type { ServiceContext } from '../../src/services/context.js';
import { TestClient } from './client.js';
import { TestClock } from './clock.js';
import { type TestUser, codeFor, createTestUser } from './fixtures.js';
import { testServices } from './server.js';
import type { Store } from '../../src/store/db.js';

const TOTP_STEP_MS = TOTP_PERIOD_IN_SECONDS * 1000;

/** Services on real time, as a server process runs them (keyed with TEST_SECRET unless env says otherwise). */
export function realTimeServices(store: Store, env: Record<string, string> = {}): ServiceContext {
  const services = testServices(store, new TestClock(), env);
  Object.assign(services, { now: () => Date.now() });
  return services;
}

/**
 * Waits until the current 30 s TOTP step has at least 5 s left, so a code made now is
 * checked in the same step (or the next, which the server forgives), never two steps on.
 */
export async function untilStepHasTimeLeft(): Promise<void> {
  const leftInStep = TOTP_STEP_MS - (Date.now() % TOTP_STEP_MS);
  if (leftInStep < 5_000) await new Promise((resolve) => setTimeout(resolve, leftInStep + 50));
}

/** A person with an authenticator app (enrolled with last step's code, so now's is free). */
export async function personWithApp(services: ServiceContext): Promise<TestUser> {
  await untilStepHasTimeLeft();
  return createTestUser(services, { withTotp: true });
}

/** Password, then a fresh TOTP code, on the server at `url`; expects to land signed in. */
export async function signInWithPasswordAndApp(url: string, user: TestUser): Promise<TestClient> {
  const client = new TestClient(url);
  await client.get('/sign-in');
  expect((await client.post('/sign-in', { email: user.email, password: user.password })).location).toBe('/sign-in/code');
  await client.get('/sign-in/code');
  await untilStepHasTimeLeft();
  expect((await client.post('/sign-in/code', { code: codeFor(user, Date.now()) })).location).toBe('/');
  expect((await client.get('/api/session')).status).toBe(200);
  return client;
}
