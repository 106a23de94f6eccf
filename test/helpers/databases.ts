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
  create(): Promise<{ store: Store; url: string; pgSchema?: string; destroy(): Promise<void> }>;
}

export function postgresUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the suite with `npm test`, which starts a throwaway PostgreSQL.');
  return url;
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
  async create() {
    const url = postgresUrl();
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const store = openStore(url, { pgSchema: schema });
    await migrateToLatest(store);
    return {
      store,
      url,
      pgSchema: schema,
      destroy: async () => {
        await store.close();
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
      },
    };
  },
};

export const DATABASES: TestDatabase[] = [sqlite, postgres];

/** describe(...) once per database. */
export function describeEachDatabase(title: string, body: (database: TestDatabase) => void): void {
  for (const database of DATABASES) describe(`${title} [${database.name}]`, () => body(database));
}
