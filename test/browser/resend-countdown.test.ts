// "You can ask for a new code in 30 seconds" counts down in the page (a static script)
// and then offers the new code; the browser's clock is moved by the test, not waited for.
import { describe, expect, it } from 'vitest';
import { headingOf, submitPasswordIn, useBrowserAndServer } from '../helpers/browser.js';
import { createSmsUser } from '../helpers/fixtures.js';

describe('resend countdown in Chromium', () => {
  const env = useBrowserAndServer();

  it('counts down to the moment a new code may be asked for', async () => {
    const user = await createSmsUser(env.server.services, { smsTwoFactor: true });
    const context = await env.browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.clock.install();
    await submitPasswordIn(page, env.server.url, user.email, user.password);
    await expect.poll(() => headingOf(page)).toBe('Enter your code');
    const hint = page.locator('#resend-hint');
    const secondsShown = async () => Number(/in (\d+) seconds?/.exec((await hint.textContent()) ?? '')?.[1] ?? -1);
    const first = await secondsShown();
    expect(first).toBeGreaterThan(20);
    await page.clock.runFor(10_000);
    await expect.poll(secondsShown).toBe(first - 10);
    await page.clock.runFor((first - 10) * 1000);
    await expect.poll(() => hint.textContent()).toBe("Didn't get it? A new code replaces the old one.");
    await context.close();
  });
});
