// Email flows in a real browser: forgot password → link from the captured email →
// new password → sign in → still asked for the code; and an invitation accepted.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailTransport } from '../../src/mail/transport.js';
import { createOrganization, createUserAndInvite } from '../../src/services/accounts.js';
import { EmailWorker } from '../../src/services/email-worker.js';
import { expectAccessible, expectNoSidewaysScroll, launchChromium, screenshot } from '../helpers/browser.js';
import { DATABASES } from '../helpers/databases.js';
import { createTestUser } from '../helpers/fixtures.js';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { CapturingSmtpServer, linkIn } from '../helpers/smtp.js';

describe('email flows in Chromium', () => {
  let browser: Browser;
  let server: TestServer;
  let destroy: () => Promise<void>;
  let worker: EmailWorker;
  const smtp = new CapturingSmtpServer();

  beforeAll(async () => {
    await smtp.start();
    const created = await DATABASES[0]!.create();
    destroy = created.destroy;
    server = await startTestServer(created.store);
    worker = new EmailWorker(server.services, new SmtpMailTransport(smtp.url, 'Twofold <no-reply@twofold.example>'), { info() {}, warn() {}, error() {} });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await server?.close();
    await destroy?.();
    await smtp.stop();
  });

  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
  async function look(page: Page, name: string) {
    await expectAccessible(page, name);
    await expectNoSidewaysScroll(page, name);
    await screenshot(page, name);
  }
  async function deliver() {
    await server.services.background.whenIdle();
    await worker.runOnce();
  }
  /** The link from the newest email to `to`, on this test server. */
  function linkTo(to: string): string {
    const url = new URL(linkIn(smtp.to(to).at(-1)!));
    return `${server.url}${url.pathname}${url.search}`;
  }

  it('resets a forgotten password and still asks for the second factor', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await expect.poll(() => heading(page)).toBe('Forgot your password?');
    await look(page, 'email-01-forgot');
    await page.getByLabel('Username (email)').fill(user.email);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('If an account exists for that email');
    await deliver();
    await page.goto(linkTo(user.email));
    await expect.poll(() => heading(page)).toBe('Choose a new password');
    await look(page, 'email-02-choose-new-password');
    await page.getByLabel('New password', { exact: true }).fill('sunrise over the harbour bridge');
    await page.getByLabel('New password again').fill('sunrise over the harbour bridge');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('you will still be asked for your two-factor code');
    await page.getByLabel('Username (email)').fill(user.email);
    await page.getByLabel('Password').fill('sunrise over the harbour bridge');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => heading(page)).toBe('Enter your code');
    await context.close();
  });

  it('accepts an invitation end to end', async () => {
    const org = await createOrganization(server.services, { name: 'Coogee Finance' });
    await createUserAndInvite(server.services, { email: 'ivy@coogee.com.au', name: 'Ivy Invitee', orgName: org.name });
    await deliver();
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(linkTo('ivy@coogee.com.au'));
    await expect.poll(() => heading(page)).toBe('Choose your password');
    await look(page, 'email-03-invitation');
    await page.getByLabel('New password', { exact: true }).fill('coogee beach at first light');
    await page.getByLabel('New password again').fill('coogee beach at first light');
    await page.getByRole('button', { name: 'Set my password' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Your password is set');
    await page.getByLabel('Username (email)').fill('ivy@coogee.com.au');
    await page.getByLabel('Password').fill('coogee beach at first light');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => heading(page)).toBe('Welcome, Ivy Invitee');
    await context.close();
  });
});
