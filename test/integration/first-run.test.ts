// First run: `npm start` on an empty database prints a one-time setup link.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { type ChildProcess } from 'node:child_process';
import { startServerProcess, stopProcess, stopProcessAndDrain } from '../helpers/processes.js';
import { STRONG_PASSWORD, submitPassword } from '../helpers/fixtures.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
    const ready = /Twofold listening at (http:\/\/127\.0\.0\.1:\d+)/;
    // The key notice goes through the logger, which writes when it can: it is waited for
    // as a line of its own, not assumed to come before the console's lines.
    const keyNotice = new RegExp(`generated a master key into ${escapeRegExp(join(dir, 'secret.key'))}`);
    const server = await startServerProcess(env, [ready, /(http:\/\/127\.0\.0\.1:\d+)(\/setup\?token=[A-Za-z0-9_-]{43})/, keyNotice]);
    children.push(server.child);
    const printed = server.output();
    const base = server.matches[0]![1]!;
    expect(server.matches[1]![1]).toBe(base);
    const setupPath = server.matches[1]![2]!;
    // After the ready line, said once, with what it is for.
    const invitation = 'Twofold has no users yet. Open this one-time link to create the first organisation and administrator:';
    expect(printed.indexOf(invitation)).toBeGreaterThan(printed.search(ready));
    expect(printed.indexOf(`${base}${setupPath}`)).toBeGreaterThan(printed.indexOf(invitation));
    expect(printed.split('/setup?token=')).toHaveLength(2);

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
    // Used, with someone now signed up: the page says Twofold is set up (a restart would print nothing).
    const used = await client.get(setupPath);
    expect(used.status).toBe(409);
    expect(used.body).toContain('Twofold is already set up');
    expect((await submitPassword(new TestClient(base), 'alex@harbour.com.au', STRONG_PASSWORD)).location).toBe('/');
    await stopProcess(server.child);

    // Restarted with people in the database: no link is printed. Start-up looks for people
    // right after the ready line, before it can serve a request (SQLite answers without
    // waiting on I/O), so once a request is answered the decision is made; then everything
    // the process printed is read, up to its exit.
    const again = await startServerProcess(env, [ready]);
    children.push(again.child);
    expect((await new TestClient(again.matches[0]![1]!).get(setupPath)).status).toBe(409);
    await stopProcessAndDrain(again.child);
    const printedAgain = again.output();
    expect(printedAgain).toMatch(ready);
    expect(printedAgain).not.toContain('/setup?token=');
    expect(printedAgain).not.toContain('has no users yet');
  });
});
