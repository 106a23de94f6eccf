// Who may act on whom, against the organisation tree. Aggregators are the roots;
// firms hang under one aggregator; people belong to one of either. Pure: the caller
// loads both organisations and asks.
import type { Role } from './accounts.js';

export interface OrgPlace {
  orgId: string;
  /** the aggregator above a firm; null when the org is itself an aggregator */
  parentOrgId: string | null;
}

export interface Actor extends OrgPlace {
  userId: string;
  role: Role;
}

export interface Target extends OrgPlace {
  userId: string;
}

export type AdminKind = 'aggregator_admin' | 'firm_admin' | null;

export function adminKindOf(actor: Actor): AdminKind {
  if (actor.role !== 'admin') return null;
  return actor.parentOrgId === null ? 'aggregator_admin' : 'firm_admin';
}

/** The aggregator a person ultimately belongs to. */
export function aggregatorOf(place: OrgPlace): string {
  return place.parentOrgId ?? place.orgId;
}

/** Aggregator admins see everyone under their aggregator; firm admins see their own firm. */
export function canViewUser(actor: Actor, target: Target): boolean {
  const kind = adminKindOf(actor);
  if (kind === 'aggregator_admin') return aggregatorOf(target) === actor.orgId;
  if (kind === 'firm_admin') return target.orgId === actor.orgId;
  return false;
}

export type ResetRefusal = 'not_an_admin' | 'not_aggregator_admin' | 'outside_aggregator' | 'own_account';

/**
 * Resetting someone's 2FA is how accounts get taken over by social engineering,
 * so only an aggregator admin may, only within their aggregator, never on themselves.
 */
export function whyResetIsRefused(actor: Actor, target: Target): ResetRefusal | null {
  const kind = adminKindOf(actor);
  if (kind === null) return 'not_an_admin';
  if (kind !== 'aggregator_admin') return 'not_aggregator_admin';
  if (aggregatorOf(target) !== actor.orgId) return 'outside_aggregator';
  if (target.userId === actor.userId) return 'own_account';
  return null;
}

/**
 * Unlocking code entry gives whoever is guessing codes a fresh run of tries, and a
 * person locked out by someone else's guesses is reached the same way as for a reset:
 * so the same rule, word for word (aggregator admin, own aggregator, not themselves).
 */
export function whyUnlockIsRefused(actor: Actor, target: Target): ResetRefusal | null {
  return whyResetIsRefused(actor, target);
}

/**
 * Resending an invitation mails a link that sets the person's password: it is an action
 * on their account, and firm admins only read. So only an aggregator admin may, within
 * their aggregator.
 */
export function canResendInvitation(actor: Actor, target: Target): boolean {
  return adminKindOf(actor) === 'aggregator_admin' && aggregatorOf(target) === actor.orgId;
}

/**
 * Changing a person's standing (their role; whether they may sign in at all) decides who
 * can act in Twofold and who is shut out: the reset's rule, word for word (aggregator
 * admin, own aggregator, never themselves: an admin cannot lock themselves out or raise
 * or lower their own role). Firm admins only read.
 */
export function whyAccountChangeIsRefused(actor: Actor, target: Target): ResetRefusal | null {
  return whyResetIsRefused(actor, target);
}

/** Inviting a person makes an account in an organisation: an aggregator admin, into their aggregator or one of its firms. */
export function canInviteInto(actor: Actor, org: OrgPlace): boolean {
  return adminKindOf(actor) === 'aggregator_admin' && aggregatorOf(org) === actor.orgId;
}

/** Only an aggregator admin may require 2FA, and only for their own aggregator. */
export function canRequireTwoFactor(actor: Actor, aggregatorId: string): boolean {
  return adminKindOf(actor) === 'aggregator_admin' && actor.orgId === aggregatorId;
}

/** Reminding people to turn on 2FA emails them in the aggregator's name: its admins only (firm admins read). */
export function canRemindAboutTwoFactor(actor: Actor): boolean {
  return adminKindOf(actor) === 'aggregator_admin';
}

/** Whose people an admin oversees: an aggregator admin its whole tree, a firm admin the firm. */
export function adminScopeOf(actor: Actor): { aggregatorId: string } | { firmId: string } | null {
  const kind = adminKindOf(actor);
  if (kind === 'aggregator_admin') return { aggregatorId: actor.orgId };
  if (kind === 'firm_admin') return { firmId: actor.orgId };
  return null;
}
