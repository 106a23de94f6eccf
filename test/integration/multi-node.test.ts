// Several Twofold processes on one database: every piece of state lives in the database,
// so a sign-in may start on one node and finish on another, and a session ended on one is
// refused by the other from its next request (no cache may remember it). Once on one
// PostgreSQL (several nodes), once on one SQLite file (two processes: a second node on the
// same machine, or the CLI beside the server). Then the same two nodes behind Debian's
// nginx, which forwards the client address.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOTP_PERIOD_IN_SECONDS } from '../../src/domain/totp.js';
import type { ServiceContext } from '../../src/services/context.js';
import type { Store } from '../../src/store/db.js';
import { TestClient, alertText } from '../helpers/client.js';
import { TestClock } from '../helpers/clock.js';
import { type TestUser, codeFor, createTestUser } from '../helpers/fixtures.js';
import { DATABASES, type TestDatabase } from '../helpers/databases.js';
import { startServerProcess, stopProcess } from '../helpers/processes.js';
import { TEST_SECRET, testServices } from '../helpers/server.js';
import { nginxPreamble } from '../helpers/nginx.js';
import { createOrgTree } from '../helpers/org-tree.js';

const TOTP_STEP_MS = TOTP_PERIOD_IN_SECONDS * 1000;

interface Node {
  child: ChildProcess;
  url: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const kind of DATABASES) describe(`two nodes on one ${kind.name === 'postgres' ? 'PostgreSQL' : 'SQLite file'}`, () => {
  let database: Awaited<ReturnType<TestDatabase['create']>>;
  let store: Store;
  let services: ServiceContext;
  const nodes: Node[] = [];

  beforeAll(async () => {
    database = await kind.create();
    store = database.store;
    // Real time on every node: the processes read their own clocks.
    services = testServices(store, new TestClock());
    Object.assign(services, { now: () => Date.now() });
    const env = { DATABASE_URL: database.url, TWOFOLD_SECRET: TEST_SECRET, TRUST_PROXY: '127.0.0.1' };
    for (let i = 0; i < 2; i++) {
      const started = await startServerProcess({ ...env, PORT: '0', PUBLIC_URL: '' }, [/Server listening at (http:\/\/127\.0\.0\.1:\d+)/]);
      nodes.push({ child: started.child, url: started.matches[0]![1]! });
    }
  });
  afterAll(async () => {
    for (const node of nodes) await stopProcess(node.child);
    await database?.destroy();
  });

  const [a, b] = [() => nodes[0]!.url, () => nodes[1]!.url];

  /**
   * Real clocks here, not a TestClock: waits until the current 30 s TOTP step has at least
   * 5 s left, so what is done next with a code made now is checked in the same step (or,
   * on a crawling machine, the next, which the server forgives), never two steps on.
   */
  async function untilStepHasTimeLeft(): Promise<void> {
    const leftInStep = TOTP_STEP_MS - (Date.now() % TOTP_STEP_MS);
    if (leftInStep < 5_000) await new Promise((resolve) => setTimeout(resolve, leftInStep + 50));
  }

  /** The authenticator's code now, with time to use it. */
  async function freshCode(user: TestUser): Promise<string> {
    await untilStepHasTimeLeft();
    return codeFor(user, Date.now());
  }

  /**
   * A person with an authenticator; the fixture enrolled with last step's code, so now's is
   * free. Enrolment checks that code against the clock too: not at a step's very end.
   */
  async function personWithApp(): Promise<TestUser> {
    await untilStepHasTimeLeft();
    return createTestUser(services, { withTotp: true });
  }

  async function passwordOn(url: string, user: TestUser, localAddress?: string): Promise<TestClient> {
    const client = new TestClient(url, localAddress ? { localAddress } : {});
    await client.get('/sign-in');
    expect((await client.post('/sign-in', { email: user.email, password: user.password })).location).toBe('/sign-in/code');
    return client;
  }

  /**
   * A member signed in on B (and answered for there, so B may remember the session), and
   * their aggregator's admin signed in on A, on the member's page.
   */
  async function memberOnBAndTheirAdminOnA() {
    await untilStepHasTimeLeft();
    const tree = await createOrgTree(services);
    const member = tree.people.memberA1;
    const admin = tree.people.aggAdminA;
    const onB = await passwordOn(b(), member);
    await onB.get('/sign-in/code');
    expect((await onB.post('/sign-in/code', { code: await freshCode(member) })).location).toBe('/');
    expect(await answersOn(onB)).toEqual([200, 200]);
    const adminOnA = await passwordOn(a(), admin);
    await adminOnA.get('/sign-in/code');
    expect((await adminOnA.post('/sign-in/code', { code: await freshCode(admin) })).location).toBe('/');
    await adminOnA.get(`/admin/users/${member.id}`);
    return { member, admin, adminOnA, onB };
  }

  it('takes the password on A and the code on B; a code accepted on one is refused on the other', async () => {
    const user = await personWithApp();
    const onA = await passwordOn(a(), user);
    const onB = onA.on(b());
    await onB.get('/sign-in/code');
    const code = await freshCode(user);
    expect((await onB.post('/sign-in/code', { code })).location).toBe('/');
    expect((await onA.get('/api/session')).status).toBe(200);

    const replay = (await passwordOn(b(), user)).on(a());
    await replay.get('/sign-in/code');
    const refused = await replay.post('/sign-in/code', { code });
    expect(refused.status).toBe(401);
    expect(alertText(refused.body)).toContain('already been used');
  });

  it('counts wrong codes across both nodes: 3 on A and 2 on B end the attempt', async () => {
    const user = await personWithApp();
    const onA = await passwordOn(a(), user);
    await onA.get('/sign-in/code');
    for (let i = 0; i < 3; i++) expect((await onA.post('/sign-in/code', { code: '000000' })).status).toBe(401);
    const onB = onA.on(b());
    await onB.get('/sign-in/code');
    expect((await onB.post('/sign-in/code', { code: '000000' })).status).toBe(401);
    const last = await onB.post('/sign-in/code', { code: '000000' });
    expect(alertText(last.body)).toBe('Too many wrong codes. Please enter your email and password again.');
    expect((await onA.get('/sign-in/code')).location).toBe('/sign-in');
  });

  it('honours a device remembered on A when signing in on B', async () => {
    const user = await personWithApp();
    const onA = await passwordOn(a(), user);
    await onA.get('/sign-in/code');
    expect((await onA.post('/sign-in/code', { code: await freshCode(user), remember_device: 'yes' })).location).toBe('/');
    await onA.post('/sign-out', {});
    const onB = onA.on(b());
    await onB.get('/sign-in');
    expect((await onB.post('/sign-in', { email: user.email, password: user.password })).location).toBe('/');
  });

  it("a browser signed out from Where you're signed in on A is refused on B from its next request", async () => {
    const user = await personWithApp();
    // Only the two browsers below: not the session the fixture's set-up left behind.
    await services.db.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    const laptop = await passwordOn(a(), user);
    await laptop.get('/sign-in/code');
    expect((await laptop.post('/sign-in/code', { code: await freshCode(user) })).location).toBe('/');
    // The phone within the same 30 s: a recovery code, since the app's code was just used.
    const phone = await passwordOn(b(), user);
    await phone.get('/sign-in/recovery-code');
    expect((await phone.post('/sign-in/recovery-code', { code: user.recoveryCodes![0]! })).location).toBe('/');
    expect(await answersOn(phone)).toEqual([200, 200]);
    const page = await laptop.get('/settings/security');
    const handles = [...page.body.matchAll(/name="session" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(handles).toHaveLength(1); // the phone's; this browser has no Sign out of its own here
    expect((await laptop.post('/settings/sessions/end', { session: handles[0]! })).location).toBe('/settings/security?notice=browser_signed_out#sessions');
    expect(await answersOn(phone)).toEqual([401, 401]);
    expect((await phone.on(a()).get('/api/session')).status).toBe(401);
    expect((await laptop.on(b()).get('/api/session')).status).toBe(200);
  });

  it('a person deactivated by an admin on A is refused on B at their next request, and cannot sign in on either', async () => {
    const { member, adminOnA, onB } = await memberOnBAndTheirAdminOnA();
    expect((await adminOnA.post(`/admin/users/${member.id}/deactivate`, {})).status).toBe(303);

    expect(await answersOn(onB)).toEqual([401, 401]);
    expect((await onB.on(a()).get('/api/session')).status).toBe(401);
    for (const node of [a(), b()]) {
      const right = new TestClient(node);
      await right.get('/sign-in');
      const refused = await right.post('/sign-in', { email: member.email, password: member.password });
      expect(refused.status).toBe(403);
      expect(alertText(refused.body)).toContain('deactivated');
    }
  });

  it('a session that outlived a deactivation (a sign-in racing it) is refused on both nodes', async () => {
    const user = await personWithApp();
    const onA = await passwordOn(a(), user);
    await onA.get('/sign-in/code');
    expect((await onA.post('/sign-in/code', { code: await freshCode(user) })).location).toBe('/');
    // Only the column: the session row stays, as one written just after the deactivation would.
    await services.db.updateTable('users').set({ deactivated_at: Date.now() }).where('id', '=', user.id).execute();
    expect((await onA.on(b()).get('/api/session')).status).toBe(401);
    expect((await onA.get('/api/session')).status).toBe(401);
  });

  /** One browser signed in with the app's code on A, another with a recovery code on B (one code per 30 s step). */
  async function twoBrowsers(user: TestUser): Promise<{ onA: TestClient; onB: TestClient }> {
    const onA = await passwordOn(a(), user);
    await onA.get('/sign-in/code');
    expect((await onA.post('/sign-in/code', { code: await freshCode(user) })).location).toBe('/');
    const onB = await passwordOn(b(), user);
    await onB.get('/sign-in/recovery-code');
    expect((await onB.post('/sign-in/recovery-code', { code: user.recoveryCodes![0]! })).location).toBe('/');
    return { onA, onB };
  }

  /** What an app behind Twofold asks on every request: the session API and nginx's auth_request. */
  async function answersOn(client: TestClient): Promise<[number, number]> {
    const session = await client.get('/api/session');
    const forwardAuth = await client.get('/api/authz/auth-request');
    return [session.status, forwardAuth.status];
  }

  // Each of these first has B answer for the session (so B has looked it up and may
  // remember it), then ends it on A, then asks B at once: no wait, no second try.
  it('a session signed out on A is refused on B at its next request', async () => {
    const user = await personWithApp();
    const { onA } = await twoBrowsers(user);
    // A copy of the cookie (as one stolen, or kept by another tab): the sign-out clears the browser's own.
    const cookieCopy = new TestClient(b());
    cookieCopy.cookies = new Map(onA.cookies);
    expect(await answersOn(cookieCopy)).toEqual([200, 200]);
    expect((await onA.post('/sign-out', {})).status).toBe(303);
    expect(onA.cookies.has('twofold_session')).toBe(false);
    expect(await answersOn(cookieCopy)).toEqual([401, 401]);
  });

  it("a password changed on A ends the person's other sessions on B at their next request", async () => {
    const user = await personWithApp();
    const { onA, onB } = await twoBrowsers(user);
    expect(await answersOn(onB)).toEqual([200, 200]);
    const next = 'a brand new passphrase for node tests';
    expect((await onA.post('/settings/password', { current_password: user.password, new_password: next, confirm_password: next })).status).toBe(303);
    expect(await answersOn(onB)).toEqual([401, 401]);
    expect(await answersOn(onA.on(b()))).toEqual([200, 200]);
  });

  it("two-factor removed on A ends the person's other sessions on B at their next request", async () => {
    const user = await personWithApp();
    const { onA, onB } = await twoBrowsers(user);
    expect(await answersOn(onB)).toEqual([200, 200]);
    expect((await onA.post('/settings/two-factor/remove', { password: user.password })).status).toBe(303);
    expect(await answersOn(onB)).toEqual([401, 401]);
  });

  it("an admin's 2FA reset on A ends the member's sessions on B at their next request", async () => {
    const { member, admin, adminOnA, onB } = await memberOnBAndTheirAdminOnA();
    const reset = await adminOnA.post(`/admin/users/${member.id}/reset-two-factor`, { admin_password: admin.password, reason: 'Lost phone', verification: 'Called back on the office number' });
    expect(reset.location).toBe(`/admin/users/${member.id}?notice=two_factor_reset`);
    expect(await answersOn(onB)).toEqual([401, 401]);
  });

  describe('behind nginx', () => {
    let nginx: ChildProcess;
    let proxyUrl: string;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'twofold-nginx-'));
      const port = await freePort();
      const upstreams = nodes.map((n) => `server ${new URL(n.url).host};`).join(' ');
      // The same shape as the README's example, with two upstreams.
      writeFileSync(
        join(dir, 'nginx.conf'),
        `${nginxPreamble(dir)}
  upstream twofold { ${upstreams} }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://twofold;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Host $host;
    }
  }
}
`,
      );
      nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'pipe', env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin` } });
      proxyUrl = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 50; i++) {
        try {
          if ((await fetch(`${proxyUrl}/healthz`)).ok) break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });
    afterAll(async () => {
      await stopProcess(nginx);
      rmSync(dir, { recursive: true, force: true });
    });

    it('binds a remembered device to the client address nginx forwards, across both nodes', async () => {
      expect((await fetch(`${proxyUrl}/healthz`)).ok).toBe(true);
      const user = await personWithApp();
      const office = await passwordOn(proxyUrl, user, '127.0.0.2');
      await office.get('/sign-in/code');
      expect((await office.post('/sign-in/code', { code: await freshCode(user), remember_device: 'yes' })).location).toBe('/');
      const settings = await office.get('/settings/security');
      expect(settings.body).toContain('from 127.0.0.2');

      // Round-robin sends these to both nodes; the office address is trusted on each.
      for (let i = 0; i < 2; i++) {
        await office.post('/sign-out', {});
        await office.get('/sign-in');
        expect((await office.post('/sign-in', { email: user.email, password: user.password })).location).toBe('/');
      }
      // The same cookie from another address is asked for a code: nginx did not hide the client.
      const cafe = new TestClient(proxyUrl, { localAddress: '127.0.0.3' });
      cafe.cookies.set('twofold_device', office.cookies.get('twofold_device')!);
      await cafe.get('/sign-in');
      expect((await cafe.post('/sign-in', { email: user.email, password: user.password })).location).toBe('/sign-in/code');
      expect((await cafe.get('/sign-in/code')).body).toContain('different network');
    });
  });
});
