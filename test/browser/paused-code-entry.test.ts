// The paused code step at phone width: the pause and its end are read before anything
// is typed, nothing is focused that cannot be used, and the page passes axe.
import { describe, expect, it } from 'vitest';
import { expectAccessible, expectNoSidewaysScroll, screenshot, useBrowserAndServer } from '../helpers/browser.js';
import { createTestUser } from '../helpers/fixtures.js';

describe('paused code entry in Chromium', () => {
  const ctx = useBrowserAndServer();

  it('says code entry is paused and until when, at phone width, accessibly', async () => {
    const { browser, server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/sign-in`);
      await page.getByLabel('Username (email)').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(/\/sign-in\/code$/);
      await server.services.db.updateTable('users').set({ code_failures: 10, code_locked_until: server.clock.now() + 15 * 60_000 }).where('id', '=', user.id).execute();
      await page.reload();
      const status = page.getByRole('status');
      await expect.poll(() => status.textContent()).toMatch(/Code entry is paused\..* until \d{1,2}:\d{2} [ap]m on .* \(Sydney time, AE[SD]T\)\./);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('name') ?? null)).not.toBe('code');
      await expectAccessible(page, 'paused code entry');
      await expectNoSidewaysScroll(page, 'paused code entry');
      await screenshot(page, 'paused-code-entry-phone');
    } finally {
      await context.close();
    }
  });
});
