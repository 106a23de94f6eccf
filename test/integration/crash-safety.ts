// Crash safety (run by crash-safety.sqlite.test.ts and crash-safety.postgres.test.ts): the real server process is SIGKILLed in the middle of mixed load
// (password sign-ins, code steps, 2FA enrolments through to "turn on", password resets
// through the emailed link, the email worker sending to a real SMTP server), restarted on
// the same database, and then every answer the clients were given must still be true,
// nothing may be half-done, and the email queue must deliver everything it holds (the one
// message in flight at a crash at most twice).
//
// Four crashes per database: one from the test after a number of completed operations
// (wherever the server happens to be), then three at named points half-way through a
// change (TWOFOLD_TEST_CRASH_AT, a test-only switch the server refuses in production): the
// factor row of "turn on 2FA" written but not the rest, the new password of a reset
// written but not the rest, and an email accepted by the mail server but not marked sent.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import type { ServiceContext } from '../../src/services/context.js';
import { openTotpSecret } from '../../src/services/two-factor.js';
import type { Store } from '../../src/store/db.js';
import { TestClient } from '../helpers/client.js';
import { TestClock } from '../helpers/clock.js';
import { DATABASES, type TestDatabase } from '../helpers/databases.js';
import { type TestUser, createTestUser, submitPassword } from '../helpers/fixtures.js';
import { startServerProcess } from '../helpers/processes.js';
import { TEST_SECRET, testServices } from '../helpers/server.js';
import { CapturingSmtpServer, linkIn } from '../helpers/smtp.js';

const LISTENING = /Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/;
/** Generous for a loaded machine, but finite: a round that never gets there fails. */
const ROUND_DEADLINE_IN_MS = 40_000;
const NEW_PASSWORD_BASE = 'quartz lantern meadow orbit';

/** How a round ends: the test kills the server after `afterOps` operations, or the server kills itself at a named point. */
type Round = { name: string; afterOps: number } | { name: string; crashAt: string };
const ROUNDS: Round[] = [
  { name: 'SIGKILL from the test after 12 completed operations (each kind at least once)', afterOps: 12 },
  { name: 'SIGKILL half-way through turning 2FA on', crashAt: 'two-factor-on:2' },
  { name: 'SIGKILL half-way through setting a password from a reset link', crashAt: 'password-reset:1' },
  { name: 'SIGKILL between the mail server\'s 250 OK and marking the email sent', crashAt: 'email-sent:2' },
];

type Cookies = Map<string, string>;
/** What a client was told, to be checked after the restart. */
interface Claims {
  /** a 303 into a session (a password sign-in or a code step) */
  sessions: Array<{ email: string; cookies: Cookies; how: string }>;
  /** "2FA is on": the secret the page showed, the recovery codes it showed, the session it gave */
  enrolments: Array<{ user: TestUser; secret: Uint8Array; codes: string[]; cookies: Cookies; otherBrowser: Cookies }>;
  /** the reset answered done */
  resets: Array<{ user: TestUser; oldPassword: string; newPassword: string }>;
}

/** The whole test on one database; crash-safety.<database>.test.ts each run one, so the two run side by side. */
export function describeCrashSafety(database: TestDatabase): void {
  describe(`crash safety: SIGKILL under mixed load, then a restart [${database.name}]`, () => {
    const smtp = new CapturingSmtpServer();
    let db: { store: Store; url: string; destroy(): Promise<void> };
    let services: ServiceContext;
    let dataDir: string;
    const pools = { signIn: [] as TestUser[], code: [] as TestUser[], enrol: [] as TestUser[], reset: [] as TestUser[] };
    const seededMail = new Set<string>();
    let server: { child: ChildProcess; output: () => string; url: string } | undefined;

    beforeAll(async () => {
      await smtp.start();
      db = await database.create();
      dataDir = mkdtempSync(join(tmpdir(), 'twofold-crash-'));
      services = { ...testServices(db.store, new TestClock()), now: Date.now };
      // Seeded a few at a time (argon2 takes both cores), each person used by one operation only.
      const make = async (count: number, withTotp: boolean) => {
        const made: TestUser[] = [];
        for (let i = 0; i < count; i += 6) made.push(...(await Promise.all(Array.from({ length: Math.min(6, count - i) }, () => createTestUser(services, { withTotp })))));
        return made;
      };
      const started = Date.now();
      pools.signIn = await make(40, false);
      pools.code = await make(40, true);
      pools.enrol = await make(20, false);
      pools.reset = await make(10, false);
      // The people seeded with 2FA were sent "2FA turned on" notices: count them as delivered
      // before the test began, so the worker's time goes to the load's own mail.
      for (const { id } of await db.store.db.selectFrom('email_queue').select('id').execute()) seededMail.add(id);
      await db.store.db.updateTable('email_queue').set({ status: 'sent', sent_at: Date.now() }).execute();
      console.log(`seeded in ${Date.now() - started} ms`);
    });

    afterAll(async () => {
      if (server && server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await once(server.child, 'exit');
      }
      await db?.destroy();
      await smtp.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    async function start(extraEnv: Record<string, string> = {}) {
      const env = {
        DATABASE_URL: db.url,
        TWOFOLD_SECRET: TEST_SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        PUBLIC_URL: '',
        DATA_DIR: dataDir,
        SMTP_URL: `${smtp.url}?starttls=never`,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        ...extraEnv,
      };
      const started = await startServerProcess(env, [LISTENING]);
      // The helper rejects on exit while starting; from here on, the test watches exits itself.
      started.child.removeAllListeners('exit');
      server = { child: started.child, output: started.output, url: started.matches[0]![1]! };
      return server;
    }

    const dead = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

    /** Waits for `condition`, polling; fails with `what` after `timeoutInMs`. */
    async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutInMs = ROUND_DEADLINE_IN_MS): Promise<void> {
      const deadline = Date.now() + timeoutInMs;
      while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${server ? `; the server said:\n${server.output().slice(-3000)}` : ''}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    /**
     * Mixed load against one server until it dies: each loop takes the next unused person of
     * its kind. An unexpected answer while the server is alive is a failure; no answer once
     * it is dead (or being killed) is what a crash looks like, and ends the loop.
     */
    function driveLoad(target: { child: ChildProcess; url: string }, claims: Claims) {
      const state = { completed: 0, byKind: new Map<string, number>(), problems: [] as string[], stopping: false };
      const take = (pool: TestUser[]) => pool.shift();
      const expectReply = (what: string, reply: { status: number; location: string | null; body: string }, status: number, location?: RegExp) => {
        if (reply.status !== status || (location && !location.test(reply.location ?? ''))) {
          throw Object.assign(new Error(`${what}: expected ${status} ${location ?? ''}, got ${reply.status} ${reply.location ?? ''} ${reply.body.slice(0, 300)}`), { unexpected: true });
        }
      };

      async function passwordSignIn(user: TestUser) {
        const client = new TestClient(target.url);
        expectReply('password sign-in', await submitPassword(client, user.email, user.password), 303, /^\/$/);
        claims.sessions.push({ email: user.email, cookies: new Map(client.cookies), how: 'password sign-in' });
      }
      async function codeStep(user: TestUser) {
        const client = new TestClient(target.url);
        expectReply('password step', await submitPassword(client, user.email, user.password), 303, /^\/sign-in\/code$/);
        await client.get('/sign-in/code');
        expectReply('code step', await client.post('/sign-in/code', { code: generateTotpCode({ secret: user.secret!, timeInMs: Date.now() }) }), 303, /^\/$/);
        claims.sessions.push({ email: user.email, cookies: new Map(client.cookies), how: 'code step' });
      }
      async function enrol(user: TestUser) {
        // Signed in on another browser too: turning 2FA on must end that session.
        const other = new TestClient(target.url);
        expectReply('sign-in on another browser', await submitPassword(other, user.email, user.password), 303, /^\/$/);
        const client = new TestClient(target.url);
        expectReply('sign-in before enrolling', await submitPassword(client, user.email, user.password), 303, /^\/$/);
        const page = await client.get('/settings/two-factor/app');
        expectReply('the app set-up page', page, 200);
        const secret = secretFromBase32(/id="totp-secret"[^>]*>([^<]+)</.exec(page.body)![1]!.replace(/\s/g, ''));
        expectReply('proving the app', await client.post('/settings/two-factor/app', { code: generateTotpCode({ secret, timeInMs: Date.now() }) }), 303, /^\/settings\/recovery-codes$/);
        const codesPage = await client.get('/settings/recovery-codes');
        expectReply('the recovery codes page', codesPage, 200);
        const codes = [...codesPage.body.matchAll(/<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/g)].map((m) => m[1]!);
        const shown = /name="shown" value="(\d+)"/.exec(codesPage.body)![1]!;
        expectReply('"I have saved my recovery codes"', await client.post('/settings/recovery-codes/saved', { saved: 'yes', shown }), 303, /^\/settings\/(mobile\/backup|security)\?notice=two_factor_on$/);
        claims.enrolments.push({ user, secret, codes, cookies: new Map(client.cookies), otherBrowser: new Map(other.cookies) });
      }
      async function reset(user: TestUser) {
        // Signed in first: the reset must end this session.
        const before = new TestClient(target.url);
        expectReply('sign-in before the reset', await submitPassword(before, user.email, user.password), 303, /^\/$/);
        const client = new TestClient(target.url);
        await client.get('/forgot-password');
        expectReply('forgot password', await client.post('/forgot-password', { email: user.email }), 200);
        const isReset = (m: (typeof smtp.messages)[number]) => m.subject === 'Reset your Twofold password';
        // The link comes by email, through the worker of this server (or of the next one).
        const deadline = Date.now() + ROUND_DEADLINE_IN_MS;
        while (!smtp.to(user.email).some(isReset)) {
          if (dead(target.child) || state.stopping) throw new Error('the server is gone');
          if (Date.now() > deadline) throw Object.assign(new Error(`no reset email for ${user.email}`), { unexpected: true });
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        const link = new URL(linkIn(smtp.to(user.email).find(isReset)!));
        const token = link.searchParams.get('token')!;
        expectReply('the reset link', await client.get(`${link.pathname}${link.search}`), 200);
        const newPassword = `${NEW_PASSWORD_BASE} ${user.id.slice(0, 6)}`;
        expectReply('choosing the new password', await client.post('/reset-password', { token, password: newPassword, confirm_password: newPassword }), 303, /^\/sign-in\?notice=password_reset_done_no_2fa$/);
        claims.resets.push({ user, oldPassword: user.password, newPassword });
      }

      /** `quota`: at most this many operations this round (sign-ins are quick; the people would run out). */
      const loop = async (pool: TestUser[], operation: (user: TestUser) => Promise<void>, quota = Infinity) => {
        for (let done = 0; done < quota && !state.stopping; done++) {
          const user = take(pool);
          if (!user) return;
          try {
            await operation(user);
            state.completed += 1;
            state.byKind.set(operation.name, (state.byKind.get(operation.name) ?? 0) + 1);
          } catch (error) {
            if ((error as { unexpected?: boolean }).unexpected && !dead(target.child) && !state.stopping) state.problems.push((error as Error).message);
            // No answer: the server was killed (or is being killed). Anything else is a failure.
            else if (!dead(target.child) && !state.stopping) {
              await new Promise((resolve) => setTimeout(resolve, 200)); // the exit event may trail the reset connection
              if (!dead(target.child)) state.problems.push(`no answer from a live server: ${(error as Error).message}`);
            }
            return;
          }
        }
      };
      const loops = Promise.all([
        loop(pools.signIn, passwordSignIn, 5),
        loop(pools.signIn, passwordSignIn, 5),
        loop(pools.code, codeStep, 5),
        loop(pools.code, codeStep, 5),
        loop(pools.enrol, enrol, 3),
        loop(pools.enrol, enrol, 3),
        loop(pools.reset, reset, 2),
      ]);
      return { state, loops };
    }

    /** Rows of the email queue a crash may leave: at most one held by the dead worker. */
    async function emailQueueRows() {
      return db.store.db.selectFrom('email_queue').select(['id', 'status', 'locked_until', 'sent_at', 'attempts']).execute();
    }

    function sqliteIntegrity(): string {
      const path = db.url.replace(/^sqlite:/, '');
      const file = new Database(path, { readonly: true });
      try {
        return (file.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('\n');
      } finally {
        file.close();
      }
    }

    /** Nothing half-done: checked after every crash, before the restart, and at the end. */
    async function expectNothingHalfDone(where: string) {
      const q = db.store.db;
      const problems: string[] = [];
      for (const factor of await q.selectFrom('two_factor').selectAll().execute()) {
        if (factor.method === 'totp') {
          if (!factor.totp_secret) problems.push(`${factor.user_id}: an app factor without its secret`);
          else {
            try {
              openTotpSecret(services, factor.user_id, factor.totp_secret);
            } catch {
              problems.push(`${factor.user_id}: an app factor whose secret does not open`);
            }
          }
        }
        const codes = await q.selectFrom('recovery_codes').select('id').where('user_id', '=', factor.user_id).execute();
        if (codes.length === 0) problems.push(`${factor.user_id}: 2FA on without recovery codes`);
        const event = await q.selectFrom('security_events').select('id').where('user_id', '=', factor.user_id).where('type', '=', 'two_factor_enabled').executeTakeFirst();
        if (!event) problems.push(`${factor.user_id}: 2FA on with no "turned on" in the activity`);
        const notice = await q.selectFrom('email_queue').innerJoin('users', 'users.email', 'email_queue.to_address').select('email_queue.id').where('users.id', '=', factor.user_id).where('kind', '=', 'notice:two_factor_enabled').executeTakeFirst();
        if (!notice) problems.push(`${factor.user_id}: 2FA on and the person never told`);
        // Turning it on ends every session but the one that did it (which keeps its sign-in
        // time under a new token): two sessions from before it mean another browser's lived.
        const older = await q.selectFrom('sessions').select('id').where('user_id', '=', factor.user_id).where('created_at', '<', factor.enabled_at).execute();
        if (older.length > 1) problems.push(`${factor.user_id}: 2FA on but ${older.length - 1} other session(s) from before it still live`);
        const pending = await q.selectFrom('two_factor_activations').select('user_id').where('user_id', '=', factor.user_id).executeTakeFirst();
        if (pending) problems.push(`${factor.user_id}: 2FA on and its proved factor still waiting`);
      }
      // Recovery codes belong to a factor that is on, or to one proved and waiting for "saved".
      const withCodes = await q.selectFrom('recovery_codes').select('user_id').distinct().execute();
      for (const { user_id } of withCodes) {
        const on = await q.selectFrom('two_factor').select('user_id').where('user_id', '=', user_id).executeTakeFirst();
        const waiting = await q.selectFrom('two_factor_activations').select('user_id').where('user_id', '=', user_id).executeTakeFirst();
        if (!on && !waiting) problems.push(`${user_id}: recovery codes for no factor`);
      }
      const orphans = await q.selectFrom('sessions').leftJoin('users', 'users.id', 'sessions.user_id').select('sessions.id').where('users.id', 'is', null).execute();
      if (orphans.length > 0) problems.push(`${orphans.length} session(s) without their user`);
      // A password set from a link ends every session from before it.
      const stale = await q
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['users.email', 'sessions.created_at', 'users.password_changed_at'])
        .where('users.password_changed_at', 'is not', null)
        .whereRef('sessions.created_at', '<', 'users.password_changed_at')
        .execute();
      for (const s of stale) problems.push(`${s.email}: a session from before the password changed is still live`);
      const resets = await q.selectFrom('security_events').select('user_id').where('type', '=', 'password_reset').execute();
      for (const { user_id } of resets) {
        const notice = await q.selectFrom('email_queue').innerJoin('users', 'users.email', 'email_queue.to_address').select('email_queue.id').where('users.id', '=', user_id!).where('kind', '=', 'notice:password_reset').executeTakeFirst();
        if (!notice) problems.push(`${user_id}: password reset and the person never told`);
      }
      for (const row of await emailQueueRows()) {
        if (!['pending', 'sending', 'sent', 'failed'].includes(row.status)) problems.push(`email ${row.id}: status ${row.status}`);
        if (row.status === 'sent' && row.sent_at === null) problems.push(`email ${row.id}: sent without sent_at`);
        if (row.status === 'sending' && row.locked_until === null) problems.push(`email ${row.id}: sending without a lock`);
      }
      if (database.name === 'sqlite') expect(sqliteIntegrity(), `${where}: PRAGMA integrity_check`).toBe('ok');
      expect(problems, `${where}: half-done changes`).toEqual([]);
    }

    it('keeps every answer it gave and leaves nothing half-done, and the email queue delivers everything', async () => {
      const claims: Claims = { sessions: [], enrolments: [], resets: [] };
      // A message can be in flight at more than one crash (held, handed on, held again): each
      // crash it was caught in allows one more delivery of it, never more.
      const inFlightAtACrash = new Map<string, number>();
      const testStarted = Date.now();
      for (const round of ROUNDS) {
        const running = await start('crashAt' in round ? { TWOFOLD_TEST_CRASH_AT: round.crashAt } : {});
        const load = driveLoad(running, claims);
        if ('afterOps' in round) {
          // Every kind has answered at least once, so each kind of claim is checked after a crash.
          await waitUntil(`${round.afterOps} completed operations, each kind at least once`, () => (load.state.completed >= round.afterOps && load.state.byKind.size === 4) || load.state.problems.length > 0);
          load.state.stopping = true;
          running.child.kill('SIGKILL');
        } else {
          await waitUntil(`the server to kill itself at ${round.crashAt}`, () => dead(running.child) || load.state.problems.length > 0);
        }
        await waitUntil('the server to exit', () => dead(running.child), 10_000);
        load.state.stopping = true;
        await load.loops;
        console.log(`${database.name}: ${round.name}: ${load.state.completed} operations completed (${[...load.state.byKind].map(([k, n]) => `${k} ${n}`).join(', ')}) at ${Date.now() - testStarted} ms`);
        expect(load.state.problems, `${round.name}: unexpected answers`).toEqual([]);
        expect(running.child.signalCode, `${round.name}: ended by SIGKILL\n${running.output().slice(-2000)}`).toBe('SIGKILL');
        if ('crashAt' in round) expect(running.output()).toContain(`TWOFOLD_TEST_CRASH_AT: SIGKILL at ${round.crashAt.split(':')[0]}`);
        // The email worker can reach its crash point on mail queued by the rounds before, ahead
        // of any request: that round is about the queue, so it need not have served anyone.
        if (!('crashAt' in round && round.crashAt.startsWith('email-sent'))) expect(load.state.completed, `${round.name}: some operations completed`).toBeGreaterThan(0);

        await expectNothingHalfDone(`after "${round.name}"`);
        // One worker sends one message at a time: a crash leaves at most that one held.
        const held = (await emailQueueRows()).filter((r) => r.status === 'sending');
        expect(held.length, `${round.name}: messages held by the dead worker`).toBeLessThanOrEqual(1);
        for (const row of held) inFlightAtACrash.set(row.id, (inFlightAtACrash.get(row.id) ?? 0) + 1);
        // Its lock (2 minutes) would hand it to the next worker once expired; the test does
        // not wait 2 minutes: it moves the lock's end to now, as the clock would.
        if (held.length > 0) await db.store.db.updateTable('email_queue').set({ locked_until: Date.now() - 1 }).where('status', '=', 'sending').execute();
      }
      // The email-sent crash left exactly the message in flight, already delivered once.
      expect(inFlightAtACrash.size).toBeGreaterThan(0);

      // The restart: the same database, no crash this time.
      const last = await start();
      const mailIds = () => smtp.messages.map((m) => /^<(.+)@twofold>$/.exec(m.messageId ?? '')?.[1] ?? `foreign ${m.messageId}`);
      // The queue resumes: everything queued (before the crashes, and by the checks below) is delivered.
      async function drained() {
        const rows = await emailQueueRows();
        return rows.every((r) => r.status === 'sent' || r.status === 'failed');
      }

      // Every claim is still true.
      const seen: string[] = [];
      for (const claim of claims.sessions) {
        const client = new TestClient(last.url);
        client.cookies = new Map(claim.cookies);
        const reply = await client.get('/api/session');
        seen.push(`${claim.how} ${claim.email}: ${reply.status}`);
        expect(reply.status, `${claim.how} of ${claim.email}: the session it gave works after the restart`).toBe(200);
        expect(JSON.parse(reply.body).user.email).toBe(claim.email);
      }
      for (const { user, secret, codes, cookies, otherBrowser } of claims.enrolments) {
        const factor = await db.store.db.selectFrom('two_factor').selectAll().where('user_id', '=', user.id).executeTakeFirst();
        expect(factor?.method, `${user.email}: "2FA is on" holds after the restart`).toBe('totp');
        expect(Buffer.from(openTotpSecret(services, user.id, factor!.totp_secret!)).equals(Buffer.from(secret)), `${user.email}: the secret is the one the page showed`).toBe(true);
        expect(codes).toHaveLength(10);
        const stored = await db.store.db.selectFrom('recovery_codes').select('id').where('user_id', '=', user.id).where('used_at', 'is', null).execute();
        expect(stored).toHaveLength(10);
        const session = new TestClient(last.url);
        session.cookies = new Map(cookies);
        expect((await session.get('/api/session')).status, `${user.email}: the session "turn on" gave works`).toBe(200);
        const ended = new TestClient(last.url);
        ended.cookies = new Map(otherBrowser);
        expect((await ended.get('/api/session')).status, `${user.email}: the other browser's session ended with "turn on"`).toBe(401);
        // A code the page showed signs in: the shown set is the stored set.
        const client = new TestClient(last.url);
        expect((await submitPassword(client, user.email, user.password)).location).toBe('/sign-in/code');
        await client.get('/sign-in/recovery-code');
        expect((await client.post('/sign-in/recovery-code', { code: codes[3]! })).location, `${user.email}: a shown recovery code signs in`).toBe('/');
      }
      for (const { user, oldPassword, newPassword } of claims.resets) {
        expect((await submitPassword(new TestClient(last.url), user.email, newPassword)).location, `${user.email}: the new password works`).toBe('/');
        expect((await submitPassword(new TestClient(last.url), user.email, oldPassword)).status, `${user.email}: the old password does not`).toBe(401);
      }
      // Each kind of answer was given and checked at least once.
      expect(claims.sessions.length, seen.join('\n')).toBeGreaterThan(4);
      expect(claims.enrolments.length).toBeGreaterThan(0);
      expect(claims.resets.length).toBeGreaterThan(0);

      await waitUntil('the email queue to drain', drained);
      await expectNothingHalfDone('after the restart');
      const rows = (await emailQueueRows()).filter((r) => !seededMail.has(r.id));
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.filter((r) => r.status !== 'sent'), 'every queued message delivered').toEqual([]);
      const deliveries = new Map<string, number>();
      for (const id of mailIds()) deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      for (const row of rows) expect(deliveries.get(row.id) ?? 0, `email ${row.id} delivered`).toBeGreaterThanOrEqual(1);
      const twice = [...deliveries].filter(([, n]) => n > 1).map(([id]) => id);
      expect(twice.every((id) => inFlightAtACrash.has(id)), `delivered twice: ${twice} (in flight at a crash: ${[...inFlightAtACrash.keys()]})`).toBe(true);
      expect([...deliveries.keys()].filter((id) => !rows.some((r) => r.id === id)), 'mail that is not in the queue').toEqual([]);
      for (const [id, n] of deliveries) expect(n, `email ${id} delivered ${n} times, in flight at ${inFlightAtACrash.get(id) ?? 0} crashes`).toBeLessThanOrEqual(1 + (inFlightAtACrash.get(id) ?? 0));

      last.child.kill('SIGTERM');
      await once(last.child, 'exit');
      if (database.name === 'sqlite') {
        expect(existsSync(db.url.replace(/^sqlite:/, ''))).toBe(true);
        expect(sqliteIntegrity()).toBe('ok');
      }
    }, 240_000);
  });
}

export function databaseNamed(name: TestDatabase['name']): TestDatabase {
  return DATABASES.find((d) => d.name === name)!;
}
