// "Remember this device for 30 days", and each way the article says a device is forgotten.
// Real connections from two loopback source addresses stand for two networks.
import { expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { type TestUser, codeFor, createTestUser, submitPassword, turnOnTotp } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import type { TestServer } from '../helpers/server.js';
import { purgeExpiredRecords } from '../../src/services/maintenance.js';
import { listSecurityEventsForUser } from '../../src/store/security-events.js';
import { secretFromBase32 } from '../../src/domain/totp.js';
import { startTotpEnrollment } from '../../src/services/two-factor.js';

const DAY = 24 * 3_600_000;
const NOTE_NETWORK = 'We asked for a code because you are connecting from a different network than when you chose to remember this device.';
const NOTE_EXPIRED = 'We asked for a code because it has been 30 days since you chose to remember this device.';
const NOTE_FORGOTTEN = 'We asked for a code because this device is no longer remembered';

describeEachDatabase('remember this device', (database) => {
  const ctx = useTestServer(database);

  /** Password, then the code with the box ticked; returns the browser, now remembered. */
  async function signInAndRemember(user: TestUser, localAddress = '127.0.0.1'): Promise<TestClient> {
    const { server } = ctx;
    const client = new TestClient(server.url, { localAddress });
    expect((await submitPassword(client, user.email, user.password)).location).toBe('/sign-in/code');
    const codePage = await client.get('/sign-in/code');
    expect(codePage.body).toContain('Remember this device for 30 days');
    server.clock.advance(30_000); // a fresh TOTP step for each sign-in
    const done = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()), remember_device: 'yes' });
    expect(done.location).toBe('/');
    return client;
  }

  /** Signs out, then types the password again: '/' if the code was skipped. */
  async function signInAgain(client: TestClient, user: TestUser): Promise<string | null> {
    await client.post('/sign-out', {});
    return (await submitPassword(client, user.email, user.password)).location;
  }

  it('skips the code for 30 days from this browser, and sets a 30-day HttpOnly cookie', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    await submitPassword(client, user.email, user.password);
    await client.get('/sign-in/code');
    const done = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()), remember_device: 'yes' });
    const cookie = done.headers.getSetCookie().find((c) => c.startsWith('twofold_device='))!;
    expect(cookie).toMatch(/Max-Age=2592000/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(await signInAgain(client, user)).toBe('/');
    server.clock.advance(29 * DAY);
    expect(await signInAgain(client, user)).toBe('/');
  });

  it('asks again after 30 days, however often it was used (absolute, not sliding)', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await signInAndRemember(user);
    for (let day = 0; day < 29; day += 7) {
      server.clock.advance(7 * DAY);
      if (day + 7 < 30) expect(await signInAgain(client, user)).toBe('/');
    }
    server.clock.advance(2 * DAY);
    expect(await signInAgain(client, user)).toBe('/sign-in/code');
    expect((await client.get('/sign-in/code')).body).toContain(NOTE_EXPIRED);
  });

  it('does not remember a browser whose box was not ticked', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = new TestClient(server.url);
    await submitPassword(client, user.email, user.password);
    await client.get('/sign-in/code');
    await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(client.cookies.has('twofold_device')).toBe(false);
    expect(await signInAgain(client, user)).toBe('/sign-in/code');
    expect((await client.get('/sign-in/code')).body).not.toContain('We asked for a code because');
  });

  it('asks again from another IP address, says why without the old address, and records it', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const home = await signInAndRemember(user, '127.0.0.1');
    // The same cookie, carried to another network (or stolen and used elsewhere).
    const elsewhere = new TestClient(server.url, { localAddress: '127.0.0.2' });
    elsewhere.cookies.set('twofold_device', home.cookies.get('twofold_device')!);
    expect((await submitPassword(elsewhere, user.email, user.password)).location).toBe('/sign-in/code');
    const page = await elsewhere.get('/sign-in/code');
    expect(page.body).toContain(NOTE_NETWORK);
    expect(page.body).not.toContain('127.0.0.1');
    const events = await listSecurityEventsForUser(server.services.db, user.id, 20);
    expect(events.find((e) => e.type === 'remembered_device_refused')).toMatchObject({ ip: '127.0.0.2', detail: 'remembered from 127.0.0.1, used from 127.0.0.2' });
    // As the article says, the device is now forgotten: back home, the code is asked too.
    expect(await signInAgain(home, user)).toBe('/sign-in/code');
  });

  it('asks again when the cookie is gone (cleared cookies, private window, another browser)', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    await signInAndRemember(user);
    const fresh = new TestClient(server.url);
    expect((await submitPassword(fresh, user.email, user.password)).location).toBe('/sign-in/code');
  });

  it('is useful only with the right password for the same user', async () => {
    const { server } = ctx;
    const alice = await createTestUser(server.services, { withTotp: true });
    const bob = await createTestUser(server.services, { withTotp: true });
    const client = await signInAndRemember(alice);
    await client.post('/sign-out', {});
    expect((await submitPassword(client, alice.email, 'not alices password')).status).toBe(401);
    expect((await submitPassword(client, bob.email, bob.password)).location).toBe('/sign-in/code');
    expect((await client.get('/sign-in/code')).body).not.toContain('We asked for a code because');
    // Alice's device is untouched by Bob's sign-in.
    client.cookies.delete('twofold_attempt');
    expect((await submitPassword(client, alice.email, alice.password)).location).toBe('/');
  });

  /** This user's rows in remembered_devices, expired or not. */
  async function rememberedRowsOf(user: TestUser): Promise<string[]> {
    return (await ctx.server.services.db.selectFrom('remembered_devices').select('handle').where('user_id', '=', user.id).execute()).map((r) => r.handle);
  }

  /** A fresh browser carrying `cookie` as its remember cookie types the password. */
  async function browserWithDeviceCookie(user: TestUser, cookie: string): Promise<{ client: TestClient; location: string | null }> {
    const client = new TestClient(ctx.server.url);
    client.cookies.set('twofold_device', cookie);
    return { client, location: (await submitPassword(client, user.email, user.password)).location };
  }

  /** Password with `cookie`: the code is asked for, with the "no longer remembered" note. */
  async function expectAskedForCodeAsForgotten(user: TestUser, cookie: string): Promise<void> {
    const { client, location } = await browserWithDeviceCookie(user, cookie);
    expect(location).toBe('/sign-in/code');
    expect((await client.get('/sign-in/code')).body).toContain(NOTE_FORGOTTEN);
  }

  it('forgets every remembered device on removing 2FA', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const laptop = await signInAndRemember(user);
    const phone = await signInAndRemember(user);
    expect(await rememberedRowsOf(user)).toHaveLength(2);
    await phone.get('/settings/security');
    expect((await phone.post('/settings/two-factor/remove', { password: user.password })).status).toBe(303);
    // With 2FA off the password alone signs in anyway: the devices must be gone, not just unused.
    expect(await rememberedRowsOf(user)).toEqual([]);
    // Turned on again, 2FA asks the laptop for a code: nothing survived the removal.
    const enrollment = await startTotpEnrollment(server.services, user.id);
    user.secret = secretFromBase32(enrollment.secretForManualEntry.replace(/ /g, ''));
    server.clock.advance(30_000);
    await turnOnTotp(server.services, user.id, codeFor(user, server.clock.now()), { ip: '127.0.0.1', userAgent: 'test' });
    await expectAskedForCodeAsForgotten(user, laptop.cookies.get('twofold_device')!);
  });

  it('forgets the one device forgotten by hand, and only that one', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const laptop = await signInAndRemember(user);
    const phone = await signInAndRemember(user);
    const [laptopCookie, phoneCookie] = [laptop.cookies.get('twofold_device')!, phone.cookies.get('twofold_device')!];
    const page = await phone.get('/settings/security');
    // The phone forgets itself: the entry tagged "This browser" on its own page.
    const handle = /<li>(?:(?!<\/li>)[\s\S])*This browser(?:(?!<\/li>)[\s\S])*name="device" value="([^"]+)"/.exec(page.body)![1]!;
    expect(await rememberedRowsOf(user)).toContain(handle);
    expect((await phone.post('/settings/devices/forget', { device: handle })).location).toBe('/settings/security?notice=device_forgotten');
    expect(await rememberedRowsOf(user)).toHaveLength(1);
    expect(await rememberedRowsOf(user)).not.toContain(handle);
    expect((await phone.get('/settings/security')).body).not.toContain(handle);
    // The phone's cookie no longer skips the code; the laptop's still does.
    await expectAskedForCodeAsForgotten(user, phoneCookie);
    expect((await browserWithDeviceCookie(user, laptopCookie)).location).toBe('/');
  });

  for (const [what, act] of [
    ['changing the password', async (client: TestClient, user: TestUser) => {
      await client.get('/settings/security');
      const next = 'an entirely fresh passphrase';
      expect((await client.post('/settings/password', { current_password: user.password, new_password: next, confirm_password: next })).status).toBe(303);
      user.password = next;
    }],
    ['forgetting all devices', async (client: TestClient) => {
      await client.get('/settings/security');
      expect((await client.post('/settings/devices/forget-all', {})).location).toBe('/settings/security?notice=devices_forgotten');
    }],
  ] as const) {
    it(`forgets every remembered device on ${what}`, async () => {
      const { server } = ctx;
      const user = await createTestUser(server.services, { withTotp: true });
      const laptop = await signInAndRemember(user);
      const phone = await signInAndRemember(user);
      await act(phone, user);
      expect(await rememberedRowsOf(user)).toEqual([]);
      await expectAskedForCodeAsForgotten(user, laptop.cookies.get('twofold_device')!);
    });
  }

  it('lists remembered devices with browser, address and dates, and never lets one user forget another’s', async () => {
    const { server } = ctx;
    const alice = await createTestUser(server.services, { withTotp: true });
    const mallory = await createTestUser(server.services, { withTotp: true });
    const aliceBrowser = await signInAndRemember(alice);
    const page = await aliceBrowser.get('/settings/security');
    expect(page.body).toContain('Remembered devices');
    expect(page.body).toContain('Chrome on Linux');
    expect(page.body).toContain('This browser');
    expect(page.body).toContain('from 127.0.0.1');
    const handle = /name="device" value="([^"]+)"/.exec(page.body)![1]!;

    const malloryBrowser = await signInAndRemember(mallory);
    await malloryBrowser.get('/settings/security');
    await malloryBrowser.post('/settings/devices/forget', { device: handle });
    expect(await signInAgain(aliceBrowser, alice)).toBe('/');
  });

  it('purges expired devices so the table does not grow without bound', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    await signInAndRemember(user);
    await signInAndRemember(user);
    const count = async () => (await server.services.db.selectFrom('remembered_devices').select('id').where('user_id', '=', user.id).execute()).length;
    expect(await count()).toBe(2);
    server.clock.advance(30 * DAY + 60_000);
    const purged = await purgeExpiredRecords(server.services);
    expect(purged.rememberedDevices).toBeGreaterThanOrEqual(2);
    expect(await count()).toBe(0);
  });
});

/** Signs in from `localAddress` with the box ticked; returns the remember cookie's value. */
async function rememberFrom(server: TestServer, user: TestUser, localAddress: string): Promise<string> {
  const client = new TestClient(server.url, { localAddress });
  await submitPassword(client, user.email, user.password);
  await client.get('/sign-in/code');
  await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()), remember_device: 'yes' });
  return client.cookies.get('twofold_device')!;
}

/** Types the password from `localAddress`, carrying `token` as the remember cookie; returns where it leads. */
async function passwordFrom(server: TestServer, user: TestUser, localAddress: string, token: string | null): Promise<string | null> {
  const client = new TestClient(server.url, { localAddress });
  if (token) client.cookies.set('twofold_device', token);
  return (await submitPassword(client, user.email, user.password)).location;
}

describeEachDatabase('remember this device, bound to the /24', (database) => {
  const ctx = useTestServer(database, { REMEMBER_DEVICE_BINDING: 'subnet' });

  it('trusts the same /24 with REMEMBER_DEVICE_BINDING=subnet', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const token = await rememberFrom(server, user, '127.0.0.1');
    expect(await passwordFrom(server, user, '127.0.0.2', token)).toBe('/');
    expect(await passwordFrom(server, user, '127.0.1.5', token)).toBe('/sign-in/code');
  });
});

describeEachDatabase('remember this device, not bound to a network', (database) => {
  const ctx = useTestServer(database, { REMEMBER_DEVICE_BINDING: 'none' });

  it('trusts any address with REMEMBER_DEVICE_BINDING=none, but still needs the cookie', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const token = await rememberFrom(server, user, '127.0.0.1');
    expect(await passwordFrom(server, user, '127.9.9.9', token)).toBe('/');
    expect(await passwordFrom(server, user, '127.9.9.9', null)).toBe('/sign-in/code');
  });
});

describeEachDatabase('remember this device behind a trusted proxy', (database) => {
  const ctx = useTestServer(database, { TRUST_PROXY: '127.0.0.1' });

  it('binds to the forwarded client address from the trusted proxy only', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const viaProxy = (clientIp: string, localAddress = '127.0.0.1') => new TestClient(server.url, { localAddress, headers: { 'x-forwarded-for': clientIp } });
    const office = viaProxy('203.0.113.10');
    await submitPassword(office, user.email, user.password);
    await office.get('/sign-in/code');
    await office.post('/sign-in/code', { code: codeFor(user, server.clock.now()), remember_device: 'yes' });
    const token = office.cookies.get('twofold_device')!;

    // Same client behind the same proxy: trusted.
    const again = viaProxy('203.0.113.10');
    again.cookies.set('twofold_device', token);
    expect((await submitPassword(again, user.email, user.password)).location).toBe('/');

    // A peer that is not the proxy cannot claim the office address with the header.
    const spoofer = viaProxy('203.0.113.10', '127.0.0.2');
    spoofer.cookies.set('twofold_device', token);
    expect((await submitPassword(spoofer, user.email, user.password)).location).toBe('/sign-in/code');
  });
});
