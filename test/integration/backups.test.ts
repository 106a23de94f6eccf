// Backups as an operator makes them: `twofold backup` while a real server process serves
// sign-ins, `twofold restore` into a fresh data folder, a server started on it, a sign-in
// with password and authenticator code. Restore refuses while anything has the database
// open. PostgreSQL: the README's pg_dump and pg_restore commands, run for real.
import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import { Migrator } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, MIGRATION_NAMES, migrateToLatest, openStore, type Store } from '../../src/store/db.js';
import { findUserByEmail } from '../../src/store/users.js';
import { TestClient } from '../helpers/client.js';
import { type TestUser, createTestUser } from '../helpers/fixtures.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { runCli, startServerProcess, stopProcess } from '../helpers/processes.js';
import { personWithApp, realTimeServices, signInWithPasswordAndApp } from '../helpers/real-time.js';
import { TEST_SECRET } from '../helpers/server.js';

const run = promisify(execFile);
const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;

const servers: ChildProcess[] = [];
async function startServer(env: Record<string, string>): Promise<string> {
  const started = await startServerProcess({ TWOFOLD_SECRET: TEST_SECRET, PORT: '0', PUBLIC_URL: '', ...env }, [LISTENING]);
  servers.push(started.child);
  return started.matches[0]![1]!;
}
afterEach(async () => {
  for (const child of servers.splice(0)) await stopProcess(child);
});

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twofold-backup-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A SQLite data folder with a person who has an authenticator app, made through the services. */
async function sqliteWithPerson(): Promise<{ dir: string; url: string; user: TestUser }> {
  const dir = freshDir();
  const url = `sqlite:${join(dir, 'twofold.sqlite')}`;
  const store = openStore(url);
  try {
    await migrateToLatest(store);
    const user = await personWithApp(realTimeServices(store));
    return { dir, url, user };
  } finally {
    // Closed: the server process is the only one with it open, as in production.
    await store.close();
  }
}

async function withStore<T>(url: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(url);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

describe('SQLite backups [sqlite]', () => {
  it('backs up while a server process serves sign-ins; restored into a fresh DATA_DIR, the person signs in with password and app', async () => {
    const url = `sqlite:${join(freshDir(), 'twofold.sqlite')}`;
    const serverUrl = await startServer({ DATABASE_URL: url });
    // The person is written while the server has the database open, so they live in its WAL
    // (no checkpoint yet): a copy of the main file alone would not have them.
    const user = await withStore(url, (store) => personWithApp(realTimeServices(store)));
    // Sign-ins (each writes an attempt, a throttle and an event) for as long as the backup runs.
    let backingUp = true;
    const answers: number[] = [];
    const load = (async () => {
      while (backingUp) {
        const client = new TestClient(serverUrl);
        await client.get('/sign-in');
        answers.push((await client.post('/sign-in', { email: user.email, password: user.password })).status);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const file = join(freshDir(), 'twofold-backup.sqlite');
    const backup = await runCli(['backup', file], { DATABASE_URL: url, TWOFOLD_SECRET: TEST_SECRET });
    backingUp = false;
    await load;
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toContain(`Wrote ${file}: `);
    expect(backup.stdout).toMatch(/It holds 1 organisations, 1 people, 1 with two-factor on, 0 passkeys, 10 recovery codes, 0 apps, \d+ activity entries\./);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((status) => status === 303)).toBe(true);
    // One self-contained file, whole by SQLite's own check.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const copy = new SQLite(file, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();

    const fresh = freshDir();
    const restoredUrl = `sqlite:${join(fresh, 'data', 'twofold.sqlite')}`;
    const restored = await runCli(['restore', file], { DATABASE_URL: restoredUrl, TWOFOLD_SECRET: TEST_SECRET });
    expect(restored).toMatchObject({ code: 0, stderr: '' });
    expect(restored.stdout).not.toContain('Kept the database');
    expect(restored.stdout).toContain(`It is at this version's level (${MIGRATION_NAMES.at(-1)}).`);
    const restoredServer = await startServer({ DATA_DIR: join(fresh, 'data') });
    await signInWithPasswordAndApp(restoredServer, user);
  });

  it('refuses to restore while a server process has the database open, even idle; after SIGKILL it restores and keeps the old database, WAL included', async () => {
    const { url, user } = await sqliteWithPerson();
    const env = { DATABASE_URL: url, TWOFOLD_SECRET: TEST_SECRET, PUBLIC_URL: 'https://signin.harbour.example' };
    const file = join(freshDir(), 'before-kim.sqlite');
    expect((await runCli(['backup', file], env)).code).toBe(0);
    await startServer({ DATABASE_URL: url });
    // Written through the running server's database after the backup: it must survive in the kept copy.
    expect((await runCli(['user', 'add', '--email', 'kim@harbour.com.au', '--name', 'Kim', '--org', (await withStore(url, async (s) => (await s.db.selectFrom('organizations').select('name').executeTakeFirstOrThrow()).name))], env)).code).toBe(0);

    const refused = await runCli(['restore', file], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Something has');
    expect(refused.stderr).toContain('Nothing was changed.');
    expect(readdirSync(join(url.slice('sqlite:'.length), '..')).filter((name) => name.includes('before-restore'))).toEqual([]);
    expect(await withStore(url, (s) => findUserByEmail(s.db, 'kim@harbour.com.au'))).toBeDefined();

    // A server killed outright leaves no lock behind (the OS drops it), and may leave its WAL.
    const server = servers.pop()!;
    await new Promise((resolve) => {
      server.once('exit', resolve);
      server.kill('SIGKILL');
    });
    const restored = await runCli(['restore', file], env);
    expect(restored).toMatchObject({ code: 0, stderr: '' });
    const keptAs = /Kept the database it replaced as (\S+)\.\n/.exec(restored.stdout)![1]!;
    expect(keptAs).toMatch(/twofold\.sqlite\.before-restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    // The restored database is the backup (no Kim); the kept one has everything the server committed.
    expect(await withStore(url, (s) => findUserByEmail(s.db, 'kim@harbour.com.au'))).toBeUndefined();
    expect(await withStore(url, (s) => findUserByEmail(s.db, user.email))).toBeDefined();
    expect(await withStore(`sqlite:${keptAs}`, (s) => findUserByEmail(s.db, 'kim@harbour.com.au'))).toBeDefined();
  });

  it('refuses while another program (here, this test) has the database open', async () => {
    const { url } = await sqliteWithPerson();
    const env = { DATABASE_URL: url, TWOFOLD_SECRET: TEST_SECRET };
    const file = join(freshDir(), 'b.sqlite');
    expect((await runCli(['backup', file], env)).code).toBe(0);
    const store = openStore(url);
    try {
      await store.db.selectFrom('users').select('id').execute();
      expect((await runCli(['restore', file], env)).stderr).toContain('Something has');
    } finally {
      await store.close();
    }
    expect((await runCli(['restore', file], env)).code).toBe(0);
  });

  it('will not overwrite a file without --force, nor back up PostgreSQL', async () => {
    const { url } = await sqliteWithPerson();
    const env = { DATABASE_URL: url, TWOFOLD_SECRET: TEST_SECRET };
    const file = join(freshDir(), 'b.sqlite');
    writeFileSync(file, 'precious');
    const refused = await runCli(['backup', file], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists. Choose another file, or add --force to replace it.');
    expect(statSync(file).size).toBe('precious'.length);
    expect((await runCli(['backup', file, '--force'], env)).code).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(4096);
    const onPg = await runCli(['backup', join(freshDir(), 'x')], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TWOFOLD_SECRET: TEST_SECRET });
    expect(onPg.stderr).toContain('back it up with pg_dump');
  });

  it('restores only a whole Twofold database at a level this build knows; anything else changes nothing', async () => {
    const { url } = await sqliteWithPerson();
    const env = { DATABASE_URL: url, TWOFOLD_SECRET: TEST_SECRET };
    const dir = freshDir();
    const good = join(dir, 'good.sqlite');
    expect((await runCli(['backup', good], env)).code).toBe(0);

    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database at all\n'.repeat(400));
    const other = join(dir, 'other.sqlite');
    const otherDb = new SQLite(other);
    otherDb.exec('create table users (id text); insert into users values (1)');
    otherDb.close();
    const newer = join(dir, 'newer.sqlite');
    expect((await runCli(['backup', newer], env)).code).toBe(0);
    const newerDb = new SQLite(newer);
    newerDb.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('999-from-the-future', new Date().toISOString());
    newerDb.close();
    // Damaged: the page of the users table's email index overwritten, header and cells.
    const damaged = join(dir, 'damaged.sqlite');
    expect((await runCli(['backup', damaged], env)).code).toBe(0);
    const damagedDb = new SQLite(damaged);
    const page = (damagedDb.prepare("select rootpage from sqlite_master where type = 'index' and tbl_name = 'users'").get() as { rootpage: number }).rootpage;
    const pageSize = damagedDb.pragma('page_size', { simple: true }) as number;
    damagedDb.close();
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0x55), 0, pageSize, (page - 1) * pageSize);
    closeSync(fd);

    const cases: Array<[string, string]> = [
      [join(dir, 'missing.sqlite'), 'There is no file at'],
      [text, 'is not a SQLite database'],
      [other, 'is a SQLite database, but not a Twofold one.'],
      [newer, 'was made by a newer Twofold (it has migration 999-from-the-future'],
      [damaged, "failed SQLite's integrity check"],
      [url.slice('sqlite:'.length), 'is the database itself'],
    ];
    const before = statSync(url.slice('sqlite:'.length)).mtimeMs;
    for (const [file, message] of cases) {
      const refused = await runCli(['restore', file], env);
      expect(refused.code, file).toBe(1);
      expect(refused.stderr, file).toContain(message);
    }
    expect(statSync(url.slice('sqlite:'.length)).mtimeMs).toBe(before);
    expect(readdirSync(join(url.slice('sqlite:'.length), '..')).filter((name) => name !== 'twofold.sqlite')).toEqual([]);
  });

  it('brings a backup from an older version up to this one', async () => {
    const dir = freshDir();
    const old = join(dir, 'old.sqlite');
    const oldStore = openStore(`sqlite:${old}`);
    const names = MIGRATION_NAMES.slice(0, -1);
    const { error } = await new Migrator({ db: oldStore.db, provider: { getMigrations: async () => Object.fromEntries(names.map((n) => [n, MIGRATIONS[n]!])) } }).migrateToLatest();
    expect(error).toBeUndefined();
    await oldStore.close();
    const live = `sqlite:${join(dir, 'data', 'twofold.sqlite')}`;
    const restored = await runCli(['restore', old], { DATABASE_URL: live, TWOFOLD_SECRET: TEST_SECRET });
    expect(restored).toMatchObject({ code: 0, stderr: '' });
    expect(restored.stdout).toContain(`It was at ${names.at(-1)} and was brought up to ${MIGRATION_NAMES.at(-1)}.`);
    const db = new SQLite(live.slice('sqlite:'.length), { readonly: true });
    expect((db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name)).toEqual([...MIGRATION_NAMES]);
    db.close();
  });
});

describe('PostgreSQL backups with pg_dump and pg_restore [postgres]', () => {
  let source: { url: string; drop(): Promise<void> };
  let target: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    source = await createPostgresDatabase();
    target = await createPostgresDatabase();
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it("the README's commands: dump, restore into a new database, start a server on it, sign in with password and app", async () => {
    let user!: TestUser;
    await withStore(source.url, async (store) => {
      await migrateToLatest(store);
      user = await personWithApp(realTimeServices(store));
      await createTestUser(realTimeServices(store));
    });
    const dump = join(freshDir(), 'twofold.dump');
    // Exactly as the README gives them (Backups).
    await run('pg_dump', ['--format=custom', '--no-owner', `--file=${dump}`, source.url]);
    await run('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${target.url}`, dump]);
    const serverUrl = await startServer({ DATABASE_URL: target.url });
    await signInWithPasswordAndApp(serverUrl, user);
  });
});
