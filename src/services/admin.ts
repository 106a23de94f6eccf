// The admin area's use cases. Every one starts from the signed-in admin and the
// organisation tree; a refusal reveals nothing and is recorded.
import { checkReenteredPassword } from './password-guesses.js';
import { type Actor, type Target, adminKindOf, adminScopeOf, canInviteInto, canRequireTwoFactor, canResendInvitation, canViewUser, whyAccountChangeIsRefused, whyResetIsRefused, whyUnlockIsRefused } from '../domain/authorization.js';
import { ROLES, type Role } from '../domain/accounts.js';
import { ADMIN_INVITES_PER_HOUR, ADMIN_RESETS_PER_HOUR, ADMIN_UNLOCKS_PER_HOUR } from '../domain/limits.js';
import { requireAustralianMobile } from './mobile-number.js';
import { cleanFreeText } from '../domain/text.js';
import { TwofoldError } from '../errors.js';
import { type ManagedUserRow, type PeopleFilter, findManagedUserRow, listManagedUsers, listOrganizationsInScope } from '../store/admin.js';
import { findOrganizationById, setRequireTwoFactor } from '../store/organizations.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { countInWindow } from '../store/throttles.js';
import { findUserById } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import type { SignedInUser } from './sessions.js';
import { resetTwoFactor } from './two-factor-reset.js';
import { queueInvitation } from './account-links.js';
import { unlockCodeEntry } from './code-unlock.js';
import { changeRole, deactivateAccount, reactivateAccount } from './account-status.js';
import { createUserAndInvite } from './accounts.js';

export async function actorFor(ctx: ServiceContext, user: SignedInUser): Promise<Actor> {
  const org = await findOrganizationById(ctx.db, user.orgId);
  return { userId: user.userId, role: user.role, orgId: user.orgId, parentOrgId: org?.parent_id ?? null };
}

/** Records an admin's refused request and answers with the shared 403 page. */
export async function refuse(ctx: ServiceContext, actor: Actor, what: string, meta: RequestMeta): Promise<never> {
  await appendSecurityEvent(ctx.db, { type: 'admin_access_refused', userId: actor.userId, actorId: actor.userId, ip: meta.ip, userAgent: meta.userAgent, detail: what, atMs: ctx.now() });
  throw new TwofoldError('forbidden');
}

export async function listUsersForAdmin(ctx: ServiceContext, actor: Actor, search: unknown, meta: RequestMeta, filter: { firm?: unknown; twoFactor?: unknown; status?: unknown } = {}): Promise<ManagedUserRow[]> {
  const scope = adminScopeOf(actor);
  if (scope === null) return refuse(ctx, actor, 'admin area', meta);
  return listManagedUsers(ctx.db, scope, cleanFreeText(search, 100), ADMIN_LIST_LIMIT, ctx.now(), peopleFilterOf(filter));
}

/** The People tab shows at most this many; search and filters reach the rest. */
export const ADMIN_LIST_LIMIT = 200;

/** The organisations an admin may filter the list by. */
export async function listAdminFirms(ctx: ServiceContext, actor: Actor) {
  const scope = adminScopeOf(actor);
  return scope === null ? [] : listOrganizationsInScope(ctx.db, scope);
}

const TWO_FACTOR_FILTERS = new Set(['off', 'totp', 'sms', 'webauthn', 'invited']);

/** The list's filters from a URL: anything unknown is no filter (a firm outside the scope matches no one, in SQL). */
export function peopleFilterOf(filter: { firm?: unknown; twoFactor?: unknown; status?: unknown }): PeopleFilter {
  const out: PeopleFilter = {};
  if (filter.status === 'active' || filter.status === 'deactivated') out.status = filter.status;
  if (typeof filter.firm === 'string' && filter.firm !== '' && filter.firm.length <= 64) out.firmId = filter.firm;
  if (typeof filter.twoFactor === 'string' && TWO_FACTOR_FILTERS.has(filter.twoFactor)) out.twoFactor = filter.twoFactor as PeopleFilter['twoFactor'];
  return out;
}

/**
 * The person behind an id from a URL, if this admin may see them. Anyone else (another
 * aggregator's broker, an id that does not exist) is the same "not found": ids are
 * not probed for existence.
 */
export async function findManagedUser(ctx: ServiceContext, actor: Actor, targetUserId: unknown, meta: RequestMeta): Promise<ManagedUserRow> {
  if (adminKindOf(actor) === null) return refuse(ctx, actor, 'admin area', meta);
  const target = typeof targetUserId === 'string' && targetUserId.length <= 64 ? await findManagedUserRow(ctx.db, targetUserId, ctx.now()) : undefined;
  if (!target || !canViewUser(actor, targetOf(target))) {
    await appendSecurityEvent(ctx.db, { type: 'admin_access_refused', userId: actor.userId, actorId: actor.userId, ip: meta.ip, userAgent: meta.userAgent, detail: `view user ${String(targetUserId).slice(0, 64)}`, atMs: ctx.now() });
    throw new TwofoldError('not_found');
  }
  return target;
}

function targetOf(row: { id: string; org_id: string; org_parent_id: string | null }): Target {
  return { userId: row.id, orgId: row.org_id, parentOrgId: row.org_parent_id };
}

export interface AdminResetInput {
  targetUserId: unknown;
  adminPassword: unknown;
  reason: unknown;
  verification: unknown;
  newMobile: unknown;
}

/** Reset, by an aggregator admin, in the order: who → may they → rate → bad input → re-auth → change. */
export async function resetTwoFactorAsAdmin(ctx: ServiceContext, actor: Actor, input: AdminResetInput, meta: RequestMeta): Promise<void> {
  const target = await findManagedUser(ctx, actor, input.targetUserId, meta);
  const refusal = whyResetIsRefused(actor, targetOf(target));
  if (refusal !== null) return refuse(ctx, actor, `reset 2FA of ${target.id}: ${refusal}`, meta);

  const nowMs = ctx.now();
  const window = await countInWindow(ctx.db, ADMIN_RESETS_PER_HOUR, actor.userId, nowMs);
  if (window.count > ADMIN_RESETS_PER_HOUR.max) throw new TwofoldError('admin_rate_limited');

  const reason = cleanFreeText(input.reason, 500);
  const verification = cleanFreeText(input.verification, 500);
  if (reason.length < 3) throw new TwofoldError('reset_reason_required');
  if (verification.length < 3) throw new TwofoldError('reset_verification_required');
  let newMobile: string | null = null;
  if (typeof input.newMobile === 'string' && input.newMobile.trim() !== '') {
    newMobile = requireAustralianMobile(input.newMobile);
  }

  const admin = await findUserById(ctx.db, actor.userId);
  if (!admin) throw new TwofoldError('sign_in_required');
  await checkReenteredPassword(ctx, admin, input.adminPassword, meta, { missing: 'admin_password_wrong', wrong: 'admin_password_wrong' });
  const aggregator = await findOrganizationById(ctx.db, actor.orgId);
  await resetTwoFactor(
    ctx,
    { targetUserId: target.id, actorUserId: actor.userId, actorName: admin.name, organizationName: aggregator?.name ?? 'your aggregator', reason, verification, newMobile },
    meta,
  );
}

/**
 * Unlock, by an aggregator admin, in the reset's order: who → may they → rate → change.
 * No password is asked: nothing is removed, the person still needs their password and
 * their code; the rate limit and the email to the person bound its misuse.
 */
export async function unlockCodeStepAsAdmin(ctx: ServiceContext, actor: Actor, targetUserId: unknown, meta: RequestMeta): Promise<void> {
  const target = await findManagedUser(ctx, actor, targetUserId, meta);
  const refusal = whyUnlockIsRefused(actor, targetOf(target));
  if (refusal !== null) return refuse(ctx, actor, `unlock code entry of ${target.id}: ${refusal}`, meta);

  const window = await countInWindow(ctx.db, ADMIN_UNLOCKS_PER_HOUR, actor.userId, ctx.now());
  if (window.count > ADMIN_UNLOCKS_PER_HOUR.max) throw new TwofoldError('admin_unlocks_rate_limited');

  const admin = await findUserById(ctx.db, actor.userId);
  if (!admin) throw new TwofoldError('sign_in_required');
  const aggregator = await findOrganizationById(ctx.db, actor.orgId);
  await unlockCodeEntry(ctx, { targetUserId: target.id, actorUserId: actor.userId, actorName: `${admin.name} (${aggregator?.name ?? 'your aggregator'})` }, meta);
}

export async function setTwoFactorRequirement(ctx: ServiceContext, actor: Actor, required: boolean, meta: RequestMeta): Promise<void> {
  if (!canRequireTwoFactor(actor, actor.orgId)) return refuse(ctx, actor, 'require two-factor', meta);
  await setRequireTwoFactor(ctx.db, actor.orgId, required);
  await appendSecurityEvent(ctx.db, { type: 'two_factor_requirement_changed', userId: actor.userId, ip: meta.ip, userAgent: meta.userAgent, detail: required ? 'required for everyone' : 'no longer required', atMs: ctx.now() });
}


/** An admin sends a fresh invitation to someone in their reach who has no password yet. */
export async function resendInvitation(ctx: ServiceContext, actor: Actor, targetUserId: unknown, meta: RequestMeta): Promise<void> {
  const target = await findManagedUser(ctx, actor, targetUserId, meta);
  if (!canResendInvitation(actor, targetOf(target))) return refuse(ctx, actor, `resend invitation to ${target.id}: firm admins only read`, meta);
  await queueInvitation(ctx, target.id);
}

/** How the person reads who acted: "Alex Admin (Harbour Aggregation)". */
async function actorNameOf(ctx: ServiceContext, actor: Actor): Promise<string> {
  const admin = await findUserById(ctx.db, actor.userId);
  if (!admin) throw new TwofoldError('sign_in_required');
  const aggregator = await findOrganizationById(ctx.db, actor.orgId);
  return `${admin.name} (${aggregator?.name ?? 'your aggregator'})`;
}

/** Who → may they (the reset's rule) → the change; a refusal is recorded and reveals nothing. */
async function changeStandingAsAdmin(
  ctx: ServiceContext,
  actor: Actor,
  targetUserId: unknown,
  meta: RequestMeta,
  what: string,
  change: (target: ManagedUserRow, actorName: string) => Promise<void>,
): Promise<void> {
  const target = await findManagedUser(ctx, actor, targetUserId, meta);
  const refusal = whyAccountChangeIsRefused(actor, targetOf(target));
  if (refusal !== null) return refuse(ctx, actor, `${what} ${target.id}: ${refusal}`, meta);
  await change(target, await actorNameOf(ctx, actor));
}

/** Deactivate, by an aggregator admin, never on themselves. */
export async function deactivateAsAdmin(ctx: ServiceContext, actor: Actor, targetUserId: unknown, meta: RequestMeta): Promise<void> {
  await changeStandingAsAdmin(ctx, actor, targetUserId, meta, 'deactivate', (target, actorName) => deactivateAccount(ctx, { targetUserId: target.id, actorUserId: actor.userId, actorName }, meta));
}

export async function reactivateAsAdmin(ctx: ServiceContext, actor: Actor, targetUserId: unknown, meta: RequestMeta): Promise<void> {
  await changeStandingAsAdmin(ctx, actor, targetUserId, meta, 'reactivate', (target, actorName) => reactivateAccount(ctx, { targetUserId: target.id, actorUserId: actor.userId, actorName }, meta));
}

const roleOf = (value: unknown): Role | null => (typeof value === 'string' && (ROLES as readonly string[]).includes(value) ? (value as Role) : null);

/** Member ↔ admin, by an aggregator admin, never their own. */
export async function changeRoleAsAdmin(ctx: ServiceContext, actor: Actor, targetUserId: unknown, role: unknown, meta: RequestMeta): Promise<void> {
  await changeStandingAsAdmin(ctx, actor, targetUserId, meta, 'change role of', async (target, actorName) => {
    const newRole = roleOf(role);
    if (newRole === null) throw new TwofoldError('role_invalid');
    await changeRole(ctx, { targetUserId: target.id, actorUserId: actor.userId, actorName, role: newRole }, meta);
  });
}

export interface InviteInput {
  name: unknown;
  email: unknown;
  firmId: unknown;
  role: unknown;
  mobile: unknown;
}

/** Whether this admin may invite people at all (the page and its link are shown only then). */
export const mayInvite = (actor: Actor): boolean => adminKindOf(actor) === 'aggregator_admin';

/**
 * Invite, by an aggregator admin, into their aggregator or one of its firms: who → may
 * they → the firm in reach → the person (the CLI's own checks) and the invitation
 * email, in one transaction. A firm from outside the reach is refused and recorded, never
 * looked up by name elsewhere.
 */
export async function inviteAsAdmin(ctx: ServiceContext, actor: Actor, input: InviteInput, meta: RequestMeta): Promise<{ id: string; email: string }> {
  if (!mayInvite(actor)) return refuse(ctx, actor, 'invite a person: only aggregator admins may', meta);
  if (typeof input.firmId !== 'string' || input.firmId === '') throw new TwofoldError('invite_firm_required');
  const firm = (await listAdminFirms(ctx, actor)).find((org) => org.id === input.firmId);
  if (!firm || !canInviteInto(actor, { orgId: firm.id, parentOrgId: firm.parent_id })) return refuse(ctx, actor, `invite a person into ${String(input.firmId).slice(0, 64)}: outside the aggregator`, meta);
  const role = roleOf(input.role);
  if (role === null) throw new TwofoldError('role_invalid');
  // Counted before the email is looked at: a refused duplicate counts like any other attempt.
  const window = await countInWindow(ctx.db, ADMIN_INVITES_PER_HOUR, actor.userId, ctx.now());
  if (window.count > ADMIN_INVITES_PER_HOUR.max) throw new TwofoldError('admin_invites_rate_limited');
  const mobile = typeof input.mobile === 'string' && input.mobile.trim() !== '' ? input.mobile : undefined;
  return createUserAndInvite(ctx, { email: input.email, name: input.name, orgName: firm.name, role, ...(mobile === undefined ? {} : { mobile }) }, actor.userId);
}

/** The admin's own organisation, as the admin list shows it. */
export async function adminOrganizationOf(ctx: ServiceContext, actor: Actor): Promise<{ name: string; requireTwoFactor: boolean }> {
  const org = await findOrganizationById(ctx.db, actor.orgId);
  return { name: org?.name ?? '', requireTwoFactor: org?.require_two_factor === 1 };
}

export type { ManagedUserRow };
