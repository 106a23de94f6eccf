// Who may see and reset whom, as a table of (actor, target, action, expected), over
// real HTTP on each database. Tampered ids, other aggregators, firm admins and
// self-resets are all refused without data, recorded, and change nothing.
import { beforeAll, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { signIn } from '../helpers/fixtures.js';
import { type OrgTree, createOrgTree } from '../helpers/org-tree.js';
import { useTestServer } from '../helpers/suite.js';
import { findTwoFactor } from '../../src/store/two-factor.js';
import { listSecurityEventsForUser } from '../../src/store/security-events.js';

type Person = keyof OrgTree['people'];
type Action = 'list' | 'overview' | 'remind' | 'view' | 'csv' | 'reset';

// expected: HTTP status. 303 for a reset that went through.
const TABLE: Array<[actor: Person, target: Person | 'no-such-id', action: Action, expected: number]> = [
  ['aggAdminA', 'memberA1', 'view', 200],
  ['aggAdminA', 'memberA2', 'view', 200],
  ['aggAdminA', 'memberOfA', 'view', 200],
  ['aggAdminA', 'memberB1', 'view', 404],
  ['aggAdminA', 'firmAdminB1', 'view', 404],
  ['aggAdminA', 'no-such-id', 'view', 404],
  ['aggAdminA', 'memberA1', 'csv', 200],
  ['aggAdminA', 'memberB1', 'csv', 404],
  ['aggAdminA', 'memberB1', 'reset', 404],
  ['aggAdminA', 'aggAdminA', 'reset', 403],
  ['aggAdminA', 'memberA2', 'reset', 303],
  ['firmAdminA1', 'memberA1', 'view', 200],
  ['firmAdminA1', 'memberA2', 'view', 404],
  ['firmAdminA1', 'memberB1', 'view', 404],
  ['firmAdminA1', 'otherMemberA1', 'reset', 403],
  ['firmAdminA1', 'firmAdminA1', 'reset', 403],
  ['memberA1', 'otherMemberA1', 'view', 403],
  ['memberA1', 'otherMemberA1', 'reset', 403],
  ['memberA1', 'otherMemberA1', 'list', 403],
  ['memberA1', 'otherMemberA1', 'overview', 403],
  ['memberA1', 'otherMemberA1', 'remind', 403],
  ['firmAdminA1', 'memberA1', 'remind', 403],
  ['firmAdminA1', 'memberA1', 'overview', 200],
  ['memberA1', 'otherMemberA1', 'csv', 403],
  ['aggAdminB', 'memberA1', 'view', 404],
  ['aggAdminB', 'memberA1', 'csv', 404],
  ['aggAdminB', 'memberA1', 'reset', 404],
  ['aggAdminB', 'memberB1', 'view', 200],
  ['firmAdminB1', 'memberA1', 'reset', 404],
];

describeEachDatabase('admin authorization', (database) => {
  const ctx = useTestServer(database);
  let tree: OrgTree;
  const clients = new Map<Person, TestClient>();

  beforeAll(async () => {
    tree = await createOrgTree(ctx.server.services);
  });

  async function clientFor(person: Person): Promise<TestClient> {
    let client = clients.get(person);
    if (!client) {
      ctx.server.clock.advance(30_000); // each sign-in needs a fresh TOTP step
      client = await signIn(ctx.server.url, tree.people[person], ctx.server.clock.now());
      clients.set(person, client);
    }
    return client;
  }

  it.each(TABLE)('%s → %s: %s answers %i', async (actor, targetKey, action, expected) => {
    const { server } = ctx;
    const client = await clientFor(actor);
    const targetId = targetKey === 'no-such-id' ? '00000000-0000-4000-8000-000000000000' : tree.people[targetKey].id;
    const refusalsBefore = (await listSecurityEventsForUser(server.services.db, tree.people[actor].id, 500)).filter((e) => e.type === 'admin_access_refused').length;

    let reply;
    if (action === 'list') reply = await client.get('/admin/people');
    else if (action === 'overview') reply = await client.get('/admin');
    else if (action === 'remind') {
      await client.get('/');
      reply = await client.post('/admin/remind-two-factor', {});
    }
    else if (action === 'view') reply = await client.get(`/admin/users/${targetId}`);
    else if (action === 'csv') reply = await client.get(`/admin/users/${targetId}/activity.csv`);
    else {
      await client.get('/');
      reply = await client.post(`/admin/users/${targetId}/reset-two-factor`, {
        admin_password: tree.people[actor].password,
        reason: 'Lost phone and number',
        verification: 'Called back on the office number on file',
      });
    }
    expect(reply.status).toBe(expected);

    if (expected >= 400) {
      // Nothing about the target leaks, and the refusal is on the actor's record.
      if (targetKey !== 'no-such-id') expect(reply.body).not.toContain(tree.people[targetKey].email);
      const refusalsAfter = (await listSecurityEventsForUser(server.services.db, tree.people[actor].id, 500)).filter((e) => e.type === 'admin_access_refused').length;
      expect(refusalsAfter).toBe(refusalsBefore + 1);
    }
    if (action === 'reset' && targetKey !== 'no-such-id') {
      const factor = await findTwoFactor(server.services.db, tree.people[targetKey].id);
      if (expected === 303) expect(factor).toBeUndefined();
      else expect(factor).toBeDefined();
    }
  });

  it('lists only the people under the admin’s own aggregator or firm, and searches them', async () => {
    const aggAdmin = await clientFor('aggAdminA');
    const list = await aggAdmin.get('/admin/people');
    for (const p of ['memberA1', 'memberA2', 'memberOfA', 'firmAdminA1'] as const) expect(list.body).toContain(tree.people[p].email);
    for (const p of ['memberB1', 'aggAdminB', 'firmAdminB1'] as const) expect(list.body).not.toContain(tree.people[p].email);
    const search = await aggAdmin.get('/admin/people?q=membera2');
    expect(search.body).toContain(tree.people.memberA2.email);
    expect(search.body).not.toContain(tree.people.memberA1.email);
    const wildcard = await aggAdmin.get('/admin/people?q=%25');
    expect(wildcard.body).toContain('No one matches.');

    const firmAdmin = await clientFor('firmAdminA1');
    const firmList = await firmAdmin.get('/admin/people');
    expect(firmList.body).toContain(tree.people.memberA1.email);
    expect(firmList.body).not.toContain(tree.people.memberA2.email);
    expect((await firmAdmin.get('/admin')).body).not.toContain('Require two-factor authentication for everyone');
  });
});
