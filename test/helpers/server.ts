// A real Twofold on a loopback port over a real database, with a clock the test holds.
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { deriveServerKeys } from '../../src/crypto/server-key.js';
import type { ServiceContext } from '../../src/services/context.js';
import type { Store } from '../../src/store/db.js';
import { type ServiceHooks, createServiceContext } from '../../src/runtime.js';
import { buildApp } from '../../src/web/app.js';
import { TwofoldMetrics } from '../../src/web/metrics.js';
import { TestClock } from './clock.js';

export interface TestServer {
  url: string;
  app: FastifyInstance;
  services: ServiceContext;
  clock: TestClock;
  /** with DEV_OUTBOX=1 in env: /dev/outbox with its key */
  outboxUrl?: string;
  close(): Promise<void>;
}

/** The key a test server's /dev/outbox asks for (main makes a random one each start). */
export const TEST_OUTBOX_KEY = 'test-outbox-key-0123456789abcdef';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** The services over `store`, made as the server makes them, keyed like every test node (TWOFOLD_SECRET = TEST_SECRET). */
export function testServices(store: Store, clock: TestClock = new TestClock(), env: Record<string, string> = {}, hooks: ServiceHooks = {}): ServiceContext {
  const config = loadConfig({ TWOFOLD_SECRET: TEST_SECRET, DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent', ...env });
  return createServiceContext(config, store, deriveServerKeys(TEST_SECRET), { now: clock.now, hooks });
}

/** A port nobody listens on now, for a server that must know its own address before it listens (PUBLIC_URL). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A test server that listens where PUBLIC_URL says (an OpenID issuer must be its own address). */
export async function startTestServerAtPublicUrl(store: Store, env: Record<string, string> = {}): Promise<TestServer> {
  const port = await freePort();
  return startTestServer(store, { PUBLIC_URL: `http://localhost:${port}`, ...env }, { port });
}

export async function startTestServer(store: Store, env: Record<string, string> = {}, options: { host?: string; port?: number } = {}): Promise<TestServer> {
  const clock = new TestClock();
  const config = loadConfig({ TWOFOLD_SECRET: TEST_SECRET, DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent', ...env });
  const metrics = new TwofoldMetrics();
  const services = testServices(store, clock, env, metrics.serviceHooks);
  const app = await buildApp({ config, services, metrics, csrfKey: deriveServerKeys(TEST_SECRET).csrf, ...(config.devOutbox ? { devOutboxKey: TEST_OUTBOX_KEY } : {}) });
  const listening = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  // Reached by the name PUBLIC_URL gives (localhost), so cookies and the issuer agree.
  const address = options.port ? listening.replace('127.0.0.1', 'localhost') : listening;
  return { url: address, app, services, clock, ...(config.devOutbox ? { outboxUrl: `${address}/dev/outbox?key=${TEST_OUTBOX_KEY}` } : {}), close: () => app.close() };
}
