// Clean shutdown of the real server process on PostgreSQL: SIGTERM while a request is
// in flight (held by a table lock the test owns) stops new connections at once, lets
// that request finish with its real answer, closes the pool and exits 0.
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { startServerProcess, stopProcess } from '../helpers/processes.js';

describe('clean shutdown of the real server process', () => {
  let database: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    database = await createPostgresDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('on SIGTERM refuses new connections, finishes the request in flight, and exits 0', async () => {
    const env = { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'twofold-shutdown-')), TWOFOLD_SECRET: 'shutdown-secret-shutdown-secret-0123456789', LOG_FORMAT: 'json' };
    const server = await startServerProcess(env, [/Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/]);
    const base = server.matches[0]![1]!;
    server.child.removeAllListeners('exit');
    const exited = once(server.child, 'exit');
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      const client = new TestClient(base);
      await client.get('/sign-in');
      // The test owns the tables a failed sign-in writes before it replies (its rate
      // windows and the security log), so the sign-in below waits for the test.
      await holder.query('begin');
      await holder.query('lock table throttles, security_events in exclusive mode');
      const inFlight = client.post('/sign-in', { email: 'nobody@example.com.au', password: 'not the password at all' });
      // The request is waiting on the lock (seen from the database), then the signal comes.
      let waiting = false;
      for (let i = 0; i < 400 && !waiting; i++) {
        const { rows } = await holder.query<{ n: number }>("select count(*)::int as n from pg_locks where relation in ('throttles'::regclass, 'security_events'::regclass) and not granted");
        waiting = rows[0]!.n > 0;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(waiting).toBe(true);
      server.child.kill('SIGTERM');
      // New connections are refused while the request in flight still waits.
      const port = Number(new URL(base).port);
      let refused = false;
      for (let i = 0; i < 200 && !refused; i++) {
        refused = await new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1')
            .once('connect', () => {
              socket.destroy();
              resolve(false);
            })
            .once('error', () => resolve(true));
        });
        if (!refused) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(refused).toBe(true);
      expect(server.child.exitCode).toBeNull();
      await holder.query('commit');
      const reply = await inFlight;
      expect(reply.status).toBe(401);
      expect(reply.body).toContain('That email and password do not match an account.');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(server.output()).toContain('shut down cleanly');
    } finally {
      await holder.end();
      await stopProcess(server.child);
    }
  });
});
