// `npm run soak`: a long run. Measures what the machine can do for a whole day's mix
// (password, TOTP code, a few session checks, the settings page, sign-out), then drives
// that mix at SOAK_LOAD (0.8) of it for SOAK_MINUTES (10) and reports, minute by minute:
// completed flows, errors (must be 0), p50/p99 of a flow and of a session check, and the
// server's RSS; and table sizes before and after (housekeeping runs every minute here).
// Results go to bench/results/soak-<date>.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { generateTotpCode } from '../src/domain/totp.js';
import { migrateToLatest, openStore } from '../src/store/db.js';
import { FlowClient, runFlows } from './lib/load.js';
import { serverNodeFlags, startProcess } from './lib/processes.js';
import { BENCH_PASSWORD, BENCH_SECRET, benchTotpSecret, seedBenchPeople, totpEmail } from './lib/seed-twofold.js';
import { percentile } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const LOAD = Number(process.env.SOAK_LOAD ?? 0.8);
/** Enough people that each signs in again only after their last code's 30-second step has passed. */
const PEOPLE = Number(process.env.SOAK_PEOPLE ?? 30_000);
const MAX_IN_FLIGHT = 64;
const TABLES = ['users', 'sessions', 'sign_in_attempts', 'throttles', 'security_events', 'email_queue', 'known_browsers', 'remembered_devices', 'sms_codes', 'oidc_payloads'];

const log = (message: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}`);
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function tableSizes(dbPath: string): Record<string, number> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return Object.fromEntries(TABLES.map((table) => [table, (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

interface Minute {
  minute: number;
  flows: number;
  errors: number;
  flowP50Ms: number;
  flowP99Ms: number;
  sessionP99Ms: number;
  rssMiB: number;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'twofold-soak-'));
  const dbPath = join(work, 'twofold.sqlite');
  const store = openStore(`sqlite:${dbPath}`);
  await migrateToLatest(store);
  log(`seeding ${PEOPLE} people with an authenticator`);
  await seedBenchPeople(store, { plainUsers: 0, totpUsers: PEOPLE, attempts: 0 });
  await store.close();
  const server = await startProcess(
    process.execPath,
    [...serverNodeFlags(), 'dist/start.js'],
    { DATABASE_URL: `sqlite:${dbPath}`, TWOFOLD_SECRET: BENCH_SECRET, PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production', DATA_DIR: work, HOUSEKEEPING_INTERVAL_SECONDS: '60' },
    /Twofold listening at (http:\S+)/,
    ROOT,
  );
  const pid = server.child.pid!;
  const pool = new Pool(server.url, { connections: MAX_IN_FLIGHT, pipelining: 1 });
  const browser = new FlowClient(pool);
  const token = /name="_csrf" value="([^"]+)"/.exec((await browser.request('GET', '/sign-in')).body)![1]!;
  let nextPerson = 0;
  const sessionLatencies: number[] = [];

  /** One person's visit: password, code, three session checks, the settings page, sign-out. */
  const visit = async (client: FlowClient): Promise<boolean> => {
    const i = nextPerson++ % PEOPLE;
    client.cookies = new Map(browser.cookies);
    const first = await client.request('POST', '/sign-in', form({ _csrf: token, email: totpEmail(i), password: BENCH_PASSWORD }));
    if (first.headers.location !== '/sign-in/code') return false;
    const second = await client.request('POST', '/sign-in/code', form({ _csrf: token, code: generateTotpCode({ secret: benchTotpSecret(i), timeInMs: Date.now() }) }));
    if (second.headers.location !== '/') return false;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      if ((await client.request('GET', '/api/session')).status !== 200) return false;
      sessionLatencies.push(performance.now() - t0);
    }
    const settings = await client.request('GET', '/settings/security');
    if (settings.status !== 200) return false;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(settings.body)?.[1];
    if (!csrf) return false;
    return (await client.request('POST', '/sign-out', form({ _csrf: csrf }))).status === 303;
  };

  log('measuring capacity: 20 s flat out, 16 at a time');
  const capacity = await runFlows(server, { seconds: 20, concurrency: 16, flow: visit });
  const rate = capacity.perSecond * LOAD;
  log(`capacity ${capacity.perSecond.toFixed(1)} visits/s (p99 ${capacity.p99Ms.toFixed(0)} ms); soaking at ${rate.toFixed(1)}/s for ${MINUTES} min`);
  const before = tableSizes(dbPath);
  sessionLatencies.length = 0;

  const minutes: Minute[] = [];
  let flowLatencies: number[] = [];
  let errors = 0;
  let inFlight = 0;
  let dropped = 0;
  const started = performance.now();
  const end = started + MINUTES * 60_000;
  let minuteEnd = started + 60_000;
  let scheduled = 0;
  const running = new Set<Promise<void>>();
  const closeMinute = () => {
    const sortedFlows = [...flowLatencies].sort((a, b) => a - b);
    const sortedSessions = [...sessionLatencies].sort((a, b) => a - b);
    const minute = { minute: minutes.length + 1, flows: sortedFlows.length, errors, flowP50Ms: percentile(sortedFlows, 50), flowP99Ms: percentile(sortedFlows, 99), sessionP99Ms: percentile(sortedSessions, 99), rssMiB: rssMiB(pid) };
    minutes.push(minute);
    log(`minute ${minute.minute}: ${minute.flows} visits, ${minute.errors} errors, p50 ${minute.flowP50Ms.toFixed(0)} ms, p99 ${minute.flowP99Ms.toFixed(0)} ms, session p99 ${minute.sessionP99Ms.toFixed(1)} ms, RSS ${minute.rssMiB.toFixed(0)} MiB`);
    flowLatencies = [];
    sessionLatencies.length = 0;
    errors = 0;
    minuteEnd += 60_000;
  };
  while (performance.now() < end) {
    // Open-loop: visits start on a fixed schedule whatever the replies, as real traffic does.
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (scheduled < due) {
      scheduled += 1;
      if (inFlight >= MAX_IN_FLIGHT) {
        dropped += 1;
        continue;
      }
      inFlight += 1;
      const t0 = performance.now();
      const done = visit(new FlowClient(pool))
        .then((ok) => {
          if (ok) flowLatencies.push(performance.now() - t0);
          else errors += 1;
        })
        .catch(() => {
          errors += 1;
        })
        .finally(() => {
          inFlight -= 1;
          running.delete(done);
        });
      running.add(done);
    }
    if (performance.now() >= minuteEnd) closeMinute();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(running);
  // The last minute, with the visits still in flight at its end.
  if (minutes.length < MINUTES) closeMinute();
  // Housekeeping has run every minute; one more pass after the load is what a quiet hour sees.
  await new Promise((resolve) => setTimeout(resolve, 61_000));
  const after = tableSizes(dbPath);
  await pool.close();
  await server.stop();

  const warm = minutes[0]?.rssMiB ?? 0;
  const last = minutes.at(-1)?.rssMiB ?? 0;
  const summary = {
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    minutes: MINUTES,
    load: LOAD,
    capacityPerSecond: capacity.perSecond,
    ratePerSecond: rate,
    totalErrors: minutes.reduce((sum, m) => sum + m.errors, 0),
    droppedForBackPressure: dropped,
    rssAfterWarmUpMiB: warm,
    rssAtEndMiB: last,
    rssGrowth: warm ? (last - warm) / warm : Number.NaN,
    perMinute: minutes,
    tablesBefore: before,
    tablesAfter: after,
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `soak-${summary.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(summary, null, 2));
  rmSync(work, { recursive: true, force: true });
  log(`errors ${summary.totalErrors}, RSS ${warm.toFixed(0)} → ${last.toFixed(0)} MiB (${(summary.rssGrowth * 100).toFixed(1)}%), dropped ${dropped}`);
  log(`tables before ${JSON.stringify(before)}`);
  log(`tables after  ${JSON.stringify(after)}`);
  log(`written ${file}`);
  if (summary.totalErrors > 0 || !(summary.rssGrowth < 0.1)) process.exitCode = 1;
}

await main();
