// SMS in a real browser: turning on SMS 2FA and signing in with it; then the whole
// lost-device story, reading each code off /dev/outbox as a person trying Twofold would.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { headingOf, lookAt, submitPasswordIn, useBrowserAndServer } from '../helpers/browser.js';
import { createTestUser } from '../helpers/fixtures.js';

describe('SMS and lost device in Chromium', () => {
  // A person trying Twofold on a laptop starts it with DEV_OUTBOX=1 and opens the printed link.
  const env = useBrowserAndServer({ DEV_OUTBOX: '1' });


  const heading = headingOf;
  const look = lookAt;
  const signInWithPassword = (page: Page, email: string, password: string) => submitPasswordIn(page, env.server.url, email, password);
  /** Opens /dev/outbox in another tab and reads the newest code, as a person would. */
  async function codeFromOutbox(page: Page): Promise<string> {
    const outbox = await page.context().newPage();
    await outbox.goto(env.server.outboxUrl!);
    const text = (await outbox.locator('pre.message').first().textContent()) ?? '';
    await outbox.close();
    return /(\d{6}) is your Twofold code/.exec(text)![1]!;
  }

  it('turns on SMS 2FA and signs in with a texted code', async () => {
    const user = await createTestUser(env.server.services);
    const context = await env.browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signInWithPassword(page, user.email, user.password);
    await page.goto(`${env.server.url}/settings/security`);
    await page.getByRole('textbox', { name: 'Mobile number' }).fill('0412 345 678');
    await page.getByRole('button', { name: 'Save mobile number' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Your mobile number has been saved');
    await page.getByRole('link', { name: 'Protect my account' }).click();
    await page.getByLabel('Text message (SMS)').check();
    await look(page, 'sms-01-choose-sms');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => heading(page)).toBe('Set up text message codes');
    await look(page, 'sms-02-setup');
    await page.getByLabel('6-digit code from the text message').fill(await codeFromOutbox(page));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Save your recovery codes');
    await page.getByLabel('I have saved my recovery codes somewhere safe').check();
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('we will text a code to your mobile');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await signInWithPassword(page, user.email, user.password);
    await expect.poll(() => heading(page)).toBe('Enter your code');
    await look(page, 'sms-03-code-step');
    await page.getByLabel('6-digit code').fill(await codeFromOutbox(page));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => heading(page)).toBe('Welcome, Pat Broker');
    await context.close();
  });

  it('gets back in after losing the phone with the app, then sets 2FA up on a new device', async () => {
    const user = await createTestUser(env.server.services, { withTotp: true });
    await env.server.services.db.updateTable('users').set({ mobile: '+61412999888' }).where('id', '=', user.id).execute();
    const context = await env.browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signInWithPassword(page, user.email, user.password);
    await expect.poll(() => heading(page)).toBe('Enter your code');
    await page.getByRole('link', { name: 'Lost your two-factor device' }).click();
    await expect.poll(() => heading(page)).toBe('Lost your two-factor device');
    await look(page, 'lost-01-choices');
    await page.getByRole('link', { name: 'Text a code to my mobile' }).click();
    await expect.poll(() => page.getByLabel('Last 4 digits of your mobile number').count()).toBe(1);
    await look(page, 'lost-01-last-four');
    await page.getByLabel('Last 4 digits of your mobile number').fill('1234');
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Those digits do not match the mobile number on your account.');
    await page.getByLabel('Last 4 digits of your mobile number').fill('9888');
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await expect.poll(() => heading(page)).toBe('Enter the code we sent');
    await look(page, 'lost-02-code');
    await page.getByLabel('6-digit code from the text message').fill(await codeFromOutbox(page));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('If you have a new phone, remove the two factor authentication below');
    await look(page, 'lost-03-signed-in');

    // The new device: remove 2FA, then set it up again with a new secret.
    await page.getByLabel('Your password, to confirm').fill(user.password);
    await page.getByRole('button', { name: 'Remove the two factor authentication' }).click();
    await page.getByRole('link', { name: 'Protect my account' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    const secret = secretFromBase32(((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, ''));
    expect(secret).not.toEqual(user.secret);
    await page.getByLabel('Enter the 6-digit code the app shows').fill(generateTotpCode({ secret, timeInMs: env.server.clock.now() }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Save your recovery codes');
    await page.getByLabel('I have saved my recovery codes somewhere safe').check();
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Two-factor authentication is on');
    await context.close();
  });

  it('shows the outbox page cleanly', async () => {
    const context = await env.browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(env.server.outboxUrl!);
    await look(page, 'outbox-01');
    await context.close();
  });
});
