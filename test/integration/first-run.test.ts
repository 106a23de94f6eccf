// First run: `npm start` on an empty database prints a one-time setup link.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { type ChildProcess } from 'node:child_process';
import { startServerProcess, stopProcess } from '../helpers/processes.js';
import { STRONG_PASSWORD, submitPassword } from '../helpers/fixtures.js';

describe('first run of the real server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twofold-first-run-'));
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a setup link that creates the first organisation and admin, once', async () => {
    // No TWOFOLD_SECRET: a key is generated into the data folder and the console says so.
    const env = { PORT: '0', DATA_DIR: dir, DATABASE_URL: '', TWOFOLD_SECRET: '', PUBLIC_URL: '' };
    const server = await startServerProcess(env, [/Server listening at (http:\/\/127\.0\.0\.1:\d+)/, /(http:\/\/127\.0\.0\.1:\d+)(\/setup\?token=[A-Za-z0-9_-]{43})/]);
    children.push(server.child);
    expect(server.output()).toContain(`generated a master key into ${join(dir, 'secret.key')}`);
    const base = server.matches[0]![1]!;
    expect(server.matches[1]![1]).toBe(base);
    const setupPath = server.matches[1]![2]!;

    const client = new TestClient(base);
    expect((await client.get('/setup?token=' + 'A'.repeat(43))).status).toBe(404);
    const page = await client.get(setupPath);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Organisation name');
    const weak = await client.post('/setup', { token: setupPath.split('=')[1]!, org_name: 'Harbour Aggregation', name: 'Alex Admin', email: 'alex@harbour.com.au', password: 'short', confirm_password: 'short' });
    expect(weak.status).toBe(400);
    const done = await client.post('/setup', {
      token: setupPath.split('=')[1]!,
      org_name: 'Harbour Aggregation',
      name: 'Alex Admin',
      email: 'alex@harbour.com.au',
      password: STRONG_PASSWORD,
      confirm_password: STRONG_PASSWORD,
    });
    expect(done.location).toBe('/sign-in?notice=setup_done');
    expect((await client.get(setupPath)).status).toBe(404);
    expect((await submitPassword(new TestClient(base), 'alex@harbour.com.au', STRONG_PASSWORD)).location).toBe('/');
    await stopProcess(server.child);

    // Restarted with people in the database: no link is printed.
    const again = await startServerProcess(env, [/Server listening at (http:\/\/127\.0\.0\.1:\d+)/]);
    children.push(again.child);
    await new Promise((r) => setTimeout(r, 300));
    expect(again.output()).not.toContain('/setup?token=');
    expect((await new TestClient(again.matches[0]![1]!).get(setupPath)).status).toBe(404);
  });
});
