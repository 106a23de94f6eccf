// `npm run example`: Twofold on http://localhost:3000 and Harbour CRM on
// http://localhost:4000, set up as an operator would with `npx twofold` on the first run
// (an aggregator, a firm, a person, the CRM registered for the aggregator), reused after.
// Everything lives in .example-data/ (git-ignored); delete it to start afresh.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildCrm } from './app.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DATA_DIR = join(ROOT, '.example-data');
const SAVED = join(DATA_DIR, 'example.json');
const TWOFOLD_PORT = 3000;
const CRM_PORT = 4000;
const TWOFOLD_URL = `http://localhost:${TWOFOLD_PORT}`;
const CRM_URL = `http://localhost:${CRM_PORT}`;
const AGGREGATOR = 'Harbour Aggregation';
const FIRM = 'Harbour Brokers';

interface Saved {
  clientId: string;
  clientSecret: string;
  email: string;
  password: string;
}

// Only what Twofold needs, never the caller's DATABASE_URL, TRUST_PROXY or NODE_ENV; run
// from the data folder, so no .env of the caller's is read either.
const twofoldEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DATA_DIR,
  DATABASE_URL: `sqlite:${join(DATA_DIR, 'twofold.sqlite')}`,
  HOST: '127.0.0.1',
  PORT: String(TWOFOLD_PORT),
  PUBLIC_URL: TWOFOLD_URL,
  DEV_OUTBOX: '1',
  LOG_LEVEL: 'warn',
};

/** `npx twofold …` against the example's database; its output, or the reason it failed. */
function twofoldCli(args: string[], input?: string): string {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin/twofold.js'), ...args], { cwd: DATA_DIR, env: twofoldEnv, input, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`twofold ${args.slice(0, 2).join(' ')} failed: ${(run.stderr || run.stdout).trim()}`);
  return run.stdout;
}

/** The first run: what an operator types, with the client secret kept here since it is shown once. */
function setUp(): Saved {
  const email = 'sam@harbour-brokers.example.com';
  const password = randomBytes(15).toString('base64url');
  twofoldCli(['org', 'add', AGGREGATOR]);
  twofoldCli(['org', 'add', FIRM, '--parent', AGGREGATOR]);
  twofoldCli(['user', 'add', '--email', email, '--name', 'Sam Lee', '--org', FIRM, '--role', 'member', '--password-stdin'], `${password}\n`);
  const added = twofoldCli(['client', 'add', '--name', 'Harbour CRM', '--redirect-uri', `${CRM_URL}/callback`, '--post-logout-redirect-uri', `${CRM_URL}/signed-out`, '--org', AGGREGATOR]);
  const field = (name: string) => new RegExp(`^${name}: (\\S+)$`, 'm').exec(added)?.[1];
  const clientId = field('client_id');
  const clientSecret = field('client_secret');
  if (!clientId || !clientSecret) throw new Error(`unexpected output of twofold client add:\n${added}`);
  const saved = { clientId, clientSecret, email, password };
  writeFileSync(SAVED, JSON.stringify(saved, null, 2), { mode: 0o600 });
  return saved;
}

function loadOrSetUp(): Saved {
  if (existsSync(SAVED)) return JSON.parse(readFileSync(SAVED, 'utf8')) as Saved;
  if (existsSync(DATA_DIR)) throw new Error(`${DATA_DIR} exists without ${SAVED} (an earlier first run stopped half-way?): delete the folder and run again.`);
  mkdirSync(DATA_DIR, { recursive: true });
  try {
    console.log(`First run: setting up Twofold in ${DATA_DIR} …`);
    return setUp();
  } catch (error) {
    // Half a set-up would only confuse the next run.
    rmSync(DATA_DIR, { recursive: true, force: true });
    throw error;
  }
}

/** Starts Twofold and resolves with its development outbox link once it listens. */
function startTwofold(): Promise<{ child: ChildProcess; outboxLink: string }> {
  // Its own process group: Ctrl-C reaches this script only, which stops Twofold once, gracefully.
  const child = spawn(process.execPath, [join(ROOT, 'dist/start.js')], { cwd: DATA_DIR, env: twofoldEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return new Promise((resolve, reject) => {
    let timer = setTimeout(() => reject(new Error('Twofold did not start within 60 seconds')), 60_000);
    const ready = (outboxLink: string) => {
      clearTimeout(timer);
      resolve({ child, outboxLink });
    };
    createInterface({ input: child.stderr! }).on('line', (line) => console.error(`twofold | ${line}`));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // Listening, then (DEV_OUTBOX=1) the outbox link a few lines later: wait for it, a little.
      const link = /^\s*(http\S+\/dev\/outbox\?key=\S+)/.exec(line)?.[1];
      if (link) return ready(link);
      if (line.startsWith('Twofold listening at')) {
        clearTimeout(timer);
        timer = setTimeout(() => ready(''), 2_000);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Twofold stopped (exit code ${code}). Is something else using port ${TWOFOLD_PORT}?`));
    });
  });
}

async function main(): Promise<void> {
  const saved = loadOrSetUp();
  const { child, outboxLink } = await startTwofold();
  process.once('exit', () => child.kill('SIGTERM'));
  const crm = await buildCrm({ issuer: TWOFOLD_URL, clientId: saved.clientId, clientSecret: saved.clientSecret, baseUrl: CRM_URL });
  try {
    await crm.listen({ port: CRM_PORT, host: '127.0.0.1' });
  } catch (error) {
    child.kill('SIGTERM');
    throw new Error(`Harbour CRM could not listen on port ${CRM_PORT}: ${error instanceof Error ? error.message : String(error)}`);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Harbour CRM and Twofold …');
    await crm.close();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop());
  child.on('exit', (code) => {
    if (stopping) return;
    console.error(`Twofold stopped unexpectedly (exit code ${code}).`);
    void crm.close().then(() => process.exit(1));
  });

  console.log(`
Harbour CRM signs in with Twofold. Open:

  ${CRM_URL}

and press Sign in. Sign in to Twofold as:

  Email:     ${saved.email}
  Password:  ${saved.password}

(the password made on the first run). Sam starts without a second factor, so the CRM
shows "password" and one factor, and "Ask for two factors" is refused; set one up in
Twofold (${TWOFOLD_URL}, Protect my account) and ask again. Texts and emails Twofold
would send are kept here:

  ${outboxLink || '(the link printed by Twofold above)'}

Twofold's data, and the CRM's client secret, are in ${DATA_DIR} (delete it to start afresh).
Press Ctrl-C to stop both.
`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
