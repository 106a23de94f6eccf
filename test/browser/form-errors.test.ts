// "Errors nobody sees": after a refused form on the long My password and security page,
// the field in error has the focus, is marked invalid and is described by the message,
// and the message is on screen, at desktop and phone widths (axe on each).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { headingOf, lookAt, submitPasswordIn, useBrowserAndServer } from '../helpers/browser.js';
import { createTestUser } from '../helpers/fixtures.js';

/** The focused element's id, whether it is invalid, what describes it, and whether its message is in view. */
async function focusState(page: Page) {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    const described = (active?.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
    const alert = document.querySelector('[role=alert]');
    const box = alert?.getBoundingClientRect();
    return {
      id: active?.id ?? '',
      invalid: active?.getAttribute('aria-invalid') ?? null,
      describedByAlert: alert !== null && described.includes(alert.id),
      alertText: alert?.textContent ?? '',
      alertInView: box !== undefined && box.top >= 0 && box.bottom <= window.innerHeight,
      fieldInView: (() => {
        const b = active?.getBoundingClientRect();
        return b !== undefined && b.top >= 0 && b.bottom <= window.innerHeight;
      })(),
    };
  });
}

describe('refused forms show their error where the person is looking', () => {
  const env = useBrowserAndServer();

  for (const [label, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`focuses the field in error and shows its message (${label})`, async () => {
      const user = await createTestUser(env.server.services);
      const context = await env.browser.newContext({ bypassCSP: true, viewport });
      const page = await context.newPage();
      await submitPasswordIn(page, env.server.url, user.email, user.password);
      await expect.poll(() => headingOf(page)).toBe('Welcome, Pat Broker');

      // A wrong current password: the current-password field, far down the page.
      await page.goto(`${env.server.url}/settings/security`);
      await page.getByLabel('Current password').fill('not my password at all');
      await page.getByLabel('New password', { exact: true }).fill('purple giraffes dance at dawn');
      await page.getByLabel('New password again').fill('purple giraffes dance at dawn');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(async () => (await focusState(page)).id).toBe('field-current_password');
      expect(await focusState(page)).toMatchObject({ invalid: 'true', describedByAlert: true, fieldInView: true });
      await lookAt(page, `form-error-01-password-${label}`);

      // A weak new password: the new-password field this time.
      await page.getByLabel('Current password').fill(user.password);
      await page.getByLabel('New password', { exact: true }).fill('password1234');
      await page.getByLabel('New password again').fill('password1234');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(async () => (await focusState(page)).id).toBe('field-new_password');
      expect(await focusState(page)).toMatchObject({ invalid: 'true', describedByAlert: true });

      // A mobile number that is not one: the number field, with what is wrong with it.
      await page.getByRole('textbox', { name: 'Mobile number' }).fill('12345');
      await page.getByRole('button', { name: 'Save mobile number' }).click();
      await expect.poll(async () => (await focusState(page)).id).toBe('field-mobile');
      const mobile = await focusState(page);
      expect(mobile).toMatchObject({ invalid: 'true', describedByAlert: true, fieldInView: true });
      expect(mobile.alertText).toContain('wrong number of digits');
      await lookAt(page, `form-error-02-mobile-${label}`);
      await context.close();
    });
  }
});
