// A real server's own output, read after following every kind of single-use link and
// using the development outbox: no token, key or code may be written there, because
// whoever reads the log could then reset a password or take an invitation.
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, createUserAndInvite } from '../../src/services/accounts.js';
import { type Store, openStore } from '../../src/store/db.js';
import { TestClient } from '../helpers/client.js';
import { TestClock } from '../helpers/clock.js';
import { STRONG_PASSWORD, submitPassword } from '../helpers/fixtures.js';
import { startServerProcess, stopProcess } from '../helpers/processes.js';
import { TEST_SECRET, testServices } from '../helpers/server.js';

const TOKEN = /token=([A-Za-z0-9_-]{43})/;

describe('what the server writes to its log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twofold-logs-'));
  let server: { child: ChildProcess; output: () => string };
  let base: string;
  let outboxPath: string;
  let store: Store;

  beforeAll(async () => {
    server = await startServerProcess(
      { PORT: '0', DATA_DIR: dir, DATABASE_URL: '', TWOFOLD_SECRET: TEST_SECRET, PUBLIC_URL: '', DEV_OUTBOX: '1', LOG_LEVEL: 'debug' },
      [/Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/, /\/setup\?token=[A-Za-z0-9_-]{43}/, /(\/dev\/outbox\?key=[A-Za-z0-9_-]{43})/],
    );
    base = /Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())![1]!;
    outboxPath = /(\/dev\/outbox\?key=[A-Za-z0-9_-]{43})/.exec(server.output())![1]!;
    store = openStore(`sqlite:${join(dir, 'twofold.sqlite')}`);
  });
  afterAll(async () => {
    await store?.close();
    if (server) await stopProcess(server.child);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The log after the one-time lines printed at start (the setup link and outbox key are meant for the operator). */
  const logSinceStart = () => server.output().split('\n').filter((line) => line.startsWith('{')).join('\n');

  async function outboxLinkTo(email: string, path: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const row = await store.db.selectFrom('email_queue').select('text_body').where('to_address', '=', email).where('text_body', 'like', `%${path}?token=%`).executeTakeFirst();
      if (row) return TOKEN.exec(row.text_body)![1]!;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no ${path} link for ${email}`);
  }

  it('follows the setup, invitation and reset links and reads the outbox: none of their secrets is logged', async () => {
    const secrets: string[] = [];
    const setupToken = TOKEN.exec(server.output())![1]!;
    const client = new TestClient(base);
    expect((await client.get(`/setup?token=${setupToken}`)).status).toBe(200);
    const created = await client.post('/setup', { token: setupToken, org_name: 'Log Aggregation', name: 'Lou Admin', email: 'lou@log.example', password: STRONG_PASSWORD, confirm_password: STRONG_PASSWORD });
    expect(created.location).toBe('/sign-in?notice=setup_done');
    secrets.push(setupToken);

    const services = { ...testServices(store, new TestClock()), now: Date.now, publicUrl: base };
    await createOrganization(services, { name: 'Log Firm', parentName: 'Log Aggregation' });
    await createUserAndInvite(services, { email: 'ivy@log.example', name: 'Ivy Invited', orgName: 'Log Firm' });
    const invitation = await outboxLinkTo('ivy@log.example', '/invitation');
    expect((await client.get(`/invitation?token=${invitation}`)).status).toBe(200);
    secrets.push(invitation);

    await client.get('/forgot-password');
    await client.post('/forgot-password', { email: 'lou@log.example' });
    const reset = await outboxLinkTo('lou@log.example', '/reset-password');
    expect((await client.get(`/reset-password?token=${reset}`)).status).toBe(200);
    secrets.push(reset);

    const outboxKey = outboxPath.split('=')[1]!;
    expect((await client.get(outboxPath)).status).toBe(200);
    expect((await client.get('/dev/outbox?key=not-the-key')).status).toBe(404);
    secrets.push(outboxKey);

    expect((await submitPassword(new TestClient(base), 'lou@log.example', STRONG_PASSWORD)).location).toBe('/');
    const log = logSinceStart();
    // The requests were logged (this is the log that would have held them) ...
    expect(log).toContain('"url":"/reset-password?[redacted]"');
    expect(log).toContain('"url":"/invitation?[redacted]"');
    // ... and no secret, password or token parameter is in it.
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(log).not.toContain(STRONG_PASSWORD);
    expect(log).not.toMatch(/token=|key=/);
  });

  it('never serves the outbox without its key, and refuses DEV_OUTBOX where strangers could reach it', async () => {
    const anonymous = new TestClient(base);
    for (const path of ['/dev/outbox', '/dev/outbox?key=', `${outboxPath}x`]) expect((await anonymous.get(path)).status).toBe(404);
    for (const extra of [{ TRUST_PROXY: '127.0.0.1' }, { NODE_ENV: 'production' }] as Array<Record<string, string>>) {
      const refused = await startServerProcess({ PORT: '0', DATA_DIR: dir, DATABASE_URL: '', TWOFOLD_SECRET: TEST_SECRET, DEV_OUTBOX: '1', ...extra }, [/never/]).catch((error: Error) => error.message);
      expect(refused).toMatch(/server exited with 2/);
      expect(refused).toContain('DEV_OUTBOX=1 cannot be used with');
    }
  });
});
