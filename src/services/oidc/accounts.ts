// Who signed in, as an app learns it: the claims, and whether the app may have them.
import type { Role } from '../../domain/accounts.js';
import { findOidcClient } from '../../store/oidc-clients.js';
import { findOrganizationById } from '../../store/organizations.js';
import { findUserById } from '../../store/users.js';
import type { ServiceContext } from '../context.js';

export interface AccountClaims {
  /** the user id: stable for life, never the email (which can change) */
  sub: string;
  email: string;
  /** proved by a link emailed to it (an invitation or a password reset); not by an operator typing it */
  email_verified: boolean;
  name: string;
  role: Role;
  organization: { id: string; name: string };
  /** the aggregator the firm is under; null for people of an aggregator itself */
  aggregator: { id: string; name: string } | null;
}

export async function accountClaimsOf(ctx: ServiceContext, userId: string): Promise<AccountClaims | null> {
  const user = await findUserById(ctx.db, userId);
  // A deactivated person is no one an app may be told about, whatever token it holds.
  if (!user || user.deactivated_at !== null) return null;
  const org = await findOrganizationById(ctx.db, user.org_id);
  if (!org) return null;
  const parent = org.parent_id ? await findOrganizationById(ctx.db, org.parent_id) : undefined;
  return {
    sub: user.id,
    email: user.email,
    email_verified: user.email_verified_at !== null,
    name: user.name,
    role: user.role,
    organization: { id: org.id, name: org.name },
    aggregator: parent ? { id: parent.id, name: parent.name } : null,
  };
}

/**
 * An app registered with `--org` is only for people under that organisation: its own
 * people, and for an aggregator the people of its firms too. Checked at sign-in and
 * again whenever the app uses a token (a person moved out loses it).
 */
export async function claimsForClient(
  ctx: ServiceContext,
  userId: string,
  clientId: string,
): Promise<{ allowed: true; appName: string; claims: AccountClaims } | { allowed: false; appName: string; organizationName: string }> {
  const client = await findOidcClient(ctx.db, clientId);
  const claims = await accountClaimsOf(ctx, userId);
  const appName = client?.name ?? 'This app';
  if (!client || !claims) return { allowed: false, appName, organizationName: 'another organisation' };
  if (client.org_id === null || claims.organization.id === client.org_id || claims.aggregator?.id === client.org_id) return { allowed: true, appName, claims };
  const org = await findOrganizationById(ctx.db, client.org_id);
  return { allowed: false, appName, organizationName: org?.name ?? 'another organisation' };
}
