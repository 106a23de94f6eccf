// `npm run bench`: Twofold and better-auth side by side on this machine, in one run.
// Servers run as their own processes on loopback; the load comes from this process.
// Every figure is the median of BENCH_RUNS runs of BENCH_SECONDS seconds.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { TOTP } from 'otpauth';
import { generateTotpCode } from '../src/domain/totp.js';
import { listActivity, activityCsv } from '../src/services/activity.js';
import { migrateToLatest, openStore } from '../src/store/db.js';
import { Pool } from 'undici';
import { FlowClient, hammer, runFlows } from './lib/load.js';
import { appSignIn, registerBenchApp, tokenRequest } from './lib/oidc.js';
import { type ServerProcess, serverNodeFlags, startProcess } from './lib/processes.js';
import pg from 'pg';
import { BENCH_PASSWORD, BENCH_SECRET, benchAttemptToken, benchTotpSecret, plainEmail, seedBenchPeople, seedCrowd, totpEmail } from './lib/seed-twofold.js';
import { type RunResult, median, medianOf } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CROWD_USERS = Number(process.env.BENCH_CROWD_USERS ?? 1_000_000);
const CROWD_EVENTS = Number(process.env.BENCH_CROWD_EVENTS ?? 10_000_000);
const CODE_STEP_ATTEMPTS = Number(process.env.BENCH_CODE_ATTEMPTS ?? 150_000);
/** BENCH_ONLY=twofold (or ceilings, postgres, peer, growth; comma separated): just those parts, for a quick look. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'ceilings,twofold,postgres,peer,growth').split(',').map((part) => part.trim()));
const SIGN_IN_TOTP_USERS = 20_000;
const PLAIN_USERS = 1000;
const CONNECTIONS = 16;

const work = mkdtempSync(join(tmpdir(), 'twofold-bench-'));
const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function repeatRuns(name: string, once: () => Promise<RunResult>): Promise<RunResult> {
  const runs: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await once());
    log(`${name} run ${i + 1}/${RUNS}: ${runs.at(-1)!.perSecond.toFixed(1)}/s p50 ${runs.at(-1)!.p50Ms.toFixed(1)} ms p99 ${runs.at(-1)!.p99Ms.toFixed(1)} ms errors ${runs.at(-1)!.errors} server CPU ${runs.at(-1)!.serverCpuCores.toFixed(2)} cores`);
  }
  return medianOf(runs);
}

// ---------- Twofold ----------

/** `databaseUrl`: DATABASE_URL, `sqlite:` or `postgres://`. Started as `npm start` starts it (its Node.js flags too). */
async function startTwofold(databaseUrl: string): Promise<ServerProcess> {
  return startProcess(process.execPath, [...serverNodeFlags(), 'dist/start.js'], { DATABASE_URL: databaseUrl, TWOFOLD_SECRET: BENCH_SECRET, PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production', DATA_DIR: work }, /Twofold listening at (http:\S+)/, ROOT);
}

/**
 * The PostgreSQL half: a database of its own on the local server (BENCH_POSTGRES_URL, or
 * the machine's at 127.0.0.1:5432 as Debian's package sets it up), dropped afterwards.
 * None reachable: the half is skipped, and the report says why.
 */
async function withBenchPostgres<T>(use: (url: string) => Promise<T>): Promise<T | { skipped: string }> {
  const base = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `twofold_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
  } catch (error) {
    await admin.end().catch(() => {});
    return { skipped: `no PostgreSQL at ${base} (${(error as Error).message}); set BENCH_POSTGRES_URL` };
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    return await use(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** One browser's CSRF cookie and form token, shared by every simulated request. */
async function csrfPair(client: FlowClient): Promise<string> {
  const page = await client.request('GET', '/sign-in');
  return /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** The password step for people without 2FA, round-robin over the seeded ones, from one browser's CSRF pair. */
function passwordSignIns(browser: FlowClient, token: string): (client: FlowClient) => Promise<boolean> {
  let next = 0;
  return async (client) => {
    client.cookies = new Map(browser.cookies);
    const reply = await client.request('POST', '/sign-in', form({ _csrf: token, email: plainEmail(next++ % PLAIN_USERS), password: BENCH_PASSWORD }));
    return reply.status === 303 && reply.headers.location === '/';
  };
}

/** Every Twofold scenario on one database (`databaseUrl`: DATABASE_URL). */
async function benchTwofold(label: string, databaseUrl: string): Promise<Record<string, RunResult>> {
  const store = openStore(databaseUrl);
  await migrateToLatest(store);
  log(`seeding Twofold on ${label}: ${PLAIN_USERS} without 2FA, ${SIGN_IN_TOTP_USERS + CODE_STEP_ATTEMPTS} with an authenticator, ${CODE_STEP_ATTEMPTS} pending code steps`);
  await seedBenchPeople(store, { plainUsers: PLAIN_USERS, totpUsers: CODE_STEP_ATTEMPTS + SIGN_IN_TOTP_USERS, attempts: CODE_STEP_ATTEMPTS });
  const benchApp = await registerBenchApp(store);
  await store.close();
  const server = await startTwofold(databaseUrl);
  const repeat = (name: string, once: () => Promise<RunResult>) => repeatRuns(`${label}: ${name}`, once);
  const results: Record<string, RunResult> = {};
  try {
    const setupPool = new Pool(server.url);
    const browser = new FlowClient(setupPool);
    const token = await csrfPair(browser);
    // A signed-in session for the session check.
    const signedIn = new FlowClient(setupPool);
    signedIn.cookies = new Map(browser.cookies);
    await signedIn.request('POST', '/sign-in', form({ _csrf: token, email: plainEmail(0), password: BENCH_PASSWORD }));
    const sessionCookie = [...signedIn.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    await setupPool.close();

    results.password = await repeat('twofold password step', () => runFlows(server, { seconds: SECONDS, concurrency: CONNECTIONS, flow: passwordSignIns(browser, token) }));

    let signInUser = CODE_STEP_ATTEMPTS;
    results.fullSignIn = await repeat('twofold full sign-in with TOTP', () =>
      runFlows(server, {
        seconds: SECONDS,
        concurrency: CONNECTIONS,
        flow: async (client) => {
          const i = signInUser++;
          client.cookies = new Map(browser.cookies);
          const first = await client.request('POST', '/sign-in', form({ _csrf: token, email: totpEmail(i), password: BENCH_PASSWORD }));
          if (first.headers.location !== '/sign-in/code') return false;
          const code = generateTotpCode({ secret: benchTotpSecret(i), timeInMs: Date.now() });
          const second = await client.request('POST', '/sign-in/code', form({ _csrf: token, code }));
          return second.headers.location === '/';
        },
      }),
    );

    let attempt = 0;
    results.codeStep = await repeat('twofold code step alone', () =>
      runFlows(server, {
        seconds: SECONDS,
        concurrency: CONNECTIONS,
        flow: async (client) => {
          const i = attempt++;
          if (i >= CODE_STEP_ATTEMPTS) return false;
          client.cookies = new Map([...browser.cookies, ['twofold_attempt', benchAttemptToken(i)]]);
          const reply = await client.request('POST', '/sign-in/code', form({ _csrf: token, code: generateTotpCode({ secret: benchTotpSecret(i), timeInMs: Date.now() }) }));
          return reply.headers.location === '/';
        },
      }),
    );

    results.session = await repeat('twofold session check', () => hammer(server, { path: '/api/session', headers: { cookie: sessionCookie }, seconds: SECONDS, connections: CONNECTIONS }));
    // What nginx asks before every request of an app behind Twofold: must cost no more than the session check.
    results.forwardAuth = await repeat('twofold forward-auth check', () =>
      hammer(server, { path: '/api/authz/auth-request', headers: { cookie: sessionCookie, 'x-original-url': 'https://app.example.com/reports?page=2' }, seconds: SECONDS, connections: CONNECTIONS }),
    );

    // The OpenID Provider: an app signing in someone already signed in to Twofold (the
    // single sign-on case: authorize, interaction, code, token endpoint), then the token
    // endpoint alone refreshing (each refresh rotates the token), then userinfo.
    const signedInCookies = new Map(signedIn.cookies);
    results.appSignIn = await repeat('twofold app sign-in through OpenID Connect (already signed in)', () =>
      runFlows(server, {
        seconds: SECONDS,
        concurrency: CONNECTIONS,
        flow: async (client) => {
          client.cookies = new Map(signedInCookies);
          return (await appSignIn(client, benchApp)) !== null;
        },
      }),
    );
    const chainPool = new Pool(server.url);
    const chains: string[] = [];
    let accessToken = '';
    for (let i = 0; i < CONNECTIONS; i++) {
      const client = new FlowClient(chainPool);
      client.cookies = new Map(signedInCookies);
      const tokens = await appSignIn(client, benchApp);
      if (!tokens) throw new Error('bench: the app sign-in failed');
      chains.push(tokens.refresh_token);
      accessToken = tokens.access_token;
    }
    await chainPool.close();
    // Each chain is used by one request at a time: a refresh token used twice is a theft.
    results.refresh = await repeat('twofold token endpoint: refresh (rotating)', () =>
      runFlows(server, {
        seconds: SECONDS,
        concurrency: CONNECTIONS,
        flow: async (client) => {
          const token = chains.pop();
          if (!token) return false;
          const tokens = await tokenRequest(client, benchApp, { grant_type: 'refresh_token', refresh_token: token });
          chains.push(tokens?.refresh_token ?? token);
          return tokens !== null;
        },
      }),
    );
    results.userinfo = await repeat('twofold userinfo', () => hammer(server, { path: '/oidc/me', headers: { authorization: `Bearer ${accessToken}` }, seconds: SECONDS, connections: CONNECTIONS }));

    // Cheap requests while sign-ins saturate the CPU: hashing must not starve them.
    results.sessionUnderSignIns = await repeat('twofold session check during sign-ins', async () => {
      const load = runFlows(server, { seconds: SECONDS, concurrency: CONNECTIONS, flow: passwordSignIns(browser, token) });
      const check = await hammer(server, { path: '/api/session', headers: { cookie: sessionCookie }, seconds: SECONDS, connections: 4 });
      await load;
      return check;
    });
  } finally {
    await server.stop();
  }
  return results;
}

// ---------- Growth: the same runs with a million people and ten million activity rows ----------

async function benchGrowth(): Promise<{ small: Record<string, RunResult>; large: Record<string, RunResult>; activity: Record<string, number>; seedSeconds: number }> {
  const out = { small: {} as Record<string, RunResult>, large: {} as Record<string, RunResult>, activity: {} as Record<string, number>, seedSeconds: 0 };
  for (const [label, crowd, events] of [
    ['small', 0, 0],
    ['large', CROWD_USERS, CROWD_EVENTS],
  ] as const) {
    const dbPath = join(work, `growth-${label}.sqlite`);
    const store = openStore(`sqlite:${dbPath}`);
    await migrateToLatest(store);
    await seedBenchPeople(store, { plainUsers: PLAIN_USERS, totpUsers: 0, attempts: 0 });
    if (crowd > 0) {
      const started = performance.now();
      log(`seeding ${crowd} more people and ${events} activity rows`);
      await seedCrowd(store, crowd, events);
      out.seedSeconds = (performance.now() - started) / 1000;
      log(`seeded in ${out.seedSeconds.toFixed(0)} s`);
      out.activity = await benchActivity(store);
    }
    await store.close();
    const server = await startTwofold(`sqlite:${dbPath}`);
    try {
      const pool = new Pool(server.url);
      const browser = new FlowClient(pool);
      const token = await csrfPair(browser);
      const signedIn = new FlowClient(pool);
      signedIn.cookies = new Map(browser.cookies);
      await signedIn.request('POST', '/sign-in', form({ _csrf: token, email: plainEmail(1), password: BENCH_PASSWORD }));
      const sessionCookie = [...signedIn.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      await pool.close();
      out[label].signIn = await repeatRuns(`growth ${label}: password sign-in`, () => runFlows(server, { seconds: SECONDS, concurrency: CONNECTIONS, flow: passwordSignIns(browser, token) }));
      out[label].session = await repeatRuns(`growth ${label}: session check`, () => hammer(server, { path: '/api/session', headers: { cookie: sessionCookie }, seconds: SECONDS, connections: CONNECTIONS }));
    } finally {
      await server.stop();
    }
  }
  return out;
}

/** Issue 5's question: one person's activity page and CSV export among ten million rows. */
async function benchActivity(store: ReturnType<typeof openStore>): Promise<Record<string, number>> {
  const { appendSecurityEvent } = await import('../src/store/security-events.js');
  const now = Date.now();
  // One busy person: 20,000 events of their own among the crowd's.
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < 20_000; i++) await appendSecurityEvent(trx, { type: 'signed_in', userId: 'crowd-7', ip: '203.0.113.7', userAgent: 'Chrome/130.0', detail: 'password', atMs: now - i * 60_000 });
  });
  const ctx = { db: store.db, now: () => now } as unknown as Parameters<typeof listActivity>[0];
  const time = async (fn: () => Promise<unknown>, repeats: number) => {
    const samples: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await fn();
      samples.push(performance.now() - t0);
    }
    return median(samples);
  };
  const first = await listActivity(ctx, 'crowd-7', 25);
  const deep = await (async () => {
    let page = first;
    for (let i = 0; i < 40 && page.nextCursor; i++) page = await listActivity(ctx, 'crowd-7', 25, page.nextCursor);
    return page.nextCursor;
  })();
  const csv = async (days: number) => {
    let bytes = 0;
    for await (const chunk of activityCsv(ctx, 'crowd-7', now - days * 86_400_000, now + 1)) bytes += chunk.length;
    return bytes;
  };
  // Issue 17's question: the admin Overview among ten million activity rows. An aggregator
  // of 5,000 people in 20 firms (the size of Australia's largest) is made from the crowd;
  // the crowd's own organisation (the rest, near a million people) is the extreme case.
  // The first load counts the 29 ended days and keeps them; later loads read those.
  const { loadOverview } = await import('../src/services/overview.js');
  await store.db.insertInto('organizations').values({ id: 'bench-agg', name: 'Bench Aggregator', parent_id: null, created_at: now }).execute();
  await store.db
    .insertInto('organizations')
    .values(Array.from({ length: 20 }, (_, i) => ({ id: `bench-firm-${i}`, name: `Bench Firm ${i}`, parent_id: 'bench-agg', created_at: now })))
    .execute();
  await sql`update users set org_id = 'bench-firm-' || (cast(substr(id, 7) as integer) % 20) where id like 'crowd-%' and cast(substr(id, 7) as integer) < 5000`.execute(store.db);
  const meta = { ip: '127.0.0.1', userAgent: 'bench' };
  const aggregatorAdmin = { userId: 'crowd-7', role: 'admin' as const, orgId: 'bench-agg', parentOrgId: null };
  const crowdAdmin = { userId: 'crowd-9999', role: 'admin' as const, orgId: 'bench-org', parentOrgId: null };
  const overviewFirstMs = await time(() => loadOverview(ctx, aggregatorAdmin, meta), 1);
  const overviewMs = await time(() => loadOverview(ctx, aggregatorAdmin, meta), 20);
  const overviewMillionMs = await time(() => loadOverview(ctx, crowdAdmin, meta), 5);
  return {
    overviewFirstMs,
    overviewMs,
    overviewMillionMs,
    firstPageMs: await time(() => listActivity(ctx, 'crowd-7', 25), 200),
    page40Ms: await time(() => listActivity(ctx, 'crowd-7', 25, deep), 200),
    csv90DaysMs: await time(() => csv(90), 5),
    csvAllMs: await time(() => csv(400), 5),
    crowdUserPageMs: await time(() => listActivity(ctx, 'crowd-123456', 25), 200),
  };
}

// ---------- Ceilings ----------

async function benchCeilings(): Promise<{ hello: RunResult; hashesPerSecond: number }> {
  const hello = await startProcess(process.execPath, ['--import', 'tsx', 'bench/servers/hello.ts'], {}, /listening at (http:\S+)/, ROOT);
  let result: RunResult;
  try {
    result = await repeatRuns('fastify hello-world', () => hammer(hello, { path: '/', seconds: SECONDS, connections: CONNECTIONS }));
  } finally {
    await hello.stop();
  }
  const hashRates: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'bench/servers/argon2.ts', String(SECONDS)], { cwd: ROOT, env: { ...process.env, UV_THREADPOOL_SIZE: String(availableParallelism()) } }).toString();
    hashRates.push(JSON.parse(output.trim().split('\n').at(-1)!).hashesPerSecond);
    log(`argon2id run ${i + 1}/${RUNS}: ${hashRates.at(-1)!.toFixed(1)} hashes/s`);
  }
  return { hello: result, hashesPerSecond: median(hashRates) };
}

// ---------- better-auth ----------

async function benchPeer(): Promise<Record<string, RunResult> | { skipped: string }> {
  const peerDir = join(ROOT, 'bench/peers/better-auth');
  try {
    log('installing the better-auth peer (bench/peers/better-auth)');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: peerDir, stdio: 'inherit' });
  } catch (error) {
    return { skipped: `npm install of the peer failed: ${(error as Error).message}` };
  }
  const server = await startProcess(process.execPath, ['server.mjs'], { PEER_DB: join(work, 'peer.sqlite') }, /listening at (http:\S+)/, peerDir);
  const results: Record<string, RunResult> = {};
  try {
    const pool = new Pool(server.url, { connections: CONNECTIONS });
    const json = (value: unknown) => JSON.stringify(value);
    const PLAIN = 50;
    const TWO_FACTOR = 300;
    log(`seeding better-auth through its API: ${PLAIN} people without 2FA, ${TWO_FACTOR} with an authenticator`);
    const secrets: string[] = [];
    const seedOne = async (i: number, withTotp: boolean) => {
      const client = new FlowClient(pool);
      const email = withTotp ? `totp-${i}@peer.example` : `plain-${i}@peer.example`;
      await client.request('POST', '/api/auth/sign-up/email', json({ email, password: BENCH_PASSWORD, name: 'Peer Person' }), 'application/json');
      if (!withTotp) return;
      const enabled = JSON.parse((await client.request('POST', '/api/auth/two-factor/enable', json({ password: BENCH_PASSWORD }), 'application/json')).body);
      const secret = new URL(enabled.totpURI).searchParams.get('secret')!;
      secrets[i] = secret;
      const code = TOTP.generate({ secret: (await import('otpauth')).Secret.fromBase32(secret) });
      await client.request('POST', '/api/auth/two-factor/verify-totp', json({ code }), 'application/json');
    };
    for (let i = 0; i < PLAIN; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => seedOne(i + k, false)));
    for (let i = 0; i < TWO_FACTOR; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => seedOne(i + k, true)));
    const session = new FlowClient(pool);
    await session.request('POST', '/api/auth/sign-in/email', json({ email: 'plain-0@peer.example', password: BENCH_PASSWORD }), 'application/json');
    const sessionCookie = [...session.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const { Secret } = await import('otpauth');
    const codeFor = (i: number) => TOTP.generate({ secret: Secret.fromBase32(secrets[i]!) });

    let n = 0;
    results.password = await repeatRuns('better-auth password step', () =>
      runFlows(server, {
        seconds: SECONDS,
        concurrency: CONNECTIONS,
        flow: async (client) => (await client.request('POST', '/api/auth/sign-in/email', json({ email: `plain-${n++ % PLAIN}@peer.example`, password: BENCH_PASSWORD }), 'application/json')).status === 200,
      }),
    );
    let m = 0;
    results.fullSignIn = await repeatRuns('better-auth full sign-in with TOTP', () =>
      runFlows(server, {
        seconds: SECONDS,
        concurrency: CONNECTIONS,
        flow: async (client) => {
          const i = m++ % TWO_FACTOR;
          const first = await client.request('POST', '/api/auth/sign-in/email', json({ email: `totp-${i}@peer.example`, password: BENCH_PASSWORD }), 'application/json');
          if (!first.body.includes('twoFactorRedirect')) return false;
          return (await client.request('POST', '/api/auth/two-factor/verify-totp', json({ code: codeFor(i) }), 'application/json')).status === 200;
        },
      }),
    );
    results.codeStep = await repeatRuns('better-auth code step alone', async () => {
      // Pending sign-ins made before the clock starts (each costs a password hash).
      const pending: Array<{ i: number; cookies: Map<string, string> }> = [];
      const target = Math.max(500, Math.ceil((results.codeStepEstimate?.perSecond ?? 300) * SECONDS * 1.5));
      let k = 0;
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (pending.length < target) {
            const i = k++ % TWO_FACTOR;
            const client = new FlowClient(pool);
            const reply = await client.request('POST', '/api/auth/sign-in/email', json({ email: `totp-${i}@peer.example`, password: BENCH_PASSWORD }), 'application/json');
            if (reply.body.includes('twoFactorRedirect')) pending.push({ i, cookies: client.cookies });
          }
        }),
      );
      let next = 0;
      const result = await runFlows(server, {
        seconds: SECONDS,
        concurrency: CONNECTIONS,
        flow: async (client) => {
          const item = pending[next++];
          if (!item) return false;
          client.cookies = item.cookies;
          return (await client.request('POST', '/api/auth/two-factor/verify-totp', json({ code: codeFor(item.i) }), 'application/json')).status === 200;
        },
      });
      results.codeStepEstimate = result;
      return result;
    });
    delete results.codeStepEstimate;
    results.session = await repeatRuns('better-auth session check', () => hammer(server, { path: '/api/auth/get-session', headers: { cookie: sessionCookie }, seconds: SECONDS, connections: CONNECTIONS }));
    results.noop = await repeatRuns('better-auth no-op route', () => hammer(server, { path: '/api/auth/ok', seconds: SECONDS, connections: CONNECTIONS }));
    await pool.close();
  } finally {
    await server.stop();
  }
  return results;
}

// ---------- Report ----------

function row(name: string, r: RunResult | undefined, unit = 'req/s'): string {
  if (!r) return `| ${name} | - | - | - | - | - | - |`;
  return `| ${name} | ${r.perSecond.toFixed(1)} ${unit} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.peakRssMiB.toFixed(0)} | ${r.serverCpuCores.toFixed(2)} | ${r.errors} |`;
}

const TABLE_HEAD = ['| scenario | throughput | p50 ms | p99 ms | peak RSS MiB | server CPU (cores) | errors |', '| --- | --- | --- | --- | --- | --- | --- |'];

/** The Twofold scenarios of one database, as rows. */
function twofoldRows(label: string, twofold: Record<string, RunResult>): string[] {
  return [
    row(`1. ${label}: password step (no 2FA)`, twofold.password),
    row(`2. ${label}: full sign-in with TOTP`, twofold.fullSignIn, 'sign-ins/s'),
    row(`3. ${label}: code step alone`, twofold.codeStep),
    row(`4. ${label}: session check`, twofold.session),
    row(`4b. ${label}: session check while sign-ins saturate the CPU`, twofold.sessionUnderSignIns),
    row(`4c. ${label}: forward-auth check (GET /api/authz/auth-request)`, twofold.forwardAuth),
    row(`4d. ${label}: OpenID Connect app sign-in of a signed-in person`, twofold.appSignIn, 'sign-ins/s'),
    row(`4e. ${label}: OpenID Connect token endpoint, refresh with rotation`, twofold.refresh),
    row(`4f. ${label}: OpenID Connect userinfo`, twofold.userinfo),
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  log(`${RUNS} runs of ${SECONDS} s each; ${cpus().length} cores; Node ${process.version}; server flags ${serverNodeFlags().join(' ') || 'none'}`);
  const ceilings = ONLY.has('ceilings') ? await benchCeilings() : { hello: undefined, hashesPerSecond: Number.NaN };
  const twofold = ONLY.has('twofold') ? await benchTwofold('SQLite', `sqlite:${join(work, 'twofold.sqlite')}`) : {};
  const postgresRun = ONLY.has('postgres') ? await withBenchPostgres((url) => benchTwofold('PostgreSQL', url)) : { skipped: 'not in BENCH_ONLY' };
  const postgres = 'skipped' in postgresRun ? {} : (postgresRun as Record<string, RunResult>);
  const peer = ONLY.has('peer') ? await benchPeer() : { skipped: 'not in BENCH_ONLY' };
  const growth = ONLY.has('growth') ? await benchGrowth() : { small: {}, large: {}, activity: {}, seedSeconds: 0 };
  const peerResults = 'skipped' in peer ? undefined : peer;
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : Number.NaN);
  const ratiosOf = (results: Record<string, RunResult>) => ({
    fullSignInVsBetterAuth: ratio(results.fullSignIn?.perSecond, peerResults?.fullSignIn?.perSecond),
    passwordVsBetterAuth: ratio(results.password?.perSecond, peerResults?.password?.perSecond),
    codeStepVsBetterAuth: ratio(results.codeStep?.perSecond, peerResults?.codeStep?.perSecond),
    sessionVsBetterAuth: ratio(results.session?.perSecond, peerResults?.session?.perSecond),
    passwordVsHashCeiling: ratio(results.password?.perSecond, ceilings.hashesPerSecond),
    fullSignInVsHashCeiling: ratio(results.fullSignIn?.perSecond, ceilings.hashesPerSecond),
    sessionVsFastifyCeiling: ratio(results.session?.perSecond, ceilings.hello?.perSecond),
    forwardAuthVsFastifyCeiling: ratio(results.forwardAuth?.perSecond, ceilings.hello?.perSecond),
    forwardAuthVsSession: ratio(results.forwardAuth?.perSecond, results.session?.perSecond),
  });
  const ratios = {
    sqlite: ratiosOf(twofold),
    postgres: ratiosOf(postgres),
    postgresVsSqlite: Object.fromEntries(Object.keys(twofold).map((k) => [k, ratio(postgres[k]?.perSecond, twofold[k]?.perSecond)])),
    signInP50LargeVsSmall: ratio(growth.large.signIn?.p50Ms, growth.small.signIn?.p50Ms),
    sessionP50LargeVsSmall: ratio(growth.large.session?.p50Ms, growth.small.session?.p50Ms),
  };
  const show = (v: unknown): string => (typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(2) : 'n/a') : '');
  const lines = [
    `Twofold benchmark, ${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; medians of ${RUNS} x ${SECONDS} s; ${CONNECTIONS} connections; the load generator runs on the same cores`,
    '',
    ...TABLE_HEAD,
    ...twofoldRows('SQLite', twofold),
    ...('skipped' in postgresRun ? [] : twofoldRows('PostgreSQL', postgres)),
    row('5a. Fastify hello-world ceiling', ceilings.hello),
    `| 5b. argon2id ceiling (all cores) | ${Number.isFinite(ceilings.hashesPerSecond) ? `${ceilings.hashesPerSecond.toFixed(1)} hashes/s` : '-'} | | | | | |`,
    row('6.1 better-auth password step', peerResults?.password),
    row('6.2 better-auth full sign-in with TOTP', peerResults?.fullSignIn, 'sign-ins/s'),
    row('6.3 better-auth code step alone', peerResults?.codeStep),
    row('6.4 better-auth session check', peerResults?.session),
    row('6.5 better-auth no-op route (GET /api/auth/ok)', peerResults?.noop),
    row(`7. sign-in, ${PLAIN_USERS} users`, growth.small.signIn),
    row(`7. sign-in, ${PLAIN_USERS + CROWD_USERS} users, ${CROWD_EVENTS} activity rows`, growth.large.signIn),
    row(`7. session check, ${PLAIN_USERS} users`, growth.small.session),
    row(`7. session check, ${PLAIN_USERS + CROWD_USERS} users`, growth.large.session),
    '',
    'Ratios (SQLite; PostgreSQL):',
    ...Object.keys(ratios.sqlite).map((k) => `  ${k}: ${show(ratios.sqlite[k as keyof typeof ratios.sqlite])}; ${show(ratios.postgres[k as keyof typeof ratios.postgres])}`),
    `  PostgreSQL / SQLite throughput: ${Object.entries(ratios.postgresVsSqlite).map(([k, v]) => `${k} ${show(v)}`).join(', ')}`,
    `  growth p50, 1 M people / 1 k: sign-in ${show(ratios.signInP50LargeVsSmall)}, session check ${show(ratios.sessionP50LargeVsSmall)}`,
    '',
    `Activity at ${CROWD_EVENTS} rows (one person with 20,000 events; medians, ms): ${Object.entries(growth.activity).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`,
    'skipped' in postgresRun ? `PostgreSQL half skipped: ${postgresRun.skipped}` : '',
    'skipped' in peer ? `better-auth peer skipped: ${peer.skipped}` : '',
  ];
  console.log(lines.join('\n'));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, serverFlags: serverNodeFlags(), cores: cpus().length, cpu: cpus()[0]?.model, runs: RUNS, seconds: SECONDS, connections: CONNECTIONS, ceilings, twofold, postgres: postgresRun, peer, growth, ratios, totalSeconds: (Date.now() - started) / 1000 }, null, 2));
  log(`written ${file} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
