// "A sign-in from a new browser": emailed once per new browser and address, never for the
// first sign-in ever, a browser update, or a remembered device. Once per database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { type TestUser, codeFor, createTestUser, submitPassword } from '../helpers/fixtures.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36';
const CHROME_UPDATED = CHROME.replace('Chrome/156.0', 'Chrome/157.0');
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

describeEachDatabase('new-browser sign-in email', (database) => {
  let server: TestServer;
  let destroy: () => Promise<void>;

  beforeAll(async () => {
    const created = await database.create();
    destroy = created.destroy;
    server = await startTestServer(created.store, { REMEMBER_DEVICE_BINDING: 'subnet' });
  });
  afterAll(async () => {
    await server.close();
    await destroy();
  });

  const notices = async (user: TestUser) =>
    server.services.db.selectFrom('email_queue').select(['text_body']).where('to_address', '=', user.email).where('kind', '=', 'notice:signed_in_from_new_browser').execute();

  const signInAs = async (user: TestUser, userAgent: string, localAddress = '127.0.0.1', options: { remember?: boolean } = {}) => {
    const client = new TestClient(server.url, { userAgent, localAddress });
    const reply = await submitPassword(client, user.email, user.password);
    if (reply.location === '/sign-in/code') {
      server.clock.advance(30_000);
      await client.get('/sign-in/code');
      const done = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()), ...(options.remember ? { remember_device: 'yes' } : {}) });
      expect(done.location).toBe('/');
    } else expect(reply.location).toBe('/');
    return client;
  };

  it('says nothing of the first sign-in ever, nor of the same browser again or after an update', async () => {
    const user = await createTestUser(server.services);
    await signInAs(user, CHROME);
    await signInAs(user, CHROME);
    await signInAs(user, CHROME_UPDATED);
    expect(await notices(user)).toHaveLength(0);
  });

  it('emails once for a new address and once for a new kind of browser, with the way to the sessions list', async () => {
    const user = await createTestUser(server.services);
    await signInAs(user, CHROME);
    await signInAs(user, CHROME, '127.0.0.2');
    await signInAs(user, CHROME, '127.0.0.2');
    expect(await notices(user)).toHaveLength(1);
    await signInAs(user, FIREFOX);
    const sent = await notices(user);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.text_body).toContain('from a browser and address it has not been used from before');
    expect(sent[0]!.text_body).toContain(`${server.services.publicUrl}/settings/security#sessions`);
    expect(sent[1]!.text_body).toContain('Browser: Firefox on Linux');
  });

  it('says nothing when a remembered device signs in from its network', async () => {
    const user = await createTestUser(server.services, { withTotp: true });
    const first = await signInAs(user, CHROME, '127.0.0.1', { remember: true });
    // The same browser, its remembered-device cookie, a new address on the same network.
    const again = new TestClient(server.url, { userAgent: CHROME, localAddress: '127.0.0.3' });
    again.cookies = new Map([...first.cookies].filter(([name]) => name.includes('device')));
    expect((await submitPassword(again, user.email, user.password)).location).toBe('/');
    expect(await notices(user)).toHaveLength(0);
  });

  it('sends one email when two sign-ins from one new browser race (double submit)', async () => {
    const user = await createTestUser(server.services);
    await signInAs(user, CHROME);
    const clients = [0, 1, 2, 3].map(() => new TestClient(server.url, { userAgent: FIREFOX }));
    for (const client of clients) await client.get('/sign-in');
    const replies = await Promise.all(clients.map((client) => client.post('/sign-in', { email: user.email, password: user.password })));
    expect(replies.every((reply) => reply.location === '/')).toBe(true);
    expect(await notices(user)).toHaveLength(1);
  });
});
