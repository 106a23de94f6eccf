// The moment Twofold tells an app who signed in: allowed or refused, and recorded.
import { isPlausibleProviderId } from '../../domain/oidc.js';
import { deleteOidcPayload } from '../../store/oidc-payloads.js';
import { appendSecurityEvent } from '../../store/security-events.js';
import { findTwoFactor } from '../../store/two-factor.js';
import type { RequestMeta, ServiceContext } from '../context.js';
import { mayUseClient } from './accounts.js';
import { findClient } from './clients.js';

export type AppSignInCheck = { allowed: true; appName: string } | { allowed: false; appName: string; organizationName: string };

/** Whether this person may sign in to this app; a refusal is recorded in their activity. */
export async function checkAppSignIn(ctx: ServiceContext, userId: string, clientId: string, meta: RequestMeta): Promise<AppSignInCheck> {
  const client = await findClient(ctx, clientId);
  const appName = client?.name ?? 'This app';
  const may = await mayUseClient(ctx, userId, clientId);
  if (may.allowed) return { allowed: true, appName };
  await appendSecurityEvent(ctx.db, { type: 'app_access_refused', userId, ip: meta.ip, userAgent: meta.userAgent, detail: `${appName} (only for ${may.organizationName})`, atMs: ctx.now() });
  return { allowed: false, appName, organizationName: may.organizationName };
}

export async function recordAppSignIn(ctx: ServiceContext, userId: string, appName: string, meta: RequestMeta): Promise<void> {
  await appendSecurityEvent(ctx.db, { type: 'app_signed_in', userId, ip: meta.ip, userAgent: meta.userAgent, detail: appName, atMs: ctx.now() });
}

/** Whether the person has a second factor at all (an app asking for two factors needs one). */
export async function hasSecondFactor(ctx: ServiceContext, userId: string): Promise<boolean> {
  return (await findTwoFactor(ctx.db, userId)) !== undefined;
}

/** Signing out of Twofold in a browser ends the apps' sign-in there too (the provider's session). */
export async function endAppSessionOfBrowser(ctx: ServiceContext, providerSessionId: unknown): Promise<void> {
  if (!isPlausibleProviderId(providerSessionId)) return;
  await deleteOidcPayload(ctx.db, 'Session', providerSessionId);
}
