// "Remember this device for 30 days" in a real browser: tick, skip the code next
// time; a fresh browser context is asked; forgetting in settings asks again.
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, screenshot, useBrowserAndServer } from '../helpers/browser.js';
import { type TestUser, codeFor, createTestUser } from '../helpers/fixtures.js';

describe('remember this device in Chromium', () => {
  const env = useBrowserAndServer();
  let user: TestUser;

  beforeAll(async () => {
    user = await createTestUser(env.server.services, { withTotp: true });
  });

  async function typePassword(page: Page) {
    await page.goto(`${env.server.url}/sign-in`);
    await page.getByLabel('Username (email)').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }
  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

  it('skips the code once remembered, asks a fresh browser, and asks again once forgotten', async () => {
    const context: BrowserContext = await env.browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await typePassword(page);
    await expect.poll(() => heading(page)).toBe('Enter your code');
    await page.getByLabel('6-digit code').fill(codeFor(user, env.server.clock.now()));
    await page.getByLabel('Remember this device for 30 days').check();
    await screenshot(page, 'remember-01-code-step-ticked');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => heading(page)).toBe('Welcome, Pat Broker');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await typePassword(page);
    await expect.poll(() => heading(page)).toBe('Welcome, Pat Broker');

    const fresh = await env.browser.newContext({ bypassCSP: true });
    const freshPage = await fresh.newPage();
    await typePassword(freshPage);
    await expect.poll(() => heading(freshPage)).toBe('Enter your code');
    await fresh.close();

    await page.goto(`${env.server.url}/settings/security`);
    const devices = page.locator('section', { has: page.getByRole('heading', { name: 'Remembered devices' }) });
    await expect.poll(() => devices.getByText('This browser').count()).toBe(1);
    await expectAccessible(page, 'remembered devices');
    await screenshot(page, 'remember-02-settings-devices');
    await page.getByRole('button', { name: /^Forget Chrome on Linux/ }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('That device has been forgotten');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await typePassword(page);
    await expect.poll(() => heading(page)).toBe('Enter your code');
    await expect.poll(() => page.getByText('this device is no longer remembered').count()).toBe(1);
    await expectAccessible(page, 'code step with a note');
    await screenshot(page, 'remember-03-asked-again');
    await context.close();
  });
});
