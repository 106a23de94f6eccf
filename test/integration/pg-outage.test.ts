// The database goes away: a throwaway PostgreSQL cluster of the test's own is stopped under
// load and started again, with a real Twofold process on it. While it is down every
// request is answered in bounded time with a clear "try again" (an HTML page, 503 JSON
// on /api/, 503 from /healthz), never a hang or a 500; once it is back everything works
// without restarting Twofold, every answer given before and during the outage holds,
// and the pool holds no more connections than it should.
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore } from '../../src/store/db.js';
import { TestClient } from '../helpers/client.js';
import { TestClock } from '../helpers/clock.js';
import { type TestUser, createTestUser, submitPassword } from '../helpers/fixtures.js';
import { type ThrowawayCluster, startThrowawayCluster, throwawayClusterUnavailable } from '../helpers/pg-cluster.js';
import { startServerProcess, stopProcess } from '../helpers/processes.js';
import { TEST_SECRET, testServices } from '../helpers/server.js';

const METRICS_TOKEN = 'metrics-token-for-the-outage-test';
/** The pool waits 5 s for a connection; an answer later than this is a hang. */
const ANSWER_WITHIN_IN_MS = 12_000;
const POOL_SIZE = 10;
const TRY_AGAIN = 'Please try again in a few seconds.';

const unavailable = throwawayClusterUnavailable();

describe('PostgreSQL stopped under load and started again', () => {
  // `npm test` installs what this needs (scripts/test.sh): missing, it is a failure, not a skip.
  it('can make a PostgreSQL cluster of its own here', () => expect(unavailable).toBeNull());
  let cluster: ThrowawayCluster;
  let dbUrl: string;
  let dbName: string;
  let server: { child: ChildProcess; output: () => string };
  let url: string;
  const people: TestUser[] = [];
  const agent = new Agent({ headersTimeout: ANSWER_WITHIN_IN_MS, bodyTimeout: ANSWER_WITHIN_IN_MS });

  beforeAll(async () => {
    cluster = await startThrowawayCluster();
    dbName = 'twofold_outage';
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const u = new URL(cluster.url);
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();
    const store = openStore(dbUrl);
    await migrateToLatest(store);
    const services = { ...testServices(store, new TestClock()), now: Date.now };
    for (let i = 0; i < 24; i += 6) people.push(...(await Promise.all(Array.from({ length: 6 }, () => createTestUser(services)))));
    await store.close();
    server = await startServerProcess({ DATABASE_URL: dbUrl, TWOFOLD_SECRET: TEST_SECRET, PORT: '0', PUBLIC_URL: '', METRICS_TOKEN, LOG_LEVEL: 'warn' }, [/Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/]);
    server.child.removeAllListeners('exit');
    url = /Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())![1]!;
  }, 90_000);

  afterAll(async () => {
    if (server) await stopProcess(server.child);
    await agent.close();
    cluster?.destroy();
  });

  async function get(path: string, headers: Record<string, string> = {}) {
    const started = Date.now();
    const response = await fetch(new URL(path, url), { headers, dispatcher: agent, redirect: 'manual' });
    const body = await response.text();
    return { status: response.status, body, type: response.headers.get('content-type') ?? '', retryAfter: response.headers.get('retry-after'), ms: Date.now() - started };
  }

  async function twofoldConnections(): Promise<number> {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
      return rows[0]!.n;
    } finally {
      await admin.end();
    }
  }

  async function poolFigures(): Promise<Record<string, number>> {
    const text = (await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).body;
    const figures: Record<string, number> = {};
    for (const m of text.matchAll(/^twofold_db_pool_connections\{state="(\w+)"\} (\d+)/gm)) figures[m[1]!] = Number(m[2]);
    figures.waiting = Number(/^twofold_db_pool_waiting (\d+)/m.exec(text)?.[1] ?? 'NaN');
    return figures;
  }

  async function waitFor(what: string, condition: () => Promise<boolean>, timeoutInMs: number): Promise<number> {
    const started = Date.now();
    while (!(await condition().catch(() => false))) {
      if (Date.now() - started > timeoutInMs) throw new Error(`${what} did not happen within ${timeoutInMs} ms; the server said:\n${server.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Date.now() - started;
  }

  it('answers "try again" at once while it is down, nothing half-written, and works again within seconds of its return', async () => {
    const signedIn = new TestClient(url);
    expect((await submitPassword(signedIn, people[0]!.email, people[0]!.password)).location).toBe('/');
    const cookie = [...signedIn.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    expect((await get('/healthz')).status).toBe(200);

    type Phase = 'up' | 'down' | 'back';
    let phase: Phase = 'up';
    let stop = false;
    const problems: string[] = [];
    const downAnswers: Record<string, number> = {};
    /** a 303 into a session, given at any time: it must work once the database is back */
    const sessions: Array<{ email: string; cookies: Map<string, string>; phase: Phase }> = [];
    const check = (what: string, reply: { status: number; body: string; type: string; retryAfter: string | null; ms: number }, ok: number[]) => {
      const seenIn = phase;
      if (reply.ms > ANSWER_WITHIN_IN_MS) problems.push(`${what}: answered after ${reply.ms} ms`);
      if (reply.status === 503) {
        const clear = what === '/healthz'
          ? reply.body.includes('database unavailable')
          : what.startsWith('/api/')
            ? reply.type.includes('application/json') && JSON.parse(reply.body).error === 'database_unavailable' && reply.retryAfter !== null
            : reply.type.includes('text/html') && reply.body.includes(TRY_AGAIN) && reply.retryAfter !== null;
        if (!clear) problems.push(`${what}: an unclear 503: ${reply.type} ${reply.body.slice(0, 200)}`);
        if (seenIn === 'down') downAnswers[what] = (downAnswers[what] ?? 0) + 1;
      } else if (!ok.includes(reply.status)) problems.push(`${what} (${seenIn}): ${reply.status} ${reply.body.slice(0, 300)}`);
    };
    const sessionChecks = async () => {
      while (!stop) check('/api/session', await get('/api/session', { cookie }), [200]);
    };
    const pages = async () => {
      while (!stop) check('/settings/security', await get('/settings/security', { cookie }), [200]);
    };
    const health = async () => {
      while (!stop) {
        check('/healthz', await get('/healthz'), [200]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    let next = 1;
    const signIns = async () => {
      while (!stop && next < people.length) {
        const person = people[next++]!;
        const client = new TestClient(url);
        const started = Date.now();
        await client.get('/sign-in');
        const reply = await client.post('/sign-in', { email: person.email, password: person.password });
        const answer = { status: reply.status, body: reply.body, type: reply.headers.get('content-type') ?? '', retryAfter: reply.headers.get('retry-after'), ms: Date.now() - started };
        check('POST /sign-in', answer, [303]);
        if (reply.status === 303 && reply.location === '/') sessions.push({ email: person.email, cookies: new Map(client.cookies), phase });
        // A person the database never saw sign in tries again later.
        if (reply.status === 503) people.push(person);
      }
    };
    const noAnswer = (error: unknown) => {
      problems.push(`no answer (${(error as Error).message}) while ${phase}`);
    };
    const traffic = [sessionChecks(), sessionChecks(), pages(), health(), signIns()].map((loop) => loop.catch(noAnswer));

    await waitFor('a few sign-ins before the outage', async () => sessions.length >= 2, 30_000);
    cluster.stop();
    phase = 'down';
    // Down: every kind of request has been answered "try again" a few times.
    await waitFor('clear answers while the database is down', async () => ['/api/session', '/settings/security', '/healthz', 'POST /sign-in'].every((k) => (downAnswers[k] ?? 0) >= 3), 30_000);
    expect(server.child.exitCode).toBeNull();
    cluster.start();
    phase = 'back';
    const recoveredIn = await waitFor('/healthz to say ok again', async () => (await get('/healthz')).status === 200, 15_000);
    await waitFor('a sign-in after the return', async () => sessions.some((s) => s.phase === 'back'), 30_000);
    stop = true;
    await Promise.all(traffic);

    expect(problems).toEqual([]);
    expect(server.child.exitCode, server.output()).toBeNull();
    expect(recoveredIn).toBeLessThan(15_000);
    // Everything works again, and every session given (before, during or after) is real.
    expect((await get('/api/session', { cookie })).status).toBe(200);
    for (const s of sessions) {
      const client = new TestClient(url);
      client.cookies = new Map(s.cookies);
      const reply = await client.get('/api/session');
      expect(reply.status, `${s.email} signed in while ${s.phase}`).toBe(200);
    }
    // Nothing half-written: every session has its user and a sign-in recorded with it.
    const check2 = new pg.Client({ connectionString: dbUrl });
    await check2.connect();
    try {
      const orphans = await check2.query('select count(*)::int as n from sessions s left join users u on u.id = s.user_id where u.id is null');
      expect(orphans.rows[0].n).toBe(0);
    } finally {
      await check2.end();
    }
    // The pool does not leak: no more connections than it may hold, none waiting.
    const figures = await poolFigures();
    expect(figures.total).toBeLessThanOrEqual(POOL_SIZE);
    expect(figures.waiting).toBe(0);
    await waitFor('connections to settle', async () => (await twofoldConnections()) <= figures.total!, 10_000);
    expect(await twofoldConnections()).toBeLessThanOrEqual(POOL_SIZE);
  }, 180_000);
});

