// One server over one fresh database for a describe block.
import { afterAll, beforeAll } from 'vitest';
import type { TestDatabase } from './databases.js';
import { type TestServer, startTestServer } from './server.js';

export function useTestServer(database: TestDatabase, env: Record<string, string> = {}): { readonly server: TestServer } {
  const holder: { server?: TestServer; destroy?: () => Promise<void> } = {};
  beforeAll(async () => {
    const created = await database.create();
    holder.destroy = created.destroy;
    holder.server = await startTestServer(created.store, env);
  });
  afterAll(async () => {
    await holder.server?.close();
    await holder.destroy?.();
  });
  return {
    get server() {
      if (!holder.server) throw new Error('server not started');
      return holder.server;
    },
  };
}
