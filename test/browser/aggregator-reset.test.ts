// The article's last resort in a real browser: a broker loses phone and number; the
// aggregator admin finds them, resets with a new mobile; the broker signs in, sees who
// reset it, sets up 2FA on the new device; both see it in their activity.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { createOrganization, createUser } from '../../src/services/accounts.js';
import { turnOnTotp } from '../helpers/fixtures.js';
import { startTotpEnrollment } from '../../src/services/two-factor.js';
import { expectAccessible, expectNoSidewaysScroll, launchChromium, screenshot } from '../helpers/browser.js';
import { DATABASES } from '../helpers/databases.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

const PASSWORD = 'harbour lights at midnight';

describe('aggregator reset in Chromium', () => {
  let browser: Browser;
  let server: TestServer;
  let destroy: () => Promise<void>;
  const secrets = new Map<string, Uint8Array>();

  async function person(email: string, name: string, orgName: string, role: 'member' | 'admin', mobile: string) {
    const { id } = await createUser(server.services, { email, name, orgName, role, mobile, password: PASSWORD });
    const enrollment = await startTotpEnrollment(server.services, id);
    const secret = secretFromBase32(enrollment.secretForManualEntry.replace(/ /g, ''));
    await turnOnTotp(server.services, id, generateTotpCode({ secret, timeInMs: server.clock.now() - 30_000 }), { ip: '127.0.0.1', userAgent: 'fixture' });
    secrets.set(email, secret);
  }

  beforeAll(async () => {
    const created = await DATABASES[0]!.create();
    destroy = created.destroy;
    server = await startTestServer(created.store);
    await createOrganization(server.services, { name: 'Harbour Aggregation' });
    await createOrganization(server.services, { name: 'Bondi Home Loans', parentName: 'Harbour Aggregation' });
    await person('alex@harbour.com.au', 'Alex Admin', 'Harbour Aggregation', 'admin', '0412000001');
    await person('bree@bondi.com.au', 'Bree Broker', 'Bondi Home Loans', 'member', '0412000002');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await destroy?.();
  });

  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
  async function look(page: Page, name: string) {
    await expectAccessible(page, name);
    await expectNoSidewaysScroll(page, name);
    await screenshot(page, name);
  }
  async function signInWithCode(page: Page, email: string) {
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Username (email)').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => heading(page)).toBe('Enter your code');
    server.clock.advance(30_000);
    await page.getByLabel('6-digit code').fill(generateTotpCode({ secret: secrets.get(email)!, timeInMs: server.clock.now() }));
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  it('walks the whole story', async () => {
    const adminContext = await browser.newContext({ bypassCSP: true, viewport: { width: 1200, height: 900 } });
    const admin = await adminContext.newPage();
    await signInWithCode(admin, 'alex@harbour.com.au');
    await admin.getByRole('link', { name: 'Admin' }).click();
    await expect.poll(() => heading(admin)).toBe('Admin: Harbour Aggregation');
    await admin.getByRole('link', { name: 'People' }).click();
    await admin.getByLabel('Search by name or email').fill('bree');
    await admin.getByRole('button', { name: 'Search' }).click();
    await look(admin, 'admin-01-list');
    await admin.getByRole('link', { name: 'Bree Broker' }).click();
    await expect.poll(() => heading(admin)).toBe('Bree Broker');
    await expect.poll(() => admin.getByText('•••• ••• 002').count()).toBe(1);
    await admin.getByLabel('Reason for the reset').fill('Phone stolen at an open home; number cancelled');
    await admin.getByLabel('How you verified this person').fill('Called Bondi Home Loans on the office number we hold; principal confirmed it is Bree');
    await admin.getByLabel('New mobile number (if their old number is gone)').fill('0412 000 099');
    await admin.getByLabel('Your own password, to confirm').fill(PASSWORD);
    await look(admin, 'admin-02-user-reset-form');
    await admin.getByRole('button', { name: 'Reset two-factor authentication' }).click();
    await expect.poll(() => admin.getByRole('status').textContent()).toContain('Two-factor authentication has been reset');
    await expect.poll(() => admin.getByRole('cell', { name: 'Two-factor authentication reset by an administrator' }).count()).toBe(1);
    await look(admin, 'admin-03-after-reset');

    const brokerContext = await browser.newContext({ bypassCSP: true });
    const broker = await brokerContext.newPage();
    await broker.goto(`${server.url}/sign-in`);
    await broker.getByLabel('Username (email)').fill('bree@bondi.com.au');
    await broker.getByLabel('Password').fill(PASSWORD);
    await broker.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => heading(broker)).toBe('Protect my account');
    await expect.poll(() => broker.getByRole('status').textContent()).toContain('reset by Alex Admin (Harbour Aggregation)');
    await look(broker, 'admin-04-broker-reset-notice');
    await broker.getByRole('button', { name: 'Continue' }).click();
    const secret = secretFromBase32(((await broker.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, ''));
    await broker.getByLabel('Enter the 6-digit code the app shows').fill(generateTotpCode({ secret, timeInMs: server.clock.now() }));
    await broker.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => broker.getByRole('heading', { level: 1 }).textContent()).toBe('Save your recovery codes');
    await broker.getByLabel('I have saved my recovery codes somewhere safe').check();
    await broker.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await expect.poll(() => broker.getByRole('status').textContent()).toContain('Two-factor authentication is on');
    await expect.poll(() => broker.getByRole('cell', { name: 'Two-factor authentication reset by an administrator' }).count()).toBe(1);
    await expect.poll(() => broker.getByRole('cell', { name: 'Two-factor authentication turned on' }).count()).toBeGreaterThanOrEqual(1);
    await look(broker, 'admin-05-broker-activity');

    await admin.reload();
    await expect.poll(() => admin.getByRole('cell', { name: 'Two-factor authentication turned on' }).count()).toBeGreaterThanOrEqual(1);
    await adminContext.close();
    await brokerContext.close();
  });
});
