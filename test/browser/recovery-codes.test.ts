// Recovery codes in Chromium, as a person meets them: saved while turning 2FA on (with and
// without JavaScript, at desktop and phone widths), then used after losing the phone, and
// replaced when few are left.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { headingOf, lookAt, submitPasswordIn, useBrowserAndServer } from '../helpers/browser.js';
import { createTestUser } from '../helpers/fixtures.js';
import { spendTypedRecoveryCode } from '../../src/services/recovery-codes.js';

describe('recovery codes in Chromium', () => {
  const env = useBrowserAndServer();
  const heading = headingOf;
  const look = lookAt;
  const signInWithPassword = (page: Page, email: string, password: string) => submitPasswordIn(page, env.server.url, email, password);
  async function proveAuthenticatorApp(page: Page) {
    await page.goto(`${env.server.url}/settings/two-factor`);
    await page.getByRole('button', { name: 'Continue' }).click();
    const secret = secretFromBase32(((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, ''));
    await page.getByLabel('Enter the 6-digit code the app shows').fill(generateTotpCode({ secret, timeInMs: env.server.clock.now() }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => heading(page)).toBe('Save your recovery codes');
  }
  const shownCodes = async (page: Page) => page.locator('#recovery-codes code').allTextContents();

  for (const width of [1280, 360]) {
    it(`shows the codes to save before 2FA turns on, with download, copy and print, at ${width} px`, async () => {
      const user = await createTestUser(env.server.services);
      const context = await env.browser.newContext({ bypassCSP: true, viewport: { width, height: 800 }, ...(width < 400 ? { isMobile: true, hasTouch: true } : {}) });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url });
      const page = await context.newPage();
      await signInWithPassword(page, user.email, user.password);
      await proveAuthenticatorApp(page);
      const codes = await shownCodes(page);
      expect(codes).toHaveLength(10);
      await look(page, `recovery-01-save-codes-${width}`);

      const download = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download (.txt)' }).click()]).then(([d]) => d);
      expect(download.suggestedFilename()).toBe('twofold-recovery-codes.txt');
      const text = await import('node:fs/promises').then((fs) => download.path().then((path) => fs.readFile(path, 'utf8')));
      for (const code of codes) expect(text).toContain(code);

      await page.getByRole('button', { name: 'Copy' }).click();
      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n') + '\n');
      await expect.poll(() => page.getByRole('button', { name: 'Print' }).isVisible()).toBe(true);

      // Not ticked: the page says so and 2FA stays off.
      await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Tick the box to confirm you have saved your recovery codes.');
      await look(page, `recovery-02-not-ticked-${width}`);
      await page.getByLabel('I have saved my recovery codes somewhere safe').check();
      await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Two-factor authentication is on');
      // No mobile number yet: a backup number is offered, and skipped here.
      await expect.poll(() => heading(page)).toBe('Add a mobile number as a backup');
      await look(page, `recovery-06-backup-number-offer-${width}`);
      await page.getByRole('link', { name: 'Skip, do not add a number' }).click();
      await expect.poll(() => page.getByText('You have 10 recovery codes left.').count()).toBe(1);
      await context.close();
    });
  }

  it('works without JavaScript: the codes, the download link and the confirmation', async () => {
    const user = await createTestUser(env.server.services);
    const context = await env.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signInWithPassword(page, user.email, user.password);
    await proveAuthenticatorApp(page);
    expect(await shownCodes(page)).toHaveLength(10);
    // Copy and Print need a script; without it they stay hidden rather than doing nothing.
    expect(await page.getByRole('button', { name: 'Copy' }).count()).toBe(0);
    await page.getByLabel('I have saved my recovery codes somewhere safe').check();
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Two-factor authentication is on');
    await context.close();
  });

  it('lost phone: signs in with a recovery code from "Lost your two-factor device", then gets new codes when few are left', async () => {
    const user = await createTestUser(env.server.services, { withTotp: true });
    // Six codes used already: one more leaves three.
    for (const code of user.recoveryCodes!.slice(0, 6)) expect((await spendTypedRecoveryCode(env.server.services, user.id, code)).spent).toBe(true);
    const context = await env.browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signInWithPassword(page, user.email, user.password);
    await expect.poll(() => heading(page)).toBe('Enter your code');
    await page.getByRole('link', { name: 'Lost your two-factor device' }).click();
    await look(page, 'recovery-03-lost-device-choices');
    await page.getByRole('link', { name: 'Use a recovery code' }).click();
    await expect.poll(() => heading(page)).toBe('Use a recovery code');
    await page.getByLabel('Recovery code').fill('AAAA BBBB CCCC DDDD');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That recovery code is not right');
    await look(page, 'recovery-04-wrong-code');

    await page.getByLabel('Recovery code').fill(user.recoveryCodes![6]!.toLowerCase());
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('You signed in with a recovery code and have few left');
    await expect.poll(() => page.getByText('You have 3 recovery codes left.').count()).toBe(1);
    await look(page, 'recovery-05-few-left');
    await page.getByLabel('Your password, to get new codes').fill(user.password);
    await page.getByRole('button', { name: 'Get new recovery codes' }).click();
    await expect.poll(() => heading(page)).toBe('Save your recovery codes');
    expect(await shownCodes(page)).toHaveLength(10);
    await page.getByLabel('I have saved my recovery codes somewhere safe').check();
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Your new recovery codes are ready to use');
    await expect.poll(() => page.getByText('You have 10 recovery codes left.').count()).toBe(1);
    await context.close();
  });
});
