// SQLite on a disk that fills up: a real Twofold process answers with the same clear "try
// again" as for a database that is down, stays up (no crash loop), and works again once
// there is room. Needs root (a small tmpfs is mounted for the database); skipped, saying
// so, otherwise. (A file made read-only under a running server is not tested: SQLite keeps
// writing through the write-ahead log it has open, and a remount read-only is refused
// while it is open for writing.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore } from '../../src/store/db.js';
import { TestClient } from '../helpers/client.js';
import { TestClock } from '../helpers/clock.js';
import { type TestUser, createTestUser, submitPassword } from '../helpers/fixtures.js';
import { startServerProcess, stopProcess } from '../helpers/processes.js';
import { TEST_SECRET, startTestServer, testServices } from '../helpers/server.js';
import { sql } from 'kysely';

const TRY_AGAIN = 'Please try again in a few seconds.';

function mountUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  const probe = mkdtempSync(join(tmpdir(), 'twofold-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`;
  } finally {
    rmdirSync(probe);
  }
}

const unavailable = mountUnavailable();

// Where a tmpfs can be mounted (as root), a real process on a real disk that fills up;
// everywhere, the same promise through SQLite's own full condition (below), which also
// catches SQLite rolling back by itself.
describe.runIf(unavailable === null)('SQLite on a full disk', () => {
  let mountPoint: string;
  let server: { child: ChildProcess; output: () => string };
  let url: string;
  const people: TestUser[] = [];
  let signedIn: TestClient;

  beforeAll(async () => {
    mountPoint = mkdtempSync(join(tmpdir(), 'twofold-small-disk-'));
    // Room for the database and its write-ahead log, and not much more.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]);
    const databaseUrl = `sqlite:${join(mountPoint, 'twofold.sqlite')}`;
    const store = openStore(databaseUrl);
    await migrateToLatest(store);
    const services = { ...testServices(store, new TestClock()), now: Date.now };
    for (let i = 0; i < 12; i += 6) people.push(...(await Promise.all(Array.from({ length: 6 }, () => createTestUser(services)))));
    await store.close();
    server = await startServerProcess({ DATABASE_URL: databaseUrl, TWOFOLD_SECRET: TEST_SECRET, PORT: '0', PUBLIC_URL: '', DATA_DIR: mountPoint, LOG_LEVEL: 'warn' }, [/Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/]);
    server.child.removeAllListeners('exit');
    url = /Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())![1]!;
    signedIn = new TestClient(url);
    expect((await submitPassword(signedIn, people[0]!.email, people[0]!.password)).location).toBe('/');
  }, 90_000);

  afterAll(async () => {
    if (server) await stopProcess(server.child);
    if (mountPoint) {
      try {
        execFileSync('mount', ['-o', 'remount,rw', mountPoint], { stdio: 'pipe' });
      } catch {
        // not mounted
      }
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  let next = 1;
  /** Every kind of request answers, clearly: the sign-in (a write), a page and the session check (reads), /healthz. */
  async function expectClearTryAgain() {
    const person = people[next]!;
    const client = new TestClient(url);
    await client.get('/sign-in');
    const signIn = await client.post('/sign-in', { email: person.email, password: person.password });
    expect(signIn.status, signIn.body.slice(0, 500)).toBe(503);
    expect(signIn.body).toContain(TRY_AGAIN);
    expect(signIn.headers.get('retry-after')).not.toBeNull();
    // Reads still work from what is there.
    expect((await signedIn.get('/api/session')).status).toBe(200);
    expect(server.child.exitCode, server.output()).toBeNull();
  }

  async function expectWorking() {
    const person = people[next++]!;
    const client = new TestClient(url);
    expect((await submitPassword(client, person.email, person.password)).location).toBe('/');
    expect((await client.get('/api/session')).status).toBe(200);
    expect((await signedIn.get('/api/session')).status).toBe(200);
    expect((await new TestClient(url).get('/healthz')).status).toBe(200);
  }

  it('a full disk: "try again", no crash, and back to work once there is room', async () => {
    await expectWorking();
    // Fill the disk to the last byte.
    const filler = join(mountPoint, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'pipe' });
    } catch {
      // dd stops with "No space left on device": that is the point
    }
    await expectClearTryAgain();
    rmSync(filler);
    await expectWorking();
    expect(server.output()).not.toMatch(/"level":(50|60)[^\n]*"msg":"request failed"/);
    const file = new Database(join(mountPoint, 'twofold.sqlite'), { readonly: true });
    try {
      expect(file.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      file.close();
    }
  });

});

describe('SQLite full (its page limit reached: SQLite rolls the transaction back itself; no root needed)', () => {
  it('a full database: "try again", reads still work, and back to work once there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twofold-full-'));
    const store = openStore(`sqlite:${join(dir, 'twofold.sqlite')}`);
    await migrateToLatest(store);
    const server = await startTestServer(store);
    try {
      const [first, second] = [await createTestUser(server.services), await createTestUser(server.services)];
      const signedIn = new TestClient(server.url);
      expect((await submitPassword(signedIn, first.email, first.password)).location).toBe('/');
      // SQLite answers SQLITE_FULL once the file may not grow: what a full disk gives it.
      // VACUUM first, so no free page inside the file postpones it.
      await sql.raw('vacuum').execute(store.db);
      const pages = Number((await sql<{ page_count: number }>`pragma page_count`.execute(store.db)).rows[0]!.page_count);
      await sql.raw(`pragma max_page_count = ${pages}`).execute(store.db);
      // Sign-ins write (a session, the activity): one soon needs a page the file may not add.
      let refused;
      for (let i = 0; i < 100; i++) {
        refused = await submitPassword(new TestClient(server.url), second.email, second.password);
        if (refused.status === 503) break;
      }
      expect(refused!.status).toBe(503);
      expect(refused!.body).toContain(TRY_AGAIN);
      expect((await signedIn.get('/api/session')).status).toBe(200);
      await sql.raw('pragma max_page_count = 1073741823').execute(store.db);
      const again = new TestClient(server.url);
      expect((await submitPassword(again, second.email, second.password)).location).toBe('/');
    } finally {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
