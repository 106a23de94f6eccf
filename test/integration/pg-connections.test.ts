// What the store does when PostgreSQL ends the connection a statement is on: retry
// what cannot have happened or cannot change anything, report the rest as "try again".
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwofoldError } from '../../src/errors.js';
import { type Store, migrateToLatest, openStore } from '../../src/store/db.js';
import type { Database } from '../../src/store/schema.js';
import { runInTransaction } from '../../src/store/transactions.js';
import { createPostgresDatabase, postgresUrl } from '../helpers/databases.js';

describe('a PostgreSQL connection ended under a statement', () => {
  let database: { url: string; drop(): Promise<void> };
  let store: Store;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    store = openStore(database.url);
    await migrateToLatest(store);
    await sql`create table probe (id serial primary key, note text not null)`.execute(store.db);
    admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await store?.close();
    await database?.drop();
  });

  async function backendOf(db: Kysely<Database>): Promise<number> {
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
    return rows[0]!.pid;
  }

  /** Ends the backend and waits until the client has heard of it (no sleeping on a guess). */
  async function terminate(pid: number): Promise<void> {
    const heard = store.connectionEvents.counts.checked_out_connection_lost;
    await admin.query('select pg_terminate_backend($1)', [pid]);
    for (let i = 0; i < 500 && store.connectionEvents.counts.checked_out_connection_lost === heard; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.connectionEvents.counts.checked_out_connection_lost).toBe(heard + 1);
  }

  const notes = async (note: string) => (await sql<{ n: number }>`select count(*)::int as n from probe where note = ${note}`.execute(store.db)).rows[0]!.n;

  it('runs a read again on a fresh connection when its connection ends while it runs', async () => {
    const retried = store.connectionEvents.counts.statement_retried;
    const answer = await store.db.connection().execute(async (connection) => {
      const pid = await backendOf(connection);
      setTimeout(() => void admin.query('select pg_terminate_backend($1)', [pid]), 100);
      return (await sql<{ one: number }>`select 1 as one from pg_sleep(0.5)`.execute(connection)).rows[0]!.one;
    });
    expect(answer).toBe(1);
    expect(store.connectionEvents.counts.statement_retried).toBe(retried + 1);
  });

  it('sends a write that never left on a connection already lost over a fresh one, once', async () => {
    await store.db.connection().execute(async (connection) => {
      await terminate(await backendOf(connection));
      await sql`insert into probe (note) values ('never sent')`.execute(connection);
    });
    expect(await notes('never sent')).toBe(1);
  });

  it('runs a whole transaction again when its connection went before COMMIT, writing its rows once', async () => {
    let runs = 0;
    await runInTransaction(store.db, async (trx) => {
      runs += 1;
      await sql`insert into probe (note) values ('transaction')`.execute(trx);
      if (runs === 1) await terminate(await backendOf(trx));
      await sql`insert into probe (note) values ('transaction')`.execute(trx);
    });
    expect(runs).toBe(2);
    expect(await notes('transaction')).toBe(2);
  });

  it('does not run a write again once it may have reached the server, and says "try again"', async () => {
    const failed = store.connectionEvents.counts.statement_failed;
    const write = store.db.connection().execute(async (connection) => {
      const pid = await backendOf(connection);
      // Ended while the write is running: it may or may not have happened, so it is not repeated.
      setTimeout(() => void admin.query('select pg_terminate_backend($1)', [pid]), 200);
      await sql`insert into probe (note) select 'in flight' from pg_sleep(2)`.execute(connection);
    });
    await expect(write).rejects.toThrow(TwofoldError);
    await expect(write).rejects.toMatchObject({ code: 'database_unavailable' });
    expect(store.connectionEvents.counts.statement_failed).toBe(failed + 1);
    expect(await notes('in flight')).toBe(0);
  });

  it('answers "try again" when the database cannot be reached at all', async () => {
    const url = new URL(database.url);
    url.port = '1'; // nothing listens there
    const unreachable = openStore(url.toString());
    try {
      await expect(sql`select 1`.execute(unreachable.db)).rejects.toMatchObject({ code: 'database_unavailable' });
      expect(unreachable.connectionEvents.counts.connect_failed).toBe(1);
    } finally {
      await unreachable.close();
    }
  });
});
