// "Where you're signed in" in Chromium: two browsers, the list at desktop and phone widths
// (axe, no sideways scrolling), and Sign out of the other one.
import { describe, expect, it } from 'vitest';
import { headingOf, lookAt, submitPasswordIn, useBrowserAndServer } from '../helpers/browser.js';
import { createTestUser } from '../helpers/fixtures.js';

describe("where you're signed in, in Chromium", () => {
  const env = useBrowserAndServer();

  it('lists both browsers and signs the other one out', async () => {
    const user = await createTestUser(env.server.services);
    const laptopContext = await env.browser.newContext({ bypassCSP: true });
    const phoneContext = await env.browser.newContext({ bypassCSP: true, viewport: { width: 360, height: 800 }, isMobile: true, hasTouch: true });
    const laptop = await laptopContext.newPage();
    const phone = await phoneContext.newPage();
    for (const page of [laptop, phone]) {
      await submitPasswordIn(page, env.server.url, user.email, user.password);
      await expect.poll(() => headingOf(page)).toBe('Welcome, Pat Broker');
    }
    await phone.goto(`${env.server.url}/settings/security#sessions`);
    await lookAt(phone, 'sessions-01-phone');
    await laptop.goto(`${env.server.url}/settings/security#sessions`);
    await lookAt(laptop, 'sessions-02-desktop');
    await expect.poll(() => laptop.getByText('This browser').count()).toBe(1);
    await laptop.getByRole('button', { name: /^Sign out .* from / }).click();
    await expect.poll(() => laptop.getByRole('status').textContent()).toContain('That browser has been signed out');
    await phone.reload();
    await expect.poll(() => headingOf(phone)).toBe('Sign in');
    await laptopContext.close();
    await phoneContext.close();
  });
});
