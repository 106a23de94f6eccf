// Profiles the code step alone: `node --import tsx bench/profile-code-step.ts`; writes a
// .cpuprofile of the server under load to /tmp/twofold-profile.
import { mkdirSync } from 'node:fs';
import { Pool } from 'undici';
import { generateTotpCode } from '../src/domain/totp.js';
import { migrateToLatest, openStore } from '../src/store/db.js';
import { FlowClient, runFlows } from './lib/load.js';
import { startProcess } from './lib/processes.js';
import { BENCH_SECRET, benchAttemptToken, benchTotpSecret, seedBenchPeople } from './lib/seed-twofold.js';

const dir = '/tmp/twofold-profile';
mkdirSync(dir, { recursive: true });
const store = openStore(`sqlite:${dir}/db.sqlite`);
await migrateToLatest(store);
await seedBenchPeople(store, { plainUsers: 1, totpUsers: 20_000, attempts: 20_000 });
await store.close();
const server = await startProcess(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'dist/start.js'], { DATABASE_URL: `sqlite:${dir}/db.sqlite`, TWOFOLD_SECRET: BENCH_SECRET, PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production', DATA_DIR: dir }, /Twofold listening at (http:\S+)/);
const pool = new Pool(server.url);
const browser = new FlowClient(pool);
const token = /name="_csrf" value="([^"]+)"/.exec((await browser.request('GET', '/sign-in')).body)![1]!;
let i = 0;
const result = await runFlows(server, {
  seconds: 6,
  concurrency: 16,
  flow: async (client) => {
    const n = i++;
    client.cookies = new Map([...browser.cookies, ['twofold_attempt', benchAttemptToken(n)]]);
    const reply = await client.request('POST', '/sign-in/code', new URLSearchParams({ _csrf: token, code: generateTotpCode({ secret: benchTotpSecret(n), timeInMs: Date.now() }) }).toString());
    return reply.headers.location === '/';
  },
});
console.log(result);
await pool.close();
server.child.kill('SIGINT');
await new Promise((r) => server.child.once('exit', r));
