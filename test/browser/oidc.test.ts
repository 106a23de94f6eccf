// "Sign in with Twofold" in Chromium, from an app nobody here wrote the OpenID side of:
// Harbour CRM (examples/crm, openid-client) in-process beside a Twofold, each on its own
// port, with the CRM registered for one aggregator. Every step is a person's click.
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrm } from '../../examples/crm/app.js';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { createOrganization, createUser } from '../../src/services/accounts.js';
import { addClient } from '../../src/services/oidc/clients.js';
import { startTotpEnrollment } from '../../src/services/two-factor.js';
import { setRequireTwoFactor } from '../../src/store/organizations.js';
import { expectAccessible, expectNoSidewaysScroll, headingOf, launchChromium, screenshot } from '../helpers/browser.js';
import { DATABASES } from '../helpers/databases.js';
import { FakeTwilio, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM } from '../helpers/fake-twilio.js';
import { STRONG_PASSWORD, turnOnTotp, uniqueMobile } from '../helpers/fixtures.js';
import { type TestServer, freePort, startTestServerAtPublicUrl } from '../helpers/server.js';

const AGGREGATOR = 'Harbour Aggregation';
const FIRM = 'Harbour Brokers';
const STEP = 30_000;

interface Person {
  id: string;
  name: string;
  email: string;
  secret?: Uint8Array;
}

describe('Harbour CRM signs in with Twofold, in Chromium', () => {
  let browser: Browser;
  let twofold: TestServer;
  let crm: FastifyInstance;
  let crmUrl: string;
  let destroy: () => Promise<void>;
  const twilio = new FakeTwilio();
  let count = 0;

  beforeAll(async () => {
    await twilio.start();
    const created = await DATABASES[0]!.create();
    destroy = created.destroy;
    twofold = await startTestServerAtPublicUrl(created.store, {
      SMS_PROVIDER: 'twilio',
      TWILIO_BASE_URL: twilio.url,
      TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN,
      TWILIO_FROM,
    });
    const aggregator = await createOrganization(twofold.services, { name: AGGREGATOR });
    await createOrganization(twofold.services, { name: FIRM, parentName: AGGREGATOR });
    await createOrganization(twofold.services, { name: 'Other Aggregation' });
    await createOrganization(twofold.services, { name: 'Other Brokers', parentName: 'Other Aggregation' });
    // The aggregator requires 2FA (its admin ticked "Require two-factor authentication for everyone").
    await setRequireTwoFactor(twofold.services.db, aggregator.id, true);

    const port = await freePort();
    crmUrl = `http://localhost:${port}`;
    // As `twofold client add --name "Harbour CRM" --redirect-uri … --post-logout-redirect-uri … --org "Harbour Aggregation"`.
    const client = await addClient(twofold.services, {
      name: 'Harbour CRM',
      redirectUris: [`${crmUrl}/callback`],
      postLogoutRedirectUris: [`${crmUrl}/signed-out`],
      organizationName: AGGREGATOR,
    });
    crm = await buildCrm({ issuer: twofold.url, clientId: client.clientId, clientSecret: client.clientSecret!, baseUrl: crmUrl });
    await crm.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await crm?.close();
    await twofold?.close();
    await destroy?.();
    await twilio.stop();
  });

  /** Someone under an organisation, with an authenticator app, a text-message factor, or nothing yet. */
  async function person(orgName: string, factor: 'totp' | 'sms' | 'none'): Promise<Person> {
    count += 1;
    const name = `Broker ${'ABCDEFGHIJ'[count % 10]}${count}`;
    const email = `broker${count}.${Date.now().toString(36)}@harbour.example.com.au`;
    const mobile = uniqueMobile();
    const { id } = await createUser(twofold.services, { email, name, orgName, role: 'member', mobile, password: STRONG_PASSWORD });
    if (factor === 'sms') {
      // As the SMS fixture does: SMS is the factor, for the number on the account.
      await twofold.services.db.insertInto('two_factor').values({ user_id: id, method: 'sms', totp_secret: null, last_used_step: null, enabled_at: twofold.services.now() }).execute();
    }
    if (factor !== 'totp') return { id, name, email };
    const enrollment = await startTotpEnrollment(twofold.services, id);
    const secret = secretFromBase32(enrollment.secretForManualEntry.replace(/ /g, ''));
    await turnOnTotp(twofold.services, id, generateTotpCode({ secret, timeInMs: twofold.services.now() - STEP }));
    return { id, name, email, secret };
  }

  const codeOf = (who: Person) => generateTotpCode({ secret: who.secret!, timeInMs: twofold.clock.now() });
  const textOf = (page: Page, id: string) => page.locator(`#${id}`).textContent();
  const onCrm = (page: Page) => page.url().startsWith(crmUrl);
  const onTwofold = (page: Page) => page.url().startsWith(twofold.url);

  async function newPage(): Promise<Page> {
    // bypassCSP: axe is injected as a script (see the last test for what the CSP itself does).
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    return context.newPage();
  }

  /** axe and no sideways scrolling at 1280 px and at 360 px, and a screenshot of each. */
  async function lookAtBothWidths(page: Page, name: string): Promise<void> {
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      // First, so a failed check below can be looked at.
      await screenshot(page, `oidc-${name}-${width}`);
      await expectAccessible(page, `${name} at ${width} px`);
      await expectNoSidewaysScroll(page, `${name} at ${width} px`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  async function clickOnCrm(page: Page, button: 'Sign in' | 'Ask for two factors' | 'Sign in again' | 'Sign out'): Promise<void> {
    expect(onCrm(page)).toBe(true);
    await page.getByRole('button', { name: button, exact: true }).click();
  }

  /** On Twofold's sign-in page (the email is filled in already when Twofold asks again). */
  async function typePassword(page: Page, who: Person): Promise<void> {
    await expect.poll(() => headingOf(page)).toBe('Sign in');
    expect(onTwofold(page)).toBe(true);
    const email = page.getByLabel('Username (email)');
    if ((await email.inputValue()) !== who.email) await email.fill(who.email);
    await page.getByLabel('Password').fill(STRONG_PASSWORD);
    // Typing takes a moment: the sign-in comes strictly after the app's request (Twofold
    // counts a sign-in as fresh for that request only then; the test clock stands still).
    twofold.clock.advance(1);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function typeCode(page: Page, code: string, options: { remember?: boolean } = {}): Promise<void> {
    await expect.poll(() => headingOf(page)).toBe('Enter your code');
    await page.getByLabel('6-digit code').fill(code);
    if (options.remember) await page.getByLabel('Remember this device for 30 days').check();
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  /** Back on the CRM, signed in as `who`. */
  async function expectSignedInToCrm(page: Page, who: Person, how: { amr: string; acr: '1fa' | '2fa' }): Promise<void> {
    await expect.poll(() => headingOf(page)).toBe(`Welcome, ${who.name}`);
    expect(onCrm(page)).toBe(true);
    expect(await textOf(page, 'email')).toBe(who.email);
    expect(await textOf(page, 'amr')).toBe(how.amr);
    expect(await textOf(page, 'acr')).toBe(`urn:twofold:acr:${how.acr}`);
    expect(await textOf(page, 'assurance')).toBe(how.acr === '2fa' ? 'two factors' : 'one factor');
    // auth_time: a real time, shown as Sydney reads it.
    expect(await page.locator('#auth-time time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
  }

  it('a person with an authenticator app: password, code, back on the CRM with their firm and two factors', async () => {
    const pat = await person(FIRM, 'totp');
    const page = await newPage();
    await page.goto(crmUrl);
    await lookAtBothWidths(page, 'crm-signed-out');
    await clickOnCrm(page, 'Sign in');
    await typePassword(page, pat);
    await typeCode(page, codeOf(pat));
    await expectSignedInToCrm(page, pat, { amr: 'pwd otp mfa', acr: '2fa' });
    expect(await textOf(page, 'name')).toBe(pat.name);
    expect(await textOf(page, 'firm')).toBe(FIRM);
    expect(await textOf(page, 'aggregator')).toBe(AGGREGATOR);
    expect(await textOf(page, 'role')).toBe('member');
    expect(await textOf(page, 'factors')).toBe('password + one-time code (authenticator app or recovery code): two factors');
    await lookAtBothWidths(page, 'crm-signed-in');
    await page.context().close();
  });

  it('a person with text-message codes: the code Twilio was asked to send signs them in', async () => {
    const sam = await person(FIRM, 'sms');
    const page = await newPage();
    await page.goto(crmUrl);
    const sent = twilio.requests.length;
    await clickOnCrm(page, 'Sign in');
    await typePassword(page, sam);
    await expect.poll(() => twilio.requests.length).toBe(sent + 1);
    await typeCode(page, twilio.lastCode());
    await expectSignedInToCrm(page, sam, { amr: 'pwd sms mfa', acr: '2fa' });
    expect(await textOf(page, 'factors')).toBe('password + code by text message: two factors');
    await page.context().close();
  });

  it('a person whose aggregator requires 2FA and who has none sets it up first, then is sent back to the CRM', async () => {
    const kim = await person(FIRM, 'none');
    const page = await newPage();
    await page.goto(crmUrl);
    await clickOnCrm(page, 'Sign in');
    await typePassword(page, kim);
    // Twofold's required set-up takes over from the sign-in for the app.
    await expect.poll(() => headingOf(page)).toBe('Protect my account');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Your organisation requires two-factor authentication');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => headingOf(page)).toBe('Set up your authenticator app');
    kim.secret = secretFromBase32(((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, ''));
    await page.getByLabel('Enter the 6-digit code the app shows').fill(codeOf(kim));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => headingOf(page)).toBe('Save your recovery codes');
    await page.getByLabel('I have saved my recovery codes somewhere safe').check();
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    // Once 2FA is on, the CRM's request goes on. Turning 2FA on gave this browser a new
    // Twofold session, made from the password session it replaced: the CRM hears one factor.
    await expectSignedInToCrm(page, kim, { amr: 'pwd', acr: '1fa' });
    // Two factors, when the CRM asks for them: the password again, then the new app's code.
    twofold.clock.advance(STEP);
    await clickOnCrm(page, 'Ask for two factors');
    await typePassword(page, kim);
    await typeCode(page, codeOf(kim));
    await expectSignedInToCrm(page, kim, { amr: 'pwd otp mfa', acr: '2fa' });
    await page.context().close();
  });

  it('a remembered device gives one factor; "Ask for two factors" makes Twofold ask for the code anyway', async () => {
    const lee = await person(FIRM, 'totp');
    const page = await newPage();
    await page.goto(crmUrl);
    await clickOnCrm(page, 'Sign in');
    await typePassword(page, lee);
    await typeCode(page, codeOf(lee), { remember: true });
    await expectSignedInToCrm(page, lee, { amr: 'pwd otp mfa', acr: '2fa' });

    // Signed out of Twofold (its own Sign out); the CRM's session is its own and stays.
    await page.goto(twofold.url);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => headingOf(page)).toBe('Sign in');
    twofold.clock.advance(STEP);
    await page.goto(crmUrl);
    await clickOnCrm(page, 'Sign in again');
    await typePassword(page, lee);
    // No code: the device is remembered, and the CRM hears exactly that.
    await expectSignedInToCrm(page, lee, { amr: 'pwd', acr: '1fa' });
    expect(await textOf(page, 'factors')).toBe('password');

    twofold.clock.advance(STEP);
    await clickOnCrm(page, 'Ask for two factors');
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('asks for two-factor authentication');
    await typePassword(page, lee);
    await typeCode(page, codeOf(lee));
    await expectSignedInToCrm(page, lee, { amr: 'pwd otp mfa', acr: '2fa' });
    await page.context().close();
  });

  it('a person outside the CRM\'s aggregator is refused by Twofold, and the CRM says so politely', async () => {
    const outsider = await person('Other Brokers', 'totp');
    const page = await newPage();
    await page.goto(crmUrl);
    await clickOnCrm(page, 'Sign in');
    await typePassword(page, outsider);
    await typeCode(page, codeOf(outsider));
    await expect.poll(() => headingOf(page)).toBe('This app is not for your account');
    expect(onTwofold(page)).toBe(true);
    expect(await page.getByRole('alert').textContent()).toContain(`Harbour CRM is only for people of ${AGGREGATOR}, and you are signed in as ${outsider.email}`);
    await lookAtBothWidths(page, 'twofold-app-refused');
    await page.getByRole('button', { name: 'Go back to the app' }).click();
    await expect.poll(() => headingOf(page)).toBe('You are not signed in');
    expect(onCrm(page)).toBe(true);
    expect(await page.getByRole('alert').textContent()).toContain('Twofold did not sign you in to Harbour CRM with that account');
    expect(await textOf(page, 'error-detail')).toMatch(/^access_denied/);
    await lookAtBothWidths(page, 'crm-access-denied');
    // And the CRM has nobody signed in.
    await page.goto(crmUrl);
    await expect.poll(() => page.getByRole('button', { name: 'Sign in', exact: true }).count()).toBe(1);
    await page.context().close();
  });

  it('signing out from the CRM: Twofold confirms, then the CRM and Twofold are both signed out', async () => {
    const ash = await person(FIRM, 'totp');
    const page = await newPage();
    await page.goto(crmUrl);
    await clickOnCrm(page, 'Sign in');
    await typePassword(page, ash);
    await typeCode(page, codeOf(ash));
    await expectSignedInToCrm(page, ash, { amr: 'pwd otp mfa', acr: '2fa' });

    await clickOnCrm(page, 'Sign out');
    await expect.poll(() => headingOf(page)).toBe('Sign out of Twofold?');
    expect(onTwofold(page)).toBe(true);
    expect(await page.getByText('Harbour CRM asked to sign you out.').count()).toBe(1);
    await lookAtBothWidths(page, 'twofold-sign-out-confirm');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('You are signed out of Harbour CRM.');
    expect(new URL(page.url()).pathname).toBe('/signed-out');
    expect(onCrm(page)).toBe(true);
    await lookAtBothWidths(page, 'crm-signed-out-notice');

    // Twofold's own session is gone: its start page asks to sign in, and so does the CRM's next sign-in.
    await page.goto(twofold.url);
    await expect.poll(() => headingOf(page)).toBe('Sign in');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.goto(crmUrl);
    await clickOnCrm(page, 'Sign in');
    await expect.poll(() => headingOf(page)).toBe('Sign in');
    expect(onTwofold(page)).toBe(true);
    await page.context().close();
  });

  // The tests above bypass the CSP (to inject axe), so they cannot see what it does. Twofold's
  // pages send `form-action 'self'`, and Chromium applies it to every redirect after a form:
  // each way back to an app starts with a Twofold form (the password or code step, "Go back
  // to the app", the sign-out confirmation) and ends on the app's origin. This one keeps the
  // CSP (it was red until the last hop became a page that moves on by itself).
  it('under the CSP Twofold sends, every way back to the app works in Chromium', async () => {
    const kai = await person(FIRM, 'totp');
    const outsider = await person('Other Brokers', 'totp');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const blocked: string[] = [];
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) blocked.push(message.text());
    });
    const expectBackOnCrm = async () => {
      await expect.poll(() => onCrm(page) || blocked.length > 0).toBe(true);
      expect(blocked).toEqual([]);
    };
    try {
      await page.goto(crmUrl);
      await clickOnCrm(page, 'Sign in');
      await typePassword(page, kai);
      await typeCode(page, codeOf(kai));
      await expectBackOnCrm();
      await expectSignedInToCrm(page, kai, { amr: 'pwd otp mfa', acr: '2fa' });

      await clickOnCrm(page, 'Sign out');
      await expect.poll(() => headingOf(page)).toBe('Sign out of Twofold?');
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await expectBackOnCrm();
      await expect.poll(() => page.getByRole('status').textContent()).toBe('You are signed out of Harbour CRM.');

      await clickOnCrm(page, 'Sign in');
      await typePassword(page, outsider);
      await typeCode(page, codeOf(outsider));
      await expect.poll(() => headingOf(page)).toBe('This app is not for your account');
      await page.getByRole('button', { name: 'Go back to the app' }).click();
      await expectBackOnCrm();
      await expect.poll(() => headingOf(page)).toBe('You are not signed in');
    } finally {
      await context.close();
    }
  });
});
