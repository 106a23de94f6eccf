// Setting up the authenticator app on the phone that shows the page: a QR code cannot
// be scanned by the phone displaying it, so the page offers an otpauth:// link that
// opens the app, and a Copy button for the key (a static script; hidden without it).
// The key wraps only between its groups of four.
import { describe, expect, it } from 'vitest';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { headingOf, lookAt, submitPasswordIn, useBrowserAndServer } from '../helpers/browser.js';
import { createTestUser } from '../helpers/fixtures.js';

describe('authenticator set-up on a phone', () => {
  const env = useBrowserAndServer();

  it('opens the app with an otpauth link, copies the key, and keeps each group of the key whole', async () => {
    const user = await createTestUser(env.server.services);
    const context = await env.browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url });
    const page = await context.newPage();
    await submitPasswordIn(page, env.server.url, user.email, user.password);
    await expect.poll(() => headingOf(page)).toBe('Welcome, Pat Broker');
    await page.goto(`${env.server.url}/settings/two-factor/app`);
    await expect.poll(() => headingOf(page)).toBe('Set up your authenticator app');

    const shownKey = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
    const href = (await page.getByRole('link', { name: 'Open in your authenticator app' }).getAttribute('href')) ?? '';
    const uri = new URL(href);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(shownKey);
    expect(uri.searchParams.get('issuer')).toBeTruthy();

    // A group of four broken over two lines has two client rectangles.
    const groups = await page.locator('#totp-secret').evaluate((code) => {
      const text = code.firstChild as Text;
      const found: number[] = [];
      for (const match of text.data.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(text, match.index);
        range.setEnd(text, match.index + match[0].length);
        found.push(range.getClientRects().length);
      }
      return { count: found.length, broken: found.filter((rects) => rects !== 1).length, lines: new Set([...code.getClientRects()].map((r) => Math.round(r.top))).size };
    });
    expect(groups.count).toBeGreaterThan(4);
    expect(groups.broken).toBe(0);

    await page.getByRole('button', { name: 'Copy the key' }).click();
    await expect.poll(() => page.locator('#copy-key-status').textContent()).toContain('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shownKey);
    await lookAt(page, 'authenticator-setup-01-phone');

    // The key works: the code it makes turns 2FA on.
    await page.getByLabel('Enter the 6-digit code the app shows').fill(generateTotpCode({ secret: secretFromBase32(shownKey), timeInMs: env.server.clock.now() }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => headingOf(page)).toBe('Save your recovery codes');
    await context.close();
  });

  it('without JavaScript the page still works: no dead Copy button, the link and the key are there', async () => {
    const user = await createTestUser(env.server.services);
    const context = await env.browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await submitPasswordIn(page, env.server.url, user.email, user.password);
    await page.goto(`${env.server.url}/settings/two-factor/app`);
    await expect.poll(() => headingOf(page)).toBe('Set up your authenticator app');
    expect(await page.getByRole('button', { name: 'Copy the key' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Open in your authenticator app' }).count()).toBe(1);
    await context.close();
  });
});
