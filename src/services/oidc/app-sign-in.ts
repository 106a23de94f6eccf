// The moment Twofold tells an app who signed in: allowed or refused, and recorded.
import { isPlausibleProviderId } from '../../domain/oidc.js';
import { isSessionExpired, shouldTouchSession } from '../../domain/sessions.js';
import { deleteOidcPayloadsOfGrant, findOidcPayloadCreatedAt } from '../../store/oidc-payloads.js';
import { findLinkedSession, linkProviderSession } from '../../store/oidc-session-links.js';
import { touchSession } from '../../store/sessions.js';
import { appendSecurityEvent } from '../../store/security-events.js';
import type { RequestMeta, ServiceContext } from '../context.js';
import { claimsForClient } from './accounts.js';

export type AppSignInCheck = { allowed: true; appName: string } | { allowed: false; appName: string; organizationName: string };

/** Whether this person may sign in to this app; a refusal is recorded in their activity. */
export async function checkAppSignIn(ctx: ServiceContext, userId: string, clientId: string, meta: RequestMeta): Promise<AppSignInCheck> {
  const may = await claimsForClient(ctx, userId, clientId);
  if (may.allowed) return { allowed: true, appName: may.appName };
  await appendSecurityEvent(ctx.db, { type: 'app_access_refused', userId, ip: meta.ip, userAgent: meta.userAgent, detail: `${may.appName} (only for ${may.organizationName})`, atMs: ctx.now() });
  return { allowed: false, appName: may.appName, organizationName: may.organizationName };
}

export async function recordAppSignIn(ctx: ServiceContext, userId: string, appName: string, meta: RequestMeta): Promise<void> {
  await appendSecurityEvent(ctx.db, { type: 'app_signed_in', userId, ip: meta.ip, userAgent: meta.userAgent, detail: appName, atMs: ctx.now() });
}

/** Records which Twofold session an app's sign-in (the provider's session) rests on. */
export async function bindAppSession(ctx: ServiceContext, providerSessionUid: string, sessionId: string): Promise<void> {
  if (!isPlausibleProviderId(providerSessionUid)) return;
  await linkProviderSession(ctx.db, providerSessionUid, sessionId);
}

/**
 * Whether a grant (what an app holds for a person) was made for the sign-in of
 * `signedInAtMs` or later. One made before it belongs to a sign-in that has ended; see
 * isAppSessionLive. Both times are Twofold's clock.
 */
export async function isGrantOfSignIn(ctx: ServiceContext, grantId: unknown, signedInAtMs: number): Promise<boolean> {
  if (!isPlausibleProviderId(grantId)) return false;
  const createdAtMs = await findOidcPayloadCreatedAt(ctx.db, 'Grant', grantId);
  return createdAtMs !== undefined && createdAtMs >= signedInAtMs;
}

/** An app's grant from an ended sign-in, with every code and token under it. */
export async function revokeGrant(ctx: ServiceContext, grantId: string): Promise<void> {
  if (isPlausibleProviderId(grantId)) await deleteOidcPayloadsOfGrant(ctx.db, grantId);
}

/**
 * Whether the Twofold session an app's token came from is still live: a token lives no
 * longer than the sign-in it came from, however that sign-in ended (signed out here or
 * from another browser, idle, too old, a password change). An app using its tokens
 * counts as the person being active, as a page of Twofold's would.
 */
export async function isAppSessionLive(ctx: ServiceContext, token: { sessionUid?: unknown; grantId?: unknown }, userId: string): Promise<boolean> {
  if (!isPlausibleProviderId(token.sessionUid)) return false;
  const linked = await findLinkedSession(ctx.db, token.sessionUid);
  if (!linked || linked.user_id !== userId) return false;
  // The link follows the browser's latest sign-in. A token under a grant made before that
  // sign-in belongs to one that has ended: it must not come back to life (with its old acr
  // and amr) because the same person signed in again in that browser.
  if (!(await isGrantOfSignIn(ctx, token.grantId, linked.created_at))) return false;
  const nowMs = ctx.now();
  const times = { createdAtMs: linked.created_at, lastSeenAtMs: linked.last_seen_at };
  if (isSessionExpired(times, nowMs, ctx.sessionLifetime)) return false;
  if (shouldTouchSession(times, nowMs)) await touchSession(ctx.db, linked.session_id, nowMs);
  return true;
}
