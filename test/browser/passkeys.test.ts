// Passkeys and security keys in Debian's Chromium, with the DevTools Protocol's virtual
// authenticators standing in for a laptop's passkey and a USB key. WebAuthn needs a
// domain for its RP id (an IP address cannot be one): the pages are browsed at
// http://localhost:PORT and PUBLIC_URL says the same. No bypassCSP: the scripts and
// their options fetch must work under the real Content-Security-Policy.
import { createServer } from 'node:net';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { deriveServerKeys } from '../../src/crypto/server-key.js';
import type { Store } from '../../src/store/db.js';
import { buildApp } from '../../src/web/app.js';
import { TwofoldMetrics } from '../../src/web/metrics.js';
import { expectAccessible, expectNoSidewaysScroll, launchChromium, screenshot } from '../helpers/browser.js';
import { TestClock } from '../helpers/clock.js';
import { DATABASES } from '../helpers/databases.js';
import { type TestUser, createTestUser } from '../helpers/fixtures.js';
import { TEST_SECRET, testServices } from '../helpers/server.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A Twofold listening on `port` whose PUBLIC_URL is `publicUrl` (the wrong-origin test gives it another's). */
async function startServerAt(store: Store, port: number, publicUrl: string) {
  const clock = new TestClock();
  const env = { PUBLIC_URL: publicUrl };
  const config = loadConfig({ TWOFOLD_SECRET: TEST_SECRET, DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent', ...env });
  const metrics = new TwofoldMetrics();
  const services = testServices(store, clock, env, metrics.serviceHooks);
  const app = await buildApp({ config, services, metrics, csrfKey: deriveServerKeys(TEST_SECRET).csrf });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, services, url: `http://localhost:${port}` };
}

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/** A page with an authenticator of its own (virtual authenticators belong to a tab). */
async function pageWithAuthenticator(context: BrowserContext, transport: 'internal' | 'usb' = 'internal'): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport, hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { page, cdp, authenticatorId };
}

async function credentialsOf(cdp: CDPSession, authenticatorId: string): Promise<VirtualCredential[]> {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[];
}

describe('passkeys and security keys in Chromium', () => {
  let browser: Browser;
  let destroy: () => Promise<void>;
  let server: Awaited<ReturnType<typeof startServerAt>>;
  let wrongOrigin: Awaited<ReturnType<typeof startServerAt>>;
  let alice: TestUser;
  let bob: TestUser;
  // Alice's browser: one context (one cookie jar), a tab with her laptop's passkey and a tab with her USB key.
  let context: BrowserContext;
  let laptop: Awaited<ReturnType<typeof pageWithAuthenticator>>;
  let usbKey: Awaited<ReturnType<typeof pageWithAuthenticator>>;

  beforeAll(async () => {
    const created = await DATABASES[0]!.create();
    destroy = created.destroy;
    const port = await freePort();
    server = await startServerAt(created.store, port, `http://localhost:${port}`);
    // Same database, same RP id (localhost), but PUBLIC_URL names the other port: its own pages are another origin.
    wrongOrigin = await startServerAt(created.store, await freePort(), `http://localhost:${port}`);
    browser = await launchChromium();
    alice = await createTestUser(server.services);
    bob = await createTestUser(server.services);
    context = await browser.newContext();
    laptop = await pageWithAuthenticator(context, 'internal');
    usbKey = await pageWithAuthenticator(context, 'usb');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await wrongOrigin?.app.close();
    await destroy?.();
  });

  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
  const passkeyRows = (userId: string) => server.services.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  const eventsOf = (userId: string, type: string) => server.services.db.selectFrom('security_events').selectAll().where('user_id', '=', userId).where('type', '=', type as never).execute();

  async function signInWithPassword(page: Page, user: TestUser, baseUrl = server.url) {
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByLabel('Username (email)').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function signOut(page: Page) {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => page.url()).toContain('/sign-in');
  }

  async function addPasskey(page: Page, name: string, password = alice.password) {
    // WebAuthn answers only the focused tab; the tabs here each hold a different key.
    await page.bringToFront();
    await page.goto(`${server.url}/settings/passkeys`);
    await page.getByLabel('Name for this passkey or key').fill(name);
    // With 2FA on, adding a way in asks for the password.
    if (await page.getByLabel('Your password, to add a key').count()) await page.getByLabel('Your password, to add a key').fill(password);
    await page.getByRole('button', { name: 'Add a passkey or security key' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('was added');
  }

  async function signInWithPasskeyAlone(page: Page, baseUrl = server.url) {
    await page.bringToFront();
    await page.goto(`${baseUrl}/sign-in/passkey`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  }

  it('a wrong password on the add-a-key form is refused before the browser makes a key', async () => {
    await signInWithPassword(laptop.page, alice);
    await expect.poll(() => heading(laptop.page)).toBe('Welcome, Pat Broker');
    await laptop.page.bringToFront();
    await laptop.page.goto(`${server.url}/settings/passkeys`);
    const keysBefore = (await credentialsOf(laptop.cdp, laptop.authenticatorId)).length;
    await laptop.page.getByLabel('Name for this passkey or key').fill('Never made');
    await laptop.page.getByLabel('Your password, to add a key').fill('not the password at all');
    await laptop.page.getByRole('button', { name: 'Add a passkey or security key' }).click();
    await expect.poll(() => laptop.page.locator('[data-passkey-error]').first().textContent()).toContain('Your current password is not right.');
    expect((await credentialsOf(laptop.cdp, laptop.authenticatorId)).length).toBe(keysBefore);
    expect(await passkeyRows(alice.id)).toHaveLength(0);
    await signOut(laptop.page);
  });

  it('adds a passkey from a signed-in session, under a random user handle', async () => {
    await signInWithPassword(laptop.page, alice);
    await expect.poll(() => heading(laptop.page)).toBe('Welcome, Pat Broker');
    await addPasskey(laptop.page, 'Work laptop\u0007 ');
    await screenshot(laptop.page, 'passkeys-01-added');
    expect(await laptop.page.locator('li strong').allTextContents()).toEqual(['Work laptop']);

    const [row] = await passkeyRows(alice.id);
    expect(row).toMatchObject({ name: 'Work laptop', transports: '["internal"]', device_type: 'singleDevice', backed_up: 0 });
    const [credential] = await credentialsOf(laptop.cdp, laptop.authenticatorId);
    // CDP speaks standard base64; Twofold stores base64url.
    expect(Buffer.from(credential!.credentialId, 'base64').toString('base64url')).toBe(row!.id);
    expect(credential!.isResidentCredential).toBe(true);
    // What the authenticator holds as the user is the stored random handle: not the email, not the user id.
    const handle = await server.services.db.selectFrom('webauthn_user_handles').select('handle').where('user_id', '=', alice.id).executeTakeFirstOrThrow();
    expect(Buffer.from(credential!.userHandle!, 'base64').toString('base64url')).toBe(handle.handle);
    expect(Buffer.from(handle.handle, 'base64url').toString('utf8')).not.toContain(alice.email);
    expect(handle.handle).not.toBe(Buffer.from(alice.id).toString('base64url'));
    expect(await eventsOf(alice.id, 'passkey_added')).toHaveLength(1);
    await signOut(laptop.page);
  });

  it('signs in with the passkey alone (passwordless)', async () => {
    await signInWithPasskeyAlone(laptop.page);
    await expect.poll(() => heading(laptop.page)).toBe('Welcome, Pat Broker');
    const [row] = await passkeyRows(alice.id);
    expect(row!.last_used_at).not.toBeNull();
    expect((await eventsOf(alice.id, 'signed_in')).some((event) => event.detail === 'passkey')).toBe(true);
    await signOut(laptop.page);
  });

  it('uses the passkey as the second factor after the password', async () => {
    await server.services.db.insertInto('two_factor').values({ user_id: alice.id, method: 'webauthn', totp_secret: null, last_used_step: null, enabled_at: Date.now() }).execute();
    await signInWithPassword(laptop.page, alice);
    await expect.poll(() => laptop.page.url()).toContain('/sign-in/code');
    await laptop.page.bringToFront();
    await laptop.page.goto(`${server.url}/sign-in/code/passkey`);
    await screenshot(laptop.page, 'passkeys-02-code-step');
    await laptop.page.getByRole('button', { name: 'Use your passkey or security key' }).click();
    await expect.poll(() => heading(laptop.page)).toBe('Welcome, Pat Broker');
    expect((await eventsOf(alice.id, 'signed_in')).some((event) => event.detail === 'password and passkey or security key')).toBe(true);
  });

  it('adds a second key, and a removed key no longer signs in', async () => {
    await addPasskey(usbKey.page, 'Blue key');
    const rows = await passkeyRows(alice.id);
    expect(rows.map((row) => row.name)).toEqual(['Work laptop', 'Blue key']);
    expect(rows[1]!.transports).toBe('["usb"]');

    await usbKey.page.locator('li', { hasText: 'Work laptop' }).getByText('Rename or remove').click();
    await usbKey.page.getByLabel('Your password, to remove Work laptop').fill(alice.password);
    await usbKey.page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await expect.poll(() => usbKey.page.getByRole('status').textContent()).toContain('was removed');
    expect((await passkeyRows(alice.id)).map((row) => row.name)).toEqual(['Blue key']);
    await signOut(usbKey.page);

    // The laptop still holds its credential; Twofold no longer knows it.
    await signInWithPasskeyAlone(laptop.page);
    await expect.poll(() => laptop.page.getByRole('alert').first().textContent()).toContain('could not be checked');
    expect(await heading(laptop.page)).toBe('Sign in with a passkey');
    // The key that remains still works.
    await signInWithPasskeyAlone(usbKey.page);
    await expect.poll(() => heading(usbKey.page)).toBe('Welcome, Pat Broker');
    await signOut(usbKey.page);
  });

  it("refuses another person's key at the second-factor step", async () => {
    // Bob has a key and uses it as his second factor.
    const bobsContext = await browser.newContext();
    const bobsKey = await pageWithAuthenticator(bobsContext);
    await signInWithPassword(bobsKey.page, bob);
    await expect.poll(() => heading(bobsKey.page)).toBe('Welcome, Pat Broker');
    await addPasskey(bobsKey.page, 'Bob laptop');
    await server.services.db.insertInto('two_factor').values({ user_id: bob.id, method: 'webauthn', totp_secret: null, last_used_step: null, enabled_at: Date.now() }).execute();
    await bobsContext.close();

    // Someone with Alice's key (and Bob's password) answers Bob's challenge with it: the
    // page offers only Bob's keys, so they ask the authenticator themselves.
    const thief = await browser.newContext();
    const thiefsKey = await pageWithAuthenticator(thief, 'usb');
    const [alicesKey] = await credentialsOf(usbKey.cdp, usbKey.authenticatorId);
    await thiefsKey.cdp.send('WebAuthn.addCredential', { authenticatorId: thiefsKey.authenticatorId, credential: alicesKey! });
    await signInWithPassword(thiefsKey.page, bob);
    await expect.poll(() => thiefsKey.page.url()).toContain('/sign-in/code');
    await thiefsKey.page.bringToFront();
    await thiefsKey.page.goto(`${server.url}/sign-in/code/passkey`);
    const offered = await thiefsKey.page.evaluate(async () => {
      const body = new URLSearchParams({ _csrf: (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value });
      const options = await (await fetch('/sign-in/code/passkey/options', { method: 'POST', body })).json();
      const offeredIds = options.allowCredentials.map((c: { id: string }) => c.id);
      const browserLib = (window as unknown as { SimpleWebAuthnBrowser: { startAuthentication(o: unknown): Promise<unknown> } }).SimpleWebAuthnBrowser;
      const answer = await browserLib.startAuthentication({ optionsJSON: { ...options, allowCredentials: [] } });
      (document.querySelector('input[name="code"]') as HTMLInputElement).value = JSON.stringify(answer);
      (document.querySelector('form[data-passkey]') as HTMLFormElement).submit();
      return offeredIds;
    });
    const bobsRows = await passkeyRows(bob.id);
    expect(offered).toEqual(bobsRows.map((row) => row.id));
    await expect.poll(() => thiefsKey.page.getByRole('alert').first().textContent()).toContain('could not be checked');
    expect(await thiefsKey.page.context().cookies()).not.toContainEqual(expect.objectContaining({ name: 'twofold_session' }));
    await thief.close();
  });

  it('refuses an answer made for another origin', async () => {
    const elsewhere = await browser.newContext();
    const copy = await pageWithAuthenticator(elsewhere, 'usb');
    const [alicesKey] = await credentialsOf(usbKey.cdp, usbKey.authenticatorId);
    await copy.cdp.send('WebAuthn.addCredential', { authenticatorId: copy.authenticatorId, credential: alicesKey! });
    const signCountBefore = (await passkeyRows(alice.id))[0]!.sign_count;
    await signInWithPasskeyAlone(copy.page, wrongOrigin.url);
    await expect.poll(() => copy.page.getByRole('alert').first().textContent()).toContain('could not be checked');
    // The authenticator did sign (its count moved); the server refused the origin and recorded no use.
    expect((await credentialsOf(copy.cdp, copy.authenticatorId))[0]!.signCount).toBeGreaterThan(signCountBefore);
    expect((await passkeyRows(alice.id))[0]!.sign_count).toBe(signCountBefore);
    await elsewhere.close();
    // The key still signs in on the right origin.
    await signInWithPasskeyAlone(usbKey.page, server.url);
    await expect.poll(() => heading(usbKey.page)).toBe('Welcome, Pat Broker');
    await signOut(usbKey.page);
  });

  it('refuses a copied key whose use count went backwards, and logs it', async () => {
    const [snapshot] = await credentialsOf(usbKey.cdp, usbKey.authenticatorId);
    // The real key is used (its count moves on); then a copy made earlier answers.
    await signInWithPasskeyAlone(usbKey.page);
    await expect.poll(() => heading(usbKey.page)).toBe('Welcome, Pat Broker');
    await signOut(usbKey.page);
    const stored = (await passkeyRows(alice.id))[0]!.sign_count;
    expect(stored).toBeGreaterThan(0);

    const cloneContext = await browser.newContext();
    const clone = await pageWithAuthenticator(cloneContext, 'usb');
    await clone.cdp.send('WebAuthn.addCredential', { authenticatorId: clone.authenticatorId, credential: { ...snapshot!, signCount: snapshot!.signCount - 1 } });
    await signInWithPasskeyAlone(clone.page);
    await expect.poll(() => clone.page.getByRole('alert').first().textContent()).toContain('fewer uses than before');
    await screenshot(clone.page, 'passkeys-03-clone-refused');
    expect(await heading(clone.page)).toBe('Sign in with a passkey');
    expect(await eventsOf(alice.id, 'passkey_clone_suspected')).toHaveLength(1);
    expect((await passkeyRows(alice.id))[0]!.sign_count).toBe(stored);
    await cloneContext.close();
  });

  it('Protect my account with a passkey: recovery codes, then the code step asks for the key; the pages pass axe at desktop and phone widths', async () => {
    const carol = await createTestUser(server.services);
    const carolsContext = await browser.newContext({ bypassCSP: true });
    const key = await pageWithAuthenticator(carolsContext);
    const page = key.page;
    await page.bringToFront();
    await signInWithPassword(page, carol);
    await expect.poll(() => heading(page)).toBe('Welcome, Pat Broker');
    await page.goto(`${server.url}/settings/two-factor`);
    await page.getByLabel('Passkey or security key').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => heading(page)).toBe('Set up a passkey or security key');
    await expectAccessible(page, 'passkeys-04-setup');
    await screenshot(page, 'passkeys-04-setup');
    await page.getByLabel('Name for this passkey or key').fill('Carol laptop');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => heading(page)).toBe('Save your recovery codes');
    // Proved, but not on until the codes are saved.
    expect(await server.services.db.selectFrom('two_factor').select('method').where('user_id', '=', carol.id).executeTakeFirst()).toBeUndefined();
    await page.getByLabel('I have saved my recovery codes somewhere safe').check();
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('you will use your passkey or security key');
    expect((await server.services.db.selectFrom('two_factor').select('method').where('user_id', '=', carol.id).executeTakeFirstOrThrow()).method).toBe('webauthn');

    await page.goto(`${server.url}/settings/passkeys`);
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 800 });
      await expectAccessible(page, `passkeys-05-settings-${width}`);
      await expectNoSidewaysScroll(page, `passkeys-05-settings-${width}`);
      await screenshot(page, `passkeys-05-settings-${width}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await signOut(page);

    // The sign-in page offers the passkey beside the password.
    await expectAccessible(page, 'passkeys-06-sign-in');
    await signInWithPassword(page, carol);
    await expect.poll(() => heading(page)).toBe('Use your passkey or security key');
    await expectAccessible(page, 'passkeys-07-code-step');
    await page.getByRole('button', { name: 'Use your passkey or security key' }).click();
    await expect.poll(() => heading(page)).toBe('Welcome, Pat Broker');
    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => heading(page)).toBe('Welcome, Pat Broker');

    // Removing the only key of a passkey second factor removes 2FA, after the password.
    await page.goto(`${server.url}/settings/passkeys`);
    await page.getByText('Rename or remove').first().click();
    await page.getByLabel('Your password, to remove Carol laptop').fill('not the password at all');
    await page.getByRole('button', { name: 'Remove Carol laptop' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Your current password is not right.');
    await page.getByText('Rename or remove').first().click();
    await page.getByLabel('Your password, to remove Carol laptop').fill(carol.password);
    await page.getByRole('button', { name: 'Remove Carol laptop' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Two-factor authentication has been removed');
    expect(await passkeyRows(carol.id)).toHaveLength(0);
    await carolsContext.close();
  });

  it('without JavaScript, the passkey pages say they need it and the rest works', async () => {
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const page = await noScript.newPage();
    await page.goto(`${server.url}/sign-in`);
    await expect.poll(() => page.getByText('Sign in with a passkey needs JavaScript').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);
    await page.getByLabel('Username (email)').fill(alice.email);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.url()).not.toContain('/sign-in?');
    await noScript.close();
  });
});
