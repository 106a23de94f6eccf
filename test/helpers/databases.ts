// Every storage-touching test runs once per real database, from this one list.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { type Store, migrateToLatest, openStore } from '../../src/store/db.js';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty database; `url` lets another process (CLI, server) open it too. */
  create(): Promise<{ store: Store; url: string; destroy(): Promise<void> }>;
}

export function postgresUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the suite with `npm test`, which starts a throwaway PostgreSQL.');
  return url;
}

/** A whole PostgreSQL database of its own, dropped by `drop`. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = postgresUrl();
  const name = `twofold_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        // Every pool and server of the file was closed before this: a connection still open
        // is a leak (and `with (force)` would end it under whoever holds it).
        const left = await connectionsStillOpen(c, name);
        if (left > 0) throw new Error(`a test left ${left} connection(s) open to ${name}: close every store and stop every server before dropping its database`);
      } finally {
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      }
    },
  };
}

/** Connections to `name`, after giving closed ones up to 3 s to leave (a backend exits just after its client). */
async function connectionsStillOpen(admin: pg.Client, name: string): Promise<number> {
  let count = 0;
  for (let i = 0; i < 60; i++) {
    const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    count = rows[0]!.n;
    if (count === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return count;
}

const sqlite: TestDatabase = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'twofold-test-'));
    const url = `sqlite:${join(dir, 'twofold.sqlite')}`;
    const store = openStore(url);
    await migrateToLatest(store);
    return { store, url, destroy: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  },
};

const postgres: TestDatabase = {
  name: 'postgres',
  // A whole database per test file, not a schema: Kysely's migrator introspects every
  // schema of its database, and another file dropping its schema at that moment made
  // the introspection fail ("schema ... does not exist").
  async create() {
    const { url, drop } = await createPostgresDatabase();
    const store = openStore(url);
    await migrateToLatest(store);
    return {
      store,
      url,
      destroy: async () => {
        await store.close();
        await drop();
      },
    };
  },
};

export const DATABASES: TestDatabase[] = [sqlite, postgres];

/** describe(...) once per database. */
export function describeEachDatabase(title: string, body: (database: TestDatabase) => void): void {
  for (const database of DATABASES) describe(`${title} [${database.name}]`, () => body(database));
}
