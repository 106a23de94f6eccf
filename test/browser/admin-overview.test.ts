// The admin Overview in Chromium, at desktop and phone widths: axe, no sideways
// scrolling, a screenshot each; a bar leads to the firm's people without 2FA, and
// Remind people without 2FA works with the keyboard and says what it did.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { createOrganization, createUser } from '../../src/services/accounts.js';
import { startTotpEnrollment } from '../../src/services/two-factor.js';
import { appendSecurityEvent } from '../../src/store/security-events.js';
import type { SecurityEventType } from '../../src/domain/activity.js';
import { headingOf, lookAt, useBrowserAndServer } from '../helpers/browser.js';
import { turnOnTotp } from '../helpers/fixtures.js';

const PASSWORD = 'harbour lights at midnight';
const FIRMS: Array<[name: string, app: number, sms: number, passkey: number, none: number]> = [
  ['Bondi Home Loans', 6, 1, 1, 0],
  ['Manly Mortgages', 2, 2, 0, 5],
  ['Parramatta Finance and Investment Lending Partners', 1, 0, 0, 7],
  ['Newtown Lending', 3, 0, 2, 1],
];

describe('admin overview in Chromium', () => {
  const env = useBrowserAndServer();
  let secret: Uint8Array;

  beforeAll(async () => {
    const services = env.server.services;
    await createOrganization(services, { name: 'Harbour Aggregation' });
    const { id: adminId } = await createUser(services, { email: 'alex@harbour.com.au', name: 'Alex Admin', orgName: 'Harbour Aggregation', role: 'admin', password: PASSWORD });
    const enrollment = await startTotpEnrollment(services, adminId);
    secret = secretFromBase32(enrollment.secretForManualEntry.replace(/ /g, ''));
    await turnOnTotp(services, adminId, generateTotpCode({ secret, timeInMs: env.server.clock.now() - 30_000 }));
    const hash = (await services.db.selectFrom('users').select('password_hash').where('id', '=', adminId).executeTakeFirstOrThrow()).password_hash;
    const nowMs = services.now();
    const people: string[] = [];
    // The firms' people go straight into the tables: none of them signs in here.
    for (const [name, app, sms, passkey, none] of FIRMS) {
      const org = await createOrganization(services, { name, parentName: 'Harbour Aggregation' });
      const methods = [...Array(app).fill('totp'), ...Array(sms).fill('sms'), ...Array(passkey).fill('webauthn'), ...Array(none).fill(null)] as Array<'totp' | 'sms' | 'webauthn' | null>;
      for (const [i, method] of methods.entries()) {
        const id = randomUUID();
        people.push(id);
        await services.db
          .insertInto('users')
          .values({ id, email: `p${i}.${org.id.slice(0, 6)}@example.com.au`, name: `Person ${i} of ${name}`, org_id: org.id, role: 'member', password_hash: hash, mobile: null, created_at: nowMs, password_changed_at: nowMs, last_sign_in_at: null, code_locked_until: null })
          .execute();
        if (method) await services.db.insertInto('two_factor').values({ user_id: id, method, totp_secret: null, last_used_step: null, enabled_at: nowMs }).execute();
      }
    }
    // Thirty days of activity with a shape: sign-ins on weekdays, a burst of wrong codes.
    const event = (type: SecurityEventType, i: number, atMs: number) => appendSecurityEvent(services.db, { type, userId: people[i % people.length]!, atMs });
    for (let day = 0; day < 30; day++) {
      const atMs = nowMs - day * 86_400_000 - 3_600_000;
      for (let k = 0; k < (day % 7 < 5 ? 12 : 3); k++) await event('signed_in', k, atMs - k * 60_000);
      if (day >= 3 && day <= 5) for (let k = 0; k < 9; k++) await event('code_failed', k, atMs - k * 1000);
      if (day === 4) await event('code_step_locked', 1, atMs);
      for (let k = 0; k < day % 4; k++) await event('sms_code_sent', k, atMs - k * 1000);
      if (day === 8) await event('sms_refused_number_limit', 2, atMs);
      if (day === 12) await event('two_factor_reset', 3, atMs);
    }
  });

  async function signInAdmin(page: Page) {
    await page.goto(`${env.server.url}/sign-in`);
    await page.getByLabel('Username (email)').fill('alex@harbour.com.au');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => headingOf(page)).toBe('Enter your code');
    env.server.clock.advance(30_000);
    await page.getByLabel(/code/i).first().fill(generateTotpCode({ secret, timeInMs: env.server.clock.now() }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => headingOf(page)).not.toBe('Enter your code');
  }

  it('shows adoption firm by firm and the last 30 days, at desktop and phone widths', async () => {
    for (const [label, viewport] of [
      ['desktop', { width: 1280, height: 900 }],
      ['phone', { width: 360, height: 800 }],
    ] as const) {
      const context = await env.browser.newContext({ bypassCSP: true, viewport });
      const page = await context.newPage();
      await signInAdmin(page);
      await page.goto(`${env.server.url}/admin`);
      await expect.poll(() => headingOf(page)).toBe('Admin: Harbour Aggregation');
      // Least protected first: Parramatta (1 of 8) heads the bars.
      const rows = page.locator('ul.adoption a.adoption-row .adoption-name');
      await expect.poll(() => rows.first().textContent()).toBe('Parramatta Finance and Investment Lending Partners');
      await expect.poll(() => page.getByText('1 of 8 protected (13%)').count()).toBe(1);
      // Every chart is an image with a name and a description a screen reader reads.
      const charts = page.getByRole('img', { name: /each day of the last 30/ });
      await expect.poll(() => charts.count()).toBe(5);
      await expect.poll(async () => (await page.locator('#trend-wrong-codes-desc').textContent())?.includes('27 in the last 30 days')).toBe(true);
      await lookAt(page, `overview-01-${label}`);
      await page.emulateMedia({ forcedColors: 'active' });
      await lookAt(page, `overview-02-${label}-forced-colours`);
      await page.emulateMedia({ forcedColors: 'none' });
      // The People tab too: a long firm name in the Firm list must not widen the page.
      await page.getByRole('link', { name: 'People' }).click();
      await expect.poll(() => page.getByLabel('Firm').count()).toBe(1);
      await lookAt(page, `people-01-${label}`);
      await context.close();
    }
  });

  it('a bar leads to the firm’s people without 2FA, and the reminder is sent from the keyboard', async () => {
    const context = await env.browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInAdmin(page);
    await page.goto(`${env.server.url}/admin`);
    await page.locator('ul.adoption a.adoption-row', { hasText: 'Manly Mortgages' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(5);
    await expect.poll(() => page.getByLabel('Two-factor').inputValue()).toBe('off');
    await lookAt(page, 'overview-03-firm-without-2fa');
    await page.getByRole('link', { name: 'Overview' }).click();
    const remind = page.getByRole('button', { name: 'Remind people without 2FA' });
    await remind.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Reminder emails are on their way');
    await expect.poll(() => remind.isDisabled()).toBe(true);
    await expect.poll(() => page.getByText('All 13 people without two-factor authentication were reminded in the last 7 days').count()).toBe(1);
    await lookAt(page, 'overview-04-reminded');
    await context.close();
  });
});
