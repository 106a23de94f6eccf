// Creating organisations and people: used by the CLI and by first-run setup.
import { randomUUID } from 'node:crypto';
import { type Role, normalizeDisplayName, normalizeEmail } from '../domain/accounts.js';
import { requireAustralianMobile } from './mobile-number.js';
import { TwofoldError } from '../errors.js';
import { type OrganizationRow, findOrganizationById, findOrganizationByName, insertOrganization, listOrganizationNames } from '../store/organizations.js';
import { closestName } from '../domain/suggest.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { isUniqueViolation } from '../store/errors.js';
import { findUserByEmail, insertUser } from '../store/users.js';
import type { ServiceContext } from './context.js';
import { assertAcceptableNewPassword, wordsAboutPerson } from './passwords.js';
import { queueInvitation } from './account-links.js';
import { inTransaction } from './transaction.js';

/**
 * The organisation an operator named, or the refusal with the closest name when the typed
 * one is a slip of it. Only the CLI names organisations (the admin area picks them by id
 * within the admin's reach), and the operator may know every name.
 */
export async function organizationNamed(ctx: ServiceContext, name: unknown): Promise<OrganizationRow> {
  const org = typeof name === 'string' ? await findOrganizationByName(ctx.db, name) : undefined;
  if (org) return org;
  const suggestion = typeof name === 'string' ? closestName(name, await listOrganizationNames(ctx.db)) : null;
  throw suggestion === null ? new TwofoldError('organization_unknown') : new TwofoldError('organization_unknown_suggest', { suggestion });
}

export async function createOrganization(ctx: ServiceContext, input: { name: unknown; parentName?: unknown }): Promise<{ id: string; name: string }> {
  const name = normalizeDisplayName(input.name);
  if (name === null) throw new TwofoldError('organization_name_invalid');
  let parentId: string | null = null;
  if (input.parentName !== undefined) {
    const parent = await organizationNamed(ctx, String(input.parentName));
    // The tree is two levels: aggregators, and the firms under them.
    if (parent.parent_id !== null) throw new TwofoldError('parent_must_be_aggregator');
    parentId = parent.id;
  }
  if (await findOrganizationByName(ctx.db, name)) throw new TwofoldError('organization_exists');
  const id = randomUUID();
  try {
    await insertOrganization(ctx.db, { id, name, parent_id: parentId, created_at: ctx.now() });
  } catch (error) {
    if (isUniqueViolation(error)) throw new TwofoldError('organization_exists');
    throw error;
  }
  await appendSecurityEvent(ctx.db, { type: 'organization_created', userId: null, actorId: null, detail: name, atMs: ctx.now() });
  return { id, name };
}

export interface NewUser {
  email: unknown;
  name: unknown;
  orgName: unknown;
  role?: Role;
  mobile?: unknown;
  password?: unknown;
}

export async function createUser(ctx: ServiceContext, input: NewUser, actorId: string | null = null): Promise<{ id: string; email: string }> {
  const email = normalizeEmail(input.email);
  if (email === null) throw new TwofoldError('email_invalid');
  const name = normalizeDisplayName(input.name);
  if (name === null) throw new TwofoldError('name_invalid');
  const org = await organizationNamed(ctx, input.orgName);
  let mobile: string | null = null;
  if (input.mobile !== undefined) {
    mobile = requireAustralianMobile(input.mobile);
  }
  const password = input.password === undefined ? null : assertAcceptableNewPassword(input.password, undefined, await wordsAboutPerson(ctx, { email, name, orgId: org.id }));
  if (await findUserByEmail(ctx.db, email)) throw new TwofoldError('email_taken');
  const id = randomUUID();
  const nowMs = ctx.now();
  const row = {
    id,
    email,
    name,
    org_id: org.id,
    role: input.role ?? 'member',
    password_hash: password === null ? null : await ctx.hasher.hash(password),
    mobile,
    created_at: nowMs,
    password_changed_at: password === null ? null : nowMs,
    last_sign_in_at: null,
    // proved only when a link emailed to it is used
    email_verified_at: null,
  };
  try {
    await insertUser(ctx.db, row);
  } catch (error) {
    // Two creations of one email at once: the unique index decides, not the check above.
    if (isUniqueViolation(error)) throw new TwofoldError('email_taken');
    throw error;
  }
  await appendSecurityEvent(ctx.db, { type: 'account_created', userId: id, actorId, atMs: nowMs });
  return { id, email };
}

/** A person without a password, and their invitation email, in one transaction. */
export async function createUserAndInvite(ctx: ServiceContext, input: Omit<NewUser, 'password'>, actorId: string | null = null): Promise<{ id: string; email: string }> {
  return inTransaction(ctx, async (tx) => {
    const user = await createUser(tx, input, actorId);
    await queueInvitation(tx, user.id);
    return user;
  });
}

/** An organisation's name for a page ('' when it is gone). */
export async function organizationNameOf(ctx: ServiceContext, orgId: string): Promise<string> {
  return (await findOrganizationById(ctx.db, orgId))?.name ?? '';
}
