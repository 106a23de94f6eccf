// "Where you're signed in": a person sees every live session and ends the others; a
// session is ended only by its own person, and only the others from this list.
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { createTestUser, signIn } from '../helpers/fixtures.js';
import { useTestServer } from '../helpers/suite.js';
import { TestClient } from '../helpers/client.js';
import { listSecurityEventsForUser } from '../../src/store/security-events.js';

describeEachDatabase("where you're signed in", (database) => {
  const ctx = useTestServer(database);
  const handlesOn = (html: string) => [...html.matchAll(/name="session" value="([^"]+)"/g)].map((m) => m[1]!);

  it('lists every live session with this one marked, and signs one other out at once', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const laptop = await signIn(server.url, user, server.clock.now());
    const phone = new TestClient(server.url, { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1' });
    await phone.get('/sign-in');
    await phone.post('/sign-in', { email: user.email, password: user.password });
    const page = await laptop.get('/settings/security');
    expect(page.body).toContain("Where you're signed in");
    expect(page.body).toContain('This browser');
    expect(page.body).toContain('Safari on iOS');
    const [phoneHandle] = handlesOn(page.body);
    expect(handlesOn(page.body)).toHaveLength(1);
    expect((await laptop.post('/settings/sessions/end', { session: phoneHandle! })).location).toBe('/settings/security?notice=browser_signed_out#sessions');
    expect((await phone.get('/api/session')).status).toBe(401);
    expect((await laptop.get('/api/session')).status).toBe(200);
    expect((await listSecurityEventsForUser(server.services.db, user.id, 5)).map((e) => e.type)).toContain('session_ended');
  });

  it("another person's session cannot be ended with its handle, nor this browser's own from the list", async () => {
    const { server } = ctx;
    const owner = await createTestUser(server.services);
    const attacker = await createTestUser(server.services);
    const ownerLaptop = await signIn(server.url, owner, server.clock.now());
    const ownerPhone = await signIn(server.url, owner, server.clock.now());
    const ownerPhoneHandle = handlesOn((await ownerLaptop.get('/settings/security')).body)[0]!;
    const thief = await signIn(server.url, attacker, server.clock.now());
    await thief.get('/settings/security');
    expect((await thief.post('/settings/sessions/end', { session: ownerPhoneHandle })).location).toBe('/settings/security#sessions');
    expect((await ownerPhone.get('/api/session')).status).toBe(200);
    // The laptop's own handle, seen from the phone, posted by the laptop: refused, still signed in.
    const laptopHandle = handlesOn((await ownerPhone.get('/settings/security')).body)[0]!;
    expect((await ownerLaptop.post('/settings/sessions/end', { session: laptopHandle })).location).toBe('/settings/security#sessions');
    expect((await ownerLaptop.get('/api/session')).status).toBe(200);
    for (const bad of ['', 'x'.repeat(500), 'a\u0001b']) expect((await ownerLaptop.post('/settings/sessions/end', { session: bad })).status).toBeLessThan(500);
  });

  it('Sign out everywhere else ends every other session and keeps this one', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services);
    const here = await signIn(server.url, user, server.clock.now());
    const others = [await signIn(server.url, user, server.clock.now()), await signIn(server.url, user, server.clock.now())];
    await here.get('/settings/security');
    expect((await here.post('/settings/sessions/end-others', {})).location).toBe('/settings/security?notice=other_sessions_ended#sessions');
    for (const other of others) expect((await other.get('/api/session')).status).toBe(401);
    expect((await here.get('/api/session')).status).toBe(200);
    expect(handlesOn((await here.get('/settings/security')).body)).toHaveLength(0);
  });
});
