// The session lookup may be answered from memory (SQLite only), but never for a session
// that something has ended or changed: not by a write on this connection, not by another
// process's commit. These tests hold the lookup itself; multi-node.test.ts holds the same
// promise between two real server processes, through the pages that end sessions.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSession } from '../../src/services/sessions.js';
import { type Store, openStore } from '../../src/store/db.js';
import { COLUMNS_THE_LOOKUP_NEVER_READS, mayChangeSessionLookup } from '../../src/store/session-lookup-cache.js';
import { lookUpSessionForRequest, sessionLookupSql } from '../../src/store/sessions.js';
import { claimTotpStep } from '../../src/store/two-factor.js';
import { clearCodeFailures, recordSignIn, reserveCodeGuess } from '../../src/store/users.js';
import { hashToken } from '../../src/crypto/tokens.js';
import { TestClock } from '../helpers/clock.js';
import { createTestUser } from '../helpers/fixtures.js';
import { testServices } from '../helpers/server.js';
import { describeEachDatabase } from '../helpers/databases.js';

const meta = { ip: '203.0.113.9', userAgent: 'cache test' };

describeEachDatabase('the session lookup cache', (database) => {
  let created: Awaited<ReturnType<typeof database.create>>;
  let store: Store;
  let services: ReturnType<typeof testServices>;
  const cached = database.name === 'sqlite';

  beforeAll(async () => {
    created = await database.create();
    store = created.store;
    services = testServices(store, new TestClock());
  });
  afterAll(async () => created?.destroy());

  /** A person with an authenticator, signed in: their session id (the cookie's hash) and user id. */
  async function signedIn(): Promise<{ sessionId: string; userId: string }> {
    const user = await createTestUser(services, { withTotp: true });
    const token = await createSession(services, user.id, meta, ['pwd', 'otp']);
    return { sessionId: hashToken(token), userId: user.id };
  }

  it(cached ? 'answers a second lookup from memory when nothing changed' : 'reads the database for every lookup (no cache on PostgreSQL)', async () => {
    const { sessionId } = await signedIn();
    const first = await lookUpSessionForRequest(store.db, sessionId);
    const second = await lookUpSessionForRequest(store.db, sessionId);
    expect(second).toEqual(first);
    // The same object is what only memory can give back.
    expect(second === first).toBe(cached);
  });

  it('never remembers a session it did not find', async () => {
    const unknown = hashToken('X'.repeat(43));
    expect(await lookUpSessionForRequest(store.db, unknown)).toBeUndefined();
    const { userId } = await signedIn();
    await store.db.insertInto('sessions').values({ id: unknown, user_id: userId, created_at: Date.now(), last_seen_at: Date.now(), ip: '127.0.0.1', user_agent: 'x', amr: 'pwd' }).execute();
    expect((await lookUpSessionForRequest(store.db, unknown))?.user_id).toBe(userId);
  });

  // Each change, made on the same connection the lookup uses, is seen at the next lookup.
  const changes: Array<[string, (db: Store['db'], ids: { sessionId: string; userId: string; orgId: string }) => Promise<unknown>, (row: Awaited<ReturnType<typeof lookUpSessionForRequest>>) => void]> = [
    ['the session deleted (sign-out, password change, 2FA removal, admin reset)', (db, { sessionId }) => db.deleteFrom('sessions').where('id', '=', sessionId).execute(), (row) => expect(row).toBeUndefined()],
    ['every session of the person deleted', (db, { userId }) => db.deleteFrom('sessions').where('user_id', '=', userId).execute(), (row) => expect(row).toBeUndefined()],
    ['the person deactivated (only the column)', (db, { userId }) => db.updateTable('users').set({ deactivated_at: Date.now() }).where('id', '=', userId).execute(), (row) => expect(row).toBeUndefined()],
    ['the person made an admin', (db, { userId }) => db.updateTable('users').set({ role: 'admin' }).where('id', '=', userId).execute(), (row) => expect(row?.role).toBe('admin')],
    ['the email changed', (db, { userId }) => db.updateTable('users').set({ email: `changed-${userId}@example.com` }).where('id', '=', userId).execute(), (row) => expect(row?.email).toMatch(/^changed-/)],
    ['the name changed', (db, { userId }) => db.updateTable('users').set({ name: 'New Name' }).where('id', '=', userId).execute(), (row) => expect(row?.name).toBe('New Name')],
    ['the organisation made to require 2FA', (db, { orgId }) => db.updateTable('organizations').set({ require_two_factor: 1 }).where('id', '=', orgId).execute(), (row) => expect(row?.org_requires).toBe(1)],
    ['the second factor removed', (db, { userId }) => db.deleteFrom('two_factor').where('user_id', '=', userId).execute(), (row) => expect(row?.has_factor).toBeNull()],
    ['the session seen later (last_seen_at)', (db, { sessionId }) => db.updateTable('sessions').set({ last_seen_at: 42 }).where('id', '=', sessionId).execute(), (row) => expect(row?.last_seen_at).toBe(42)],
  ];
  for (const [what, change, expectSeen] of changes) {
    it(`sees ${what} at the next lookup`, async () => {
      const ids = await signedIn();
      const row = await lookUpSessionForRequest(store.db, ids.sessionId);
      await change(store.db, { ...ids, orgId: row!.org_id });
      expectSeen(await lookUpSessionForRequest(store.db, ids.sessionId));
    });
    it(`sees ${what} made by another process at the next lookup`, async () => {
      const ids = await signedIn();
      const row = await lookUpSessionForRequest(store.db, ids.sessionId);
      const other = openStore(created.url);
      try {
        await change(other.db, { ...ids, orgId: row!.org_id });
      } finally {
        await other.close();
      }
      expectSeen(await lookUpSessionForRequest(store.db, ids.sessionId));
    });
  }

  it('keeps through updates only columns the lookup truly never reads', () => {
    const lookup = sessionLookupSql(store.db);
    for (const [table, columns] of Object.entries(COLUMNS_THE_LOOKUP_NEVER_READS)) {
      expect(lookup).toContain(`"${table}"`);
      for (const column of columns) expect(lookup, `the lookup reads ${table}.${column}: it cannot be on the list`).not.toContain(`"${column}"`);
    }
  });

  it('keeps its answers through the writes of a sign-in, which change nothing it reads', async () => {
    const { sessionId, userId } = await signedIn();
    const first = await lookUpSessionForRequest(store.db, sessionId);
    await recordSignIn(store.db, userId, Date.now());
    await reserveCodeGuess(store.db, userId, Date.now());
    await clearCodeFailures(store.db, userId);
    await claimTotpStep(store.db, userId, 123);
    await createSession(services, userId, meta, ['pwd', 'otp']);
    const again = await lookUpSessionForRequest(store.db, sessionId);
    expect(again).toEqual(first);
    expect(again === first).toBe(cached);
  });
});

it('counts any statement it does not understand as a change', () => {
  expect(mayChangeSessionLookup('select * from "sessions" where "id" = ?')).toBe(false);
  expect(mayChangeSessionLookup('insert into "security_events" ("id") values (?)')).toBe(false);
  expect(mayChangeSessionLookup('update users set deactivated_at = 1')).toBe(true);
  expect(mayChangeSessionLookup('with x as (select 1) delete from "sessions"')).toBe(true);
  expect(mayChangeSessionLookup('update "users" set "code_failures" = 0, "role" = ? where "id" = ?')).toBe(true);
  expect(mayChangeSessionLookup('update "users" set "code_failures" = 0 where "email" = ?')).toBe(true);
  expect(mayChangeSessionLookup('insert into "sessions" ("id") values (?) on conflict do update set "user_id" = ?')).toBe(true);
  expect(mayChangeSessionLookup('alter table "users" add column "x" text')).toBe(true);
  expect(mayChangeSessionLookup('select 1; delete from "sessions"')).toBe(true);
});

it('counts an update that sets a key column, or names rows otherwise, as a change', () => {
  expect(mayChangeSessionLookup('update "users" set "code_failures" = 0 where "id" = ?')).toBe(false);
  expect(mayChangeSessionLookup('update "users" set "id" = ? where "id" = ?')).toBe(true);
  expect(mayChangeSessionLookup('update "users" set "code_failures" = 0 where "org_id" = ?')).toBe(true);
  expect(mayChangeSessionLookup('update "users" set "code_failures" = (select 1 from "users" where "id" = ?), "role" = ? where "id" = ?')).toBe(true);
  expect(mayChangeSessionLookup('update "two_factor" set "last_used_step" = ? where "user_id" = ? and ("last_used_step" is null or "last_used_step" < ?)')).toBe(false);
  expect(mayChangeSessionLookup('update "two_factor" set "user_id" = ? where "user_id" = ?')).toBe(true);
  expect(mayChangeSessionLookup('update "users" set "code_failures" = 0 where "org_id" = ? or exists (select 1 where "id" = ?)')).toBe(true);
});
