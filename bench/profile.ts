// Profiles one scenario of the server under load and prints where its CPU time goes:
//   node --import tsx bench/profile.ts session|forward-auth|code-step[,...] [seconds]
// The .cpuprofile stays in /tmp/twofold-profile for Chrome's DevTools.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { generateTotpCode } from '../src/domain/totp.js';
import { migrateToLatest, openStore } from '../src/store/db.js';
import { FlowClient, hammer, runFlows } from './lib/load.js';
import { serverNodeFlags, startProcess } from './lib/processes.js';
import { inclusiveTimes, summariseProfile } from './lib/profile-summary.js';
import { BENCH_PASSWORD, BENCH_SECRET, benchAttemptToken, benchTotpSecret, plainEmail, seedBenchPeople } from './lib/seed-twofold.js';

const scenarios = (process.argv[2] ?? 'session').split(',');
let attempt = 0;
const seconds = Number(process.argv[3] ?? 8);
const dir = '/tmp/twofold-profile';
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const databaseUrl = process.env.PROFILE_DATABASE_URL ?? `sqlite:${dir}/db.sqlite`;
const store = openStore(databaseUrl);
await migrateToLatest(store);
await seedBenchPeople(store, { plainUsers: 10, totpUsers: 20_000, attempts: 20_000 });
await store.close();
// PROFILE=0: the same run without the profiler, for its true rate.
const profiling = process.env.PROFILE !== '0';
const server = await startProcess(process.execPath, [...serverNodeFlags(), ...(profiling ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), 'dist/start.js'], { DATABASE_URL: databaseUrl, TWOFOLD_SECRET: BENCH_SECRET, PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production', DATA_DIR: dir }, /Twofold listening at (http:\S+)/);
const pool = new Pool(server.url);
const browser = new FlowClient(pool);
const token = /name="_csrf" value="([^"]+)"/.exec((await browser.request('GET', '/sign-in')).body)![1]!;
const signedIn = new FlowClient(pool);
signedIn.cookies = new Map(browser.cookies);
await signedIn.request('POST', '/sign-in', new URLSearchParams({ _csrf: token, email: plainEmail(0), password: BENCH_PASSWORD }).toString());
const cookie = [...signedIn.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
// Several scenarios, comma separated, run one after another against the same server.
for (const scenario of scenarios) {
  const cpuBefore = server.cpuSeconds();
  const started = performance.now();
  let result;
  if (scenario === 'session') result = await hammer(server, { path: '/api/session', headers: { cookie }, seconds, connections: 16 });
  else if (scenario === 'forward-auth') result = await hammer(server, { path: '/api/authz/auth-request', headers: { cookie, 'x-original-url': 'https://app.example.com/' }, seconds, connections: 16 });
  else {
    result = await runFlows(server, {
      seconds,
      concurrency: 16,
      flow: async (client) => {
        const n = attempt++;
        client.cookies = new Map([...browser.cookies, ['twofold_attempt', benchAttemptToken(n)]]);
        const reply = await client.request('POST', '/sign-in/code', new URLSearchParams({ _csrf: token, code: generateTotpCode({ secret: benchTotpSecret(n), timeInMs: Date.now() }) }).toString());
        return reply.headers.location === '/';
      },
    });
  }
  const share = (server.cpuSeconds() - cpuBefore) / ((performance.now() - started) / 1000);
  console.log(scenario, result, `server CPU ${(share * 100).toFixed(0)}% of one core`);
}
await pool.close();
server.child.kill('SIGINT');
await new Promise((r) => server.child.once('exit', r));
const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (file) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  console.log(summariseProfile(profile));
  if (process.env.INCLUSIVE) console.log(`inclusive:\n${inclusiveTimes(profile, Number(process.env.INCLUSIVE))}`);
}
