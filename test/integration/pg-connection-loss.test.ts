// PostgreSQL ends connections: a restart, a failover, an idle timeout, an administrator.
// A real Twofold process on a real PostgreSQL must stay up, answer every request (a
// success or a clear "try again", never a hang or a 500) and be healthy again at once.
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore } from '../../src/store/db.js';
import { TestClient } from '../helpers/client.js';
import { TestClock } from '../helpers/clock.js';
import { createPostgresDatabase, postgresUrl } from '../helpers/databases.js';
import { type TestUser, createTestUser, signIn } from '../helpers/fixtures.js';
import { startServerProcess, stopProcess } from '../helpers/processes.js';
import { TEST_SECRET, testServices } from '../helpers/server.js';

const METRICS_TOKEN = 'metrics-token-for-the-connection-test';
/** Longer than any answer may take: a request still open then counts as a hang. */
const ANSWER_WITHIN_IN_MS = 15_000;

describe('PostgreSQL ending Twofold\'s connections', () => {
  let database: { url: string; drop(): Promise<void> };
  let server: { child: ChildProcess; output: () => string };
  let url: string;
  let user: TestUser;
  let admin: pg.Client;
  const agent = new Agent({ headersTimeout: ANSWER_WITHIN_IN_MS, bodyTimeout: ANSWER_WITHIN_IN_MS });

  beforeAll(async () => {
    database = await createPostgresDatabase();
    const store = openStore(database.url);
    await migrateToLatest(store);
    user = await createTestUser({ ...testServices(store, new TestClock()), now: Date.now });
    await store.close();
    server = await startServerProcess(
      { DATABASE_URL: database.url, TWOFOLD_SECRET: TEST_SECRET, PORT: '0', PUBLIC_URL: '', METRICS_TOKEN },
      [/Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/],
    );
    url = /Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())![1]!;
    admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    if (server) await stopProcess(server.child);
    await agent.close();
    await database?.drop();
  });

  /** What an administrator, a restart or a failover does: end every backend of Twofold's database. */
  async function terminateTwofoldConnections(): Promise<number> {
    const result = await admin.query('select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [
      new URL(database.url).pathname.slice(1),
    ]);
    return result.rowCount ?? 0;
  }

  async function get(path: string, headers: Record<string, string> = {}) {
    const response = await fetch(new URL(path, url), { headers, dispatcher: agent, redirect: 'manual' }).catch((error: Error) => {
      throw new Error(`${path}: no answer (${error.message}); the server said:\n${server.output().slice(-4000)}`);
    });
    return { status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after') };
  }

  async function connectionEvents(): Promise<Record<string, number>> {
    const text = (await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).body;
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(/^twofold_db_connection_events_total\{event="(\w+)"\} (\d+)/gm)) counts[match[1]!] = Number(match[2]);
    return counts;
  }

  function expectAlive(): void {
    expect(server.child.exitCode, server.output()).toBeNull();
    expect(server.output()).not.toMatch(/Unhandled 'error' event|terminating connection due to administrator command\n\s+at /);
  }

  it('stays up when its idle connections are ended, and is healthy again within 5 seconds', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect(await terminateTwofoldConnections()).toBeGreaterThan(0);

    const deadline = Date.now() + 5_000;
    let health = await get('/healthz').catch(() => ({ status: 0 }));
    while (health.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = await get('/healthz').catch(() => ({ status: 0 }));
    }
    expect(health.status).toBe(200);
    expectAlive();
    // The pool noticed the loss (and the metrics count it) rather than dying of it. Which
    // way depends on timing: an idle connection's error arrives on its own, or the
    // connection was taken for a statement first and lost there (and the statement retried).
    const noticed = async () => {
      const events = await connectionEvents();
      return (events.idle_connection_lost ?? 0) + (events.checked_out_connection_lost ?? 0) + (events.statement_retried ?? 0);
    };
    for (let i = 0; i < 100 && (await noticed()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await noticed()).toBeGreaterThan(0);
  });

  it('answers every request in flight while connections are ended: a success or a clear retry, no hang, no 500', async () => {
    const signedIn = await signIn(url, user, Date.now());
    const session = [...signedIn.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    let stop = false;
    let sent = 0;
    const record = (status: number, body: string, retryAfter: string | null) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const clearRetry = status === 503 && body.includes('Please try again in a few seconds.') && retryAfter !== null;
      // 429: the password limits may trip during the run; that is an answer too.
      if (!clearRetry && ![200, 303, 401, 429].includes(status)) problems.push(`${status}: ${body.slice(0, 300)}`);
    };
    // Three kinds of traffic: the session check, a page, and a password step (a read, an
    // argon2 verify and writes to the attempt counters).
    async function sessionChecks() {
      while (!stop) {
        const reply = await get('/api/session', { cookie: session });
        record(reply.status, reply.body, reply.retryAfter);
      }
    }
    async function wrongPasswords() {
      const client = new TestClient(url);
      while (!stop) {
        const page = await client.get('/sign-in');
        record(page.status, page.body, page.headers.get('retry-after'));
        const reply = await client.post('/sign-in', { email: `nobody.${sent++}@example.com.au`, password: 'not the password at all' });
        record(reply.status, reply.body, reply.headers.get('retry-after'));
      }
    }
    // No answer at all (the process died, or a request hung past the agent's timeouts).
    const noAnswer = (error: unknown) => {
      stop = true;
      problems.push(`no answer (${(error as Error).message}); the server said:\n${server.output().slice(-3000)}`);
    };
    const traffic = [sessionChecks(), sessionChecks(), sessionChecks(), wrongPasswords()].map((loop) => loop.catch(noAnswer));
    const before = await connectionEvents();
    for (let round = 0; round < 12; round++) {
      await new Promise((resolve) => setTimeout(resolve, 75));
      await terminateTwofoldConnections();
    }
    stop = true;
    await Promise.all(traffic);
    const after = await connectionEvents();

    expect(problems).toEqual([]);
    expectAlive();
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    // Connections were really lost under load, and each loss was handled.
    const lost = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
    expect(lost('idle_connection_lost') + lost('statement_retried') + lost('statement_failed')).toBeGreaterThan(0);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/api/session', { cookie: session })).status).toBe(200);
  });
});
