// Forward auth end to end: Debian's Chromium opens an app behind Debian's nginx, which
// asks Twofold (auth_request) before every request, exactly as the README configures it.
// Chromium resolves *.twofold.test to loopback, so the app (app.twofold.test, nginx's
// port) and Twofold (auth.twofold.test, its own port) are two hosts under one domain and
// COOKIE_DOMAIN=twofold.test shares the sign-in between them. The app is a tiny Node
// server that shows the Remote-* headers it received.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrganization, createUser } from '../../src/services/accounts.js';
import { headingOf, launchChromium, screenshot } from '../helpers/browser.js';
import { DATABASES } from '../helpers/databases.js';
import { STRONG_PASSWORD, codeFor, createTestUser } from '../helpers/fixtures.js';
import { stopProcess } from '../helpers/processes.js';
import { type TestServer, freePort, startTestServer } from '../helpers/server.js';
import { nginxPreamble } from '../helpers/nginx.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The protected app: one page that shows the path and the Remote-* headers nginx passed on. */
function startEchoApp(): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const rows = ['remote-user', 'remote-email', 'remote-name', 'remote-groups', 'remote-id'].map((name) => `<dt>${name}</dt><dd id="${name}">${escapeHtml(String(request.headers[name] ?? '(none)'))}</dd>`);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="en"><title>Protected app</title><h1>Protected app</h1><p id="path">${escapeHtml(`${request.method} ${request.url}`)}</p><dl>${rows.join('')}</dl></html>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

/** The README's nginx configuration for an app behind Twofold, with test ports and paths. */
function nginxConfig(dir: string, port: number, twofoldPort: number, appPort: number): string {
  return `${nginxPreamble(dir)}
  server {
    listen 127.0.0.1:${port};
    server_name app.twofold.test;

    location / {
      auth_request /internal/twofold-auth;
      auth_request_set $twofold_user   $upstream_http_remote_user;
      auth_request_set $twofold_email  $upstream_http_remote_email;
      auth_request_set $twofold_name   $upstream_http_remote_name;
      auth_request_set $twofold_groups $upstream_http_remote_groups;
      auth_request_set $twofold_id     $upstream_http_remote_id;
      proxy_set_header Remote-User   $twofold_user;
      proxy_set_header Remote-Email  $twofold_email;
      proxy_set_header Remote-Name   $twofold_name;
      proxy_set_header Remote-Groups $twofold_groups;
      proxy_set_header Remote-Id     $twofold_id;
      auth_request_set $twofold_sign_in $upstream_http_location;
      error_page 401 =302 $twofold_sign_in;
      proxy_pass http://127.0.0.1:${appPort};
    }

    location = /internal/twofold-auth {
      internal;
      proxy_pass http://127.0.0.1:${twofoldPort}/api/authz/auth-request;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
    }
  }
}
`;
}

describe('forward auth through nginx in Chromium', () => {
  let browser: Browser;
  let twofold: TestServer;
  let destroy: () => Promise<void>;
  let app: { server: Server; port: number };
  let nginx: ChildProcess;
  let dir: string;
  let appUrl: string;
  let authUrl: string;

  beforeAll(async () => {
    const created = await DATABASES[0]!.create();
    destroy = created.destroy;
    const [twofoldPort, nginxPort] = [await freePort(), await freePort()];
    authUrl = `http://auth.twofold.test:${twofoldPort}`;
    appUrl = `http://app.twofold.test:${nginxPort}`;
    twofold = await startTestServer(created.store, { PUBLIC_URL: authUrl, COOKIE_DOMAIN: 'twofold.test', FORWARD_AUTH_DOMAINS: 'app.twofold.test' }, { port: twofoldPort });
    app = await startEchoApp();
    dir = mkdtempSync(join(tmpdir(), 'twofold-nginx-fa-'));
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, nginxPort, twofoldPort, app.port));
    let nginxOutput = '';
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'pipe', env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin` } });
    nginx.stderr?.on('data', (d) => (nginxOutput += d));
    // Up when it answers (a redirect to sign-in: nobody is signed in yet).
    await vi.waitFor(
      async () => {
        if (nginx.exitCode !== null) throw new Error(`nginx exited: ${nginxOutput}`);
        expect((await fetch(`http://127.0.0.1:${nginxPort}/`, { redirect: 'manual' })).status).toBe(302);
      },
      { timeout: 15_000, interval: 100 },
    );
    browser = await launchChromium(['--host-resolver-rules=MAP *.twofold.test 127.0.0.1']);
  });
  afterAll(async () => {
    await browser?.close();
    if (nginx) await stopProcess(nginx);
    await new Promise((resolve) => app?.server.close(resolve));
    await twofold?.close();
    await destroy?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const textOf = (page: Page, id: string) => page.locator(`#${id}`).textContent();

  async function signInOnTwofold(page: Page, email: string) {
    await expect.poll(() => new URL(page.url()).host).toBe(new URL(authUrl).host);
    await page.getByLabel('Username (email)').fill(email);
    await page.getByLabel('Password').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  it('sends the app to sign-in, then back to the very page, which sees who signed in (and no forged header)', async () => {
    const { services } = twofold;
    const user = await createTestUser(services, { withTotp: true });
    // Their firm under an aggregator, so Remote-Groups names both.
    const { org_id: orgId } = await services.db.selectFrom('users').select('org_id').where('id', '=', user.id).executeTakeFirstOrThrow();
    const aggregator = await createOrganization(services, { name: 'Forward Aggregation' });
    await services.db.updateTable('organizations').set({ parent_id: aggregator.id }).where('id', '=', orgId).execute();
    await services.db.updateTable('users').set({ name: '李雷 Pat' }).where('id', '=', user.id).execute();
    // The browser itself claims to be someone else: nginx must replace these.
    const context = await browser.newContext({ extraHTTPHeaders: { 'Remote-User': 'mallory@evil.example', 'Remote-Groups': 'role:admin' } });
    const page = await context.newPage();

    const wanted = `${appUrl}/reports/2026?q=a%20b&sort=desc`;
    await page.goto(wanted);
    await expect.poll(() => page.url()).toBe(`${authUrl}/sign-in?rd=${encodeURIComponent(wanted)}`);
    await screenshot(page, 'forward-auth-01-sign-in-for-app');
    await signInOnTwofold(page, user.email);
    await expect.poll(() => headingOf(page)).toBe('Enter your code');
    await page.getByLabel('6-digit code').fill(codeFor(user, twofold.clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();

    await expect.poll(() => page.url()).toBe(wanted);
    await expect.poll(() => headingOf(page)).toBe('Protected app');
    await screenshot(page, 'forward-auth-02-back-on-the-app');
    expect(await textOf(page, 'path')).toBe('GET /reports/2026?q=a%20b&sort=desc');
    expect(await textOf(page, 'remote-user')).toBe(user.email);
    expect(await textOf(page, 'remote-email')).toBe(user.email);
    expect(decodeURIComponent((await textOf(page, 'remote-name'))!)).toBe('李雷 Pat');
    expect(await textOf(page, 'remote-groups')).toBe(`role:member,org:${orgId},aggregator:${aggregator.id}`);
    expect(await textOf(page, 'remote-id')).toBe(user.id);

    // Another page of the app: no sign-in this time; a form post passes too (nginx asks with a GET).
    await page.goto(`${appUrl}/other`);
    await expect.poll(() => textOf(page, 'path')).toBe('GET /other');
    const posted = await page.evaluate(async () => (await fetch('/orders', { method: 'POST', body: 'qty=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).text());
    expect(posted).toContain('<p id="path">POST /orders</p>');
    expect(posted).toContain(`<dd id="remote-user">${user.email}</dd>`);

    // Signed out on Twofold: the app sends the browser to sign in again at once.
    await page.goto(`${authUrl}/`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('You have signed out');
    await page.goto(`${appUrl}/other`);
    await expect.poll(() => page.url()).toBe(`${authUrl}/sign-in?rd=${encodeURIComponent(`${appUrl}/other`)}`);
    await context.close();
  });

  it('lands on Twofold’s home, not on a domain that is not allowed', async () => {
    const { services } = twofold;
    await createOrganization(services, { name: 'Plain Brokers' });
    const email = `plain.${Date.now()}@example.com.au`;
    await createUser(services, { email, name: 'Plain Person', orgName: 'Plain Brokers', role: 'member', password: STRONG_PASSWORD });
    const context = await browser.newContext();
    const page = await context.newPage();
    // evil.twofold.test resolves (to nginx) but is not on FORWARD_AUTH_DOMAINS.
    await page.goto(`${authUrl}/sign-in?rd=${encodeURIComponent(`${appUrl.replace('app.', 'evil.')}/steal`)}`);
    await signInOnTwofold(page, email);
    await expect.poll(() => page.url()).toBe(`${authUrl}/`);
    await expect.poll(() => headingOf(page)).toBe('Welcome, Plain Person');
    await context.close();
  });
});
