// An aggregator admin invites a person and deactivates one, in Chromium at desktop and
// phone sizes: axe, no sideways scrolling, and a screenshot of each page.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { createOrganization, createUser } from '../../src/services/accounts.js';
import { startTotpEnrollment } from '../../src/services/two-factor.js';
import { findUserByEmail } from '../../src/store/users.js';
import { turnOnTotp } from '../helpers/fixtures.js';
import { headingOf, launchChromium, lookAt, submitPasswordIn } from '../helpers/browser.js';
import { DATABASES } from '../helpers/databases.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

const PASSWORD = 'harbour lights at midnight';
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

describe('admin invites and deactivates people in Chromium', () => {
  let browser: Browser;
  let server: TestServer;
  let destroy: () => Promise<void>;
  let adminSecret: Uint8Array;

  beforeAll(async () => {
    const created = await DATABASES[0]!.create();
    destroy = created.destroy;
    server = await startTestServer(created.store);
    await createOrganization(server.services, { name: 'Harbour Aggregation' });
    await createOrganization(server.services, { name: 'Bondi Home Loans', parentName: 'Harbour Aggregation' });
    const { id } = await createUser(server.services, { email: 'alex@harbour.com.au', name: 'Alex Admin', orgName: 'Harbour Aggregation', role: 'admin', password: PASSWORD });
    const enrollment = await startTotpEnrollment(server.services, id);
    adminSecret = secretFromBase32(enrollment.secretForManualEntry.replace(/ /g, ''));
    await turnOnTotp(server.services, id, generateTotpCode({ secret: adminSecret, timeInMs: server.clock.now() - 30_000 }));
    for (const size of SIZES) {
      await createUser(server.services, { email: `bree.${size.name}@bondi.com.au`, name: `Bree Broker ${size.name}`, orgName: 'Bondi Home Loans', password: PASSWORD });
    }
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await destroy?.();
  });

  async function signInAsAdmin(page: Page) {
    await submitPasswordIn(page, server.url, 'alex@harbour.com.au', PASSWORD);
    await expect.poll(() => headingOf(page)).toBe('Enter your code');
    server.clock.advance(30_000);
    await page.getByLabel('6-digit code').fill(generateTotpCode({ secret: adminSecret, timeInMs: server.clock.now() }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.url()).toBe(`${server.url}/`);
  }

  for (const size of SIZES) {
    it(`invites a person and deactivates one at ${size.width}×${size.height}`, async () => {
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();
      await signInAsAdmin(page);
      await page.goto(`${server.url}/admin/people`);
      await page.getByRole('link', { name: 'Invite a person' }).click();
      await expect.poll(() => headingOf(page)).toBe('Invite a person');
      await page.getByLabel('Full name').fill(`Ivy ${size.name}`);
      await page.getByLabel('Email').fill(`ivy.${size.name}@bondi.com.au`);
      await page.getByLabel('Firm').selectOption({ label: 'Bondi Home Loans' });
      await page.getByLabel('Mobile number (optional)').fill('0412 000');
      await page.getByRole('button', { name: 'Send the invitation' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong number of digits');
      await expect(page.getByLabel('Full name').inputValue()).resolves.toBe(`Ivy ${size.name}`);
      await lookAt(page, `admin-people-${size.name}-01-invite-refused`);
      await page.getByLabel('Mobile number (optional)').fill('0412 000 123');
      await page.getByLabel('Administrator').check();
      await page.getByRole('button', { name: 'Send the invitation' }).click();
      await expect.poll(() => headingOf(page)).toBe(`Ivy ${size.name}`);
      await expect.poll(() => page.getByRole('status').textContent()).toContain('The invitation email is on its way');
      await lookAt(page, `admin-people-${size.name}-02-invited`);
      expect(await findUserByEmail(server.services.db, `ivy.${size.name}@bondi.com.au`)).toMatchObject({ role: 'admin', password_hash: null });

      await page.goto(`${server.url}/admin/people`);
      await page.getByRole('link', { name: `Bree Broker ${size.name}` }).click();
      await expect.poll(() => headingOf(page)).toBe(`Bree Broker ${size.name}`);
      // Nothing to reset for someone without 2FA or a remembered device.
      await expect.poll(() => page.getByRole('heading', { name: 'Reset two-factor authentication' }).count()).toBe(0);
      await page.getByRole('button', { name: `Deactivate Bree Broker ${size.name}` }).click();
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Deactivated.');
      await expect.poll(() => page.getByRole('button', { name: `Reactivate Bree Broker ${size.name}` }).count()).toBe(1);
      await lookAt(page, `admin-people-${size.name}-03-deactivated`);

      await page.goto(`${server.url}/admin/people?status=deactivated`);
      await expect.poll(() => page.getByRole('link', { name: `Bree Broker ${size.name}` }).count()).toBe(1);
      await lookAt(page, `admin-people-${size.name}-04-list-deactivated`);

      // The deactivated person's own sign-in says so.
      const theirs = await (await browser.newContext({ bypassCSP: true, viewport: { width: size.width, height: size.height } })).newPage();
      await submitPasswordIn(theirs, server.url, `bree.${size.name}@bondi.com.au`, PASSWORD);
      await expect.poll(() => theirs.getByRole('alert').textContent()).toContain('This account has been deactivated');
      await lookAt(theirs, `admin-people-${size.name}-05-sign-in-deactivated`);
      await theirs.context().close();
      await context.close();
    });
  }
});
