// The core story in a real browser: first-run setup, sign-in, turning on 2FA by
// reading the secret off the page, signing out and in with a code, removing 2FA.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { issueSetupLinkIfEmpty } from '../../src/services/first-run.js';
import { expectAccessible, expectNoSidewaysScroll, screenshot, useBrowserAndServer } from '../helpers/browser.js';

const PASSWORD = 'harbour lights at midnight';

describe('core flow in Chromium', () => {
  const env = useBrowserAndServer();


  async function look(page: Page, name: string) {
    await expectAccessible(page, name);
    await expectNoSidewaysScroll(page, name);
    await screenshot(page, name);
  }

  it('sets up, signs in, protects the account, signs in with a code and removes 2FA', async () => {
    const context = await env.browser.newContext({ bypassCSP: true, viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();

    const setupLink = await issueSetupLinkIfEmpty(env.server.services, env.server.url);
    await page.goto(setupLink!);
    await look(page, 'core-01-first-run-setup');
    await page.getByLabel('Organisation name').fill('Harbour Aggregation');
    await page.getByLabel('Your full name').fill('Alex Admin');
    await page.getByLabel('Your email').fill('alex@harbour.com.au');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create organisation and administrator' }).click();

    await expect.poll(() => page.url()).toContain('/sign-in');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Twofold is set up');
    await look(page, 'core-02-sign-in');
    await page.getByLabel('Username (email)').fill('alex@harbour.com.au');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, Alex Admin');
    await look(page, 'core-03-home');
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'My password and security' }).getAttribute('aria-current')).toBe('page');
    await look(page, 'core-04-security-2fa-off');

    await page.getByRole('link', { name: 'Protect my account' }).click();
    await look(page, 'core-05-choose-method');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Set up your authenticator app');
    await look(page, 'core-06-authenticator-setup');
    const typedSecret = (await page.locator('#totp-secret').textContent())!;
    const secret = secretFromBase32(typedSecret.replace(/\s/g, ''));
    await page.getByLabel('Enter the 6-digit code the app shows').fill(generateTotpCode({ secret, timeInMs: env.server.clock.now() }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Save your recovery codes');
    await page.getByLabel('I have saved my recovery codes somewhere safe').check();
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Two-factor authentication is on');
    await look(page, 'core-07-security-2fa-on');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('You have signed out');
    await page.getByLabel('Username (email)').fill('alex@harbour.com.au');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Enter your code');
    await look(page, 'core-08-code-step');
    await page.getByLabel('6-digit code').fill('000 000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That code is not right');
    await look(page, 'core-09-code-step-wrong');
    env.server.clock.advance(30_000);
    const code = generateTotpCode({ secret, timeInMs: env.server.clock.now() });
    await page.getByLabel('6-digit code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, Alex Admin');

    await page.goto(`${env.server.url}/settings/security`);
    await page.getByLabel('Your password, to confirm').fill(PASSWORD);
    await page.getByRole('button', { name: 'Remove the two factor authentication' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Two-factor authentication has been removed');
    await expect.poll(() => page.getByRole('link', { name: 'Protect my account' }).count()).toBe(1);
    await look(page, 'core-10-security-2fa-removed');
    await context.close();
  });

  it('is readable on a phone', async () => {
    const context = await env.browser.newContext({ bypassCSP: true, viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${env.server.url}/sign-in`);
    await look(page, 'core-11-sign-in-phone');
    const fontSize = await page.getByLabel('Username (email)').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(16); // below 16px, phones zoom in on focus
    await context.close();
  });

  it('works without JavaScript', async () => {
    const context = await env.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${env.server.url}/sign-in`);
    await page.getByLabel('Username (email)').fill('alex@harbour.com.au');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, Alex Admin');
    await context.close();
  });
});
