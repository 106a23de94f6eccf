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
import { TEST_SECRET, testServices } from '../helpers/server.js';

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

describe.skipIf(unavailable !== null)('SQLite on a full disk', () => {
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

if (unavailable) describe('SQLite on a full disk', () => it.skip(`skipped: ${unavailable}`, () => {}));
