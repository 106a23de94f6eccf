// Lock-outs that say so: a paused code step says so, and until when, before anything is
// typed; a code typed during the pause is refused unchecked and never recorded as wrong;
// an aggregator admin can Unlock, within the reset's reach, recorded and emailed.
import { beforeAll, expect, it } from 'vitest';
import { TestClient, alertText } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { clientAtCodeStep, codeFor, createSmsUser, createTestUser, signIn } from '../helpers/fixtures.js';
import { type OrgTree, createOrgTree } from '../helpers/org-tree.js';
import { useTestServer } from '../helpers/suite.js';
import { formatSydneyTime } from '../../src/domain/time.js';
import { completeSignInWithCode } from '../../src/services/sign-in/code-step.js';
import { listSecurityEventsForUser } from '../../src/store/security-events.js';
import { findUserById } from '../../src/store/users.js';

const FIFTEEN_MINUTES = 15 * 60_000;
/** "3:42 pm on Tue 4 Nov (Sydney time, AEDT)" */
const PAUSE_END = /\d{1,2}:\d{2} [ap]m on \w{3} \d{1,2} \w{3,9} \(Sydney time, AE[SD]T\)/;

/** The text of the page's status box (the pause shown on arrival), tags removed. */
function statusText(html: string): string | undefined {
  return /role="status" id="code-entry-paused">(.*?)<\/div>/s.exec(html)?.[1]?.replace(/<[^>]+>/g, '');
}

/** The `<input>` tag of the field named `code`. */
const codeInput = (html: string) => /<input[^>]*name="code"[^>]*>/.exec(html)?.[0] ?? '';

describeEachDatabase('lock-outs', (database) => {
  const ctx = useTestServer(database);
  let tree: OrgTree;
  const admins = new Map<string, TestClient>();
  beforeAll(async () => {
    tree = await createOrgTree(ctx.server.services);
  });

  const eventsOf = async (userId: string, type: string) => (await listSecurityEventsForUser(ctx.server.services.db, userId, 500)).filter((e) => e.type === type);
  const emailsTo = async (email: string, kind: string) =>
    ctx.server.services.db.selectFrom('email_queue').select(['subject', 'text_body']).where('to_address', '=', email).where('kind', '=', kind).execute();
  /** Pauses the person's code entry as the 10th wrong code would; returns when it ends. */
  const pauseCodeEntry = async (userId: string): Promise<number> => {
    const until = ctx.server.clock.now() + FIFTEEN_MINUTES;
    await ctx.server.services.db.updateTable('users').set({ code_failures: 10, code_locked_until: until }).where('id', '=', userId).execute();
    return until;
  };
  const adminClient = async (person: keyof OrgTree['people']): Promise<TestClient> => {
    let client = admins.get(person);
    if (!client) {
      ctx.server.clock.advance(30_000); // each sign-in needs a fresh TOTP step
      client = await signIn(ctx.server.url, tree.people[person], ctx.server.clock.now());
      admins.set(person, client);
    }
    return client;
  };

  it('shows the pause and when it ends on the code, recovery-code and lost-device code pages, before anything is typed', async () => {
    const { server } = ctx;
    const user = await createSmsUser(server.services, { totp: true });
    const client = await clientAtCodeStep(server.url, user);
    expect(codeInput(client.lastPage)).toContain('autofocus');
    expect(statusText(client.lastPage)).toBeUndefined();
    // The SMS way back is unlocked before the pause, so its code page can be seen paused too.
    await client.get('/sign-in/lost-device/sms');
    expect((await client.post('/sign-in/lost-device', { last_four: user.mobile.slice(-4) })).location).toBe('/sign-in/lost-device/code');

    const until = await pauseCodeEntry(user.id);
    for (const path of ['/sign-in/code', '/sign-in/recovery-code', '/sign-in/lost-device/code']) {
      const page = await client.get(path);
      expect(page.status, path).toBe(200);
      const status = statusText(page.body);
      expect(status, path).toContain('Code entry is paused.');
      expect(status, path).toContain(`until ${formatSydneyTime(until)}.`);
      expect(status, path).toMatch(PAUSE_END);
      // A field that cannot be used is not focused; the form is still there to use afterwards.
      expect(codeInput(page.body), path).not.toContain('autofocus');
      expect(page.body, path).toContain('name="_csrf"');
    }
  });

  it('refuses a right code during the pause unchecked, records no wrong code, and takes it once the pause has passed', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await clientAtCodeStep(server.url, user);
    const until = await pauseCodeEntry(user.id);

    const right = await client.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
    expect(right.status).toBe(429);
    expect(alertText(right.body)).toBe(`Too many wrong codes for this account. Code entry is paused for 15 minutes, until ${formatSydneyTime(until)}.`);
    const recovery = await client.post('/sign-in/recovery-code', { code: '7K3M-Q9XD-2HPW-4RTV' });
    expect(recovery.status).toBe(429);
    expect(alertText(recovery.body)).toMatch(/^Too many wrong codes for this account\. Code entry is paused for 15 minutes, until /);
    expect(right.headers.get('set-cookie') ?? '').not.toMatch(/session=/);
    expect(await eventsOf(user.id, 'code_failed')).toHaveLength(0);
    const row = (await findUserById(server.services.db, user.id))!;
    expect(row.code_failures).toBe(10);
    expect(row.code_locked_until).toBe(until);

    server.clock.advance(FIFTEEN_MINUTES + 1000);
    const later = await clientAtCodeStep(server.url, user);
    expect(statusText(later.lastPage)).toBeUndefined();
    expect((await later.post('/sign-in/code', { code: codeFor(user, server.clock.now()) })).location).toBe('/');
    expect(await eventsOf(user.id, 'code_failed')).toHaveLength(0);
  });

  it('refuses unrecorded a right code when the pause began after the page read it (the reservation in the transaction)', async () => {
    const { server } = ctx;
    const user = await createTestUser(server.services, { withTotp: true });
    const client = await clientAtCodeStep(server.url, user);
    const attemptToken = [...client.cookies].find(([name]) => name.endsWith('twofold_attempt'))![1];
    const nowMs = server.clock.now();
    const until = nowMs + 60_000;
    await server.services.db.updateTable('users').set({ code_failures: 10, code_locked_until: until }).where('id', '=', user.id).execute();
    // A stale read, made certain: the sign-in is loaded as if the pause had ended, then
    // checked inside it, as when a parallel wrong code starts the pause in between.
    const times = [until + 1];
    const stale = { ...server.services, now: () => times.shift() ?? nowMs };
    const code = codeFor(user, server.clock.now());
    const outcome = await completeSignInWithCode(stale, { attemptToken, code }, { ip: '127.0.0.1', userAgent: 'test' });
    expect(outcome.outcome).toBe('refused');
    expect(outcome.outcome === 'refused' && outcome.error.code).toBe('code_step_locked');
    expect(await eventsOf(user.id, 'code_failed')).toHaveLength(0);
    expect((await findUserById(server.services.db, user.id))!.code_failures).toBe(10);
  });

  it('lets an aggregator admin Unlock: the pause and the count go, it is recorded with who, and the person is emailed', async () => {
    const { server } = ctx;
    const target = tree.people.memberA1;
    const until = await pauseCodeEntry(target.id);
    const admin = await adminClient('aggAdminA');
    const page = await admin.get(`/admin/users/${target.id}`);
    expect(page.body).toContain(`<dt>Locked out</dt><dd>Code entry paused until ${formatSydneyTime(until)}</dd>`);
    expect(page.body).toContain(`action="/admin/users/${target.id}/unlock-code-step"`);

    // Without the page's CSRF token nothing happens.
    expect((await admin.post(`/admin/users/${target.id}/unlock-code-step`, {}, { csrf: false })).status).toBe(403);
    expect((await findUserById(server.services.db, target.id))!.code_locked_until).toBe(until);

    await admin.get(`/admin/users/${target.id}`);
    const done = await admin.post(`/admin/users/${target.id}/unlock-code-step`, {});
    expect(done.location).toBe(`/admin/users/${target.id}?notice=code_step_unlocked`);
    const row = (await findUserById(server.services.db, target.id))!;
    expect(row.code_locked_until).toBeNull();
    expect(row.code_failures).toBe(0);
    const events = await eventsOf(target.id, 'code_step_unlocked');
    expect(events).toHaveLength(1);
    expect(events[0]!.actor_id).toBe(tree.people.aggAdminA.id);
    expect(events[0]!.detail).toBe(`by AggAdminA (${tree.aggregatorA.name})`);
    const emails = await emailsTo(target.email, 'notice:code_step_unlocked');
    expect(emails).toHaveLength(1);
    expect(emails[0]!.subject).toBe('Code entry was unlocked by an administrator');
    expect(emails[0]!.text_body).toContain(`AggAdminA (${tree.aggregatorA.name}) has unlocked it`);
    expect(emails[0]!.text_body).toContain('If you did not ask for this, someone else may know your password');

    const after = await admin.follow(done);
    expect(after.body).toContain('Code entry has been unlocked.');
    expect(after.body).toContain('Code entry unlocked by an administrator');
    expect(after.body).toContain('<dt>Locked out</dt><dd>No</dd>');
    expect(after.body).not.toContain('unlock-code-step');

    // A second Unlock (another admin, a stale page) finds no pause: nothing recorded, no second email.
    const again = await admin.post(`/admin/users/${target.id}/unlock-code-step`, {});
    expect(again.status).toBe(409);
    expect(alertText(again.body)).toBe('Code entry for this person is not paused any more, so there was nothing to unlock.');
    expect(await eventsOf(target.id, 'code_step_unlocked')).toHaveLength(1);
    expect(await emailsTo(target.email, 'notice:code_step_unlocked')).toHaveLength(1);

    server.clock.advance(30_000);
    await signIn(server.url, target, server.clock.now());
  });

  // expected: HTTP status, 303 for an unlock that went through. The same reach as the reset:
  // out of sight is "not found", in sight but not theirs to change is "forbidden".
  const REACH: Array<[actor: keyof OrgTree['people'], target: keyof OrgTree['people'], expected: number]> = [
    ['aggAdminA', 'memberA2', 303],
    ['aggAdminA', 'aggAdminA', 403],
    ['aggAdminA', 'memberB1', 404],
    ['aggAdminB', 'memberA2', 404],
    ['firmAdminA1', 'otherMemberA1', 403],
    ['firmAdminA1', 'memberA2', 404],
    ['memberOfA', 'memberA2', 403],
  ];

  it.each(REACH)('%s unlocking %s answers %i; a refusal is recorded and changes nothing', async (actor, targetKey, expected) => {
    const { server } = ctx;
    const target = tree.people[targetKey];
    const client = await adminClient(actor);
    await client.get('/');
    const until = await pauseCodeEntry(target.id);
    const refusalsBefore = (await eventsOf(tree.people[actor].id, 'admin_access_refused')).length;
    const unlocksBefore = (await eventsOf(target.id, 'code_step_unlocked')).length;

    const reply = await client.post(`/admin/users/${target.id}/unlock-code-step`, {});
    expect(reply.status).toBe(expected);

    const row = (await findUserById(server.services.db, target.id))!;
    if (expected === 303) {
      expect(row.code_locked_until).toBeNull();
      expect(await eventsOf(target.id, 'code_step_unlocked')).toHaveLength(unlocksBefore + 1);
    } else {
      expect(reply.body).not.toContain(target.email);
      expect(row.code_locked_until).toBe(until);
      expect(row.code_failures).toBe(10);
      expect(await eventsOf(target.id, 'code_step_unlocked')).toHaveLength(unlocksBefore);
      expect(await eventsOf(tree.people[actor].id, 'admin_access_refused')).toHaveLength(refusalsBefore + 1);
    }
    await server.services.db.updateTable('users').set({ code_failures: 0, code_locked_until: null }).where('id', '=', target.id).execute();
  });

  it('shows a firm admin the pause, and who can lift it, but no Unlock', async () => {
    const target = tree.people.otherMemberA1;
    const until = await pauseCodeEntry(target.id);
    const firmAdmin = await adminClient('firmAdminA1');
    const page = await firmAdmin.get(`/admin/users/${target.id}`);
    expect(page.body).toContain(`Code entry paused until ${formatSydneyTime(until)}`);
    expect(page.body).toContain('An administrator of your aggregator can unlock code entry for OtherMemberA1.');
    expect(page.body).not.toContain('unlock-code-step');
    await ctx.server.services.db.updateTable('users').set({ code_failures: 0, code_locked_until: null }).where('id', '=', target.id).execute();
  });

  it('limits an admin to 10 unlocks an hour', async () => {
    const { server } = ctx;
    const target = tree.people.memberB1;
    const admin = await adminClient('aggAdminB');
    await admin.get('/');
    for (let i = 0; i < 10; i++) {
      await pauseCodeEntry(target.id);
      expect((await admin.post(`/admin/users/${target.id}/unlock-code-step`, {})).status).toBe(303);
    }
    const until = await pauseCodeEntry(target.id);
    await admin.get(`/admin/users/${target.id}`);
    const eleventh = await admin.post(`/admin/users/${target.id}/unlock-code-step`, {});
    expect(eleventh.status).toBe(429);
    expect(alertText(eleventh.body)).toBe('You have unlocked many accounts in the last hour. Please wait before unlocking another.');
    expect((await findUserById(server.services.db, target.id))!.code_locked_until).toBe(until);
    await server.services.db.updateTable('users').set({ code_failures: 0, code_locked_until: null }).where('id', '=', target.id).execute();
  });
});
