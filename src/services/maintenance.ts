// Housekeeping: what has expired is deleted, so no table grows without bound; ended days
// are counted for the admin Overview.
// The security log loses only what is older than ACTIVITY_RETENTION_DAYS.
import { MAX_WINDOW_IN_MS } from '../domain/limits.js';
import { deleteExpiredRememberedDevices } from '../store/remembered-devices.js';
import { deleteSecurityEventsOlderThan } from '../store/security-events.js';
import { deleteExpiredSmsCodes } from '../store/sms-codes.js';
import { deleteSessionsIdleSince } from '../store/sessions.js';
import { deleteExpiredSetupTokens } from '../store/setup-tokens.js';
import { deleteExpiredSignInAttempts } from '../store/sign-in-attempts.js';
import { deleteWindowsStartedBefore } from '../store/throttles.js';
import { deleteExpiredTotpEnrollments } from '../store/two-factor.js';
import { deleteExpiredTwoFactorActivations } from '../store/two-factor-activations.js';
import { deleteExpiredRecoveryCodeReveals } from '../store/recovery-codes.js';
import { deleteExpiredWebauthnChallenges } from '../store/webauthn-challenges.js';
import { deleteExpiredOidcPayloads } from '../store/oidc-payloads.js';
import { deleteKnownBrowsersNotSeenSince } from '../store/known-browsers.js';

const KNOWN_BROWSER_FORGOTTEN_AFTER_IN_MS = 400 * 86_400_000;
import { deleteSigningKeysRetiredBefore } from '../store/oidc-signing-keys.js';
import { RETIRED_KEY_PUBLISHED_FOR_IN_MS } from '../domain/oidc.js';
import type { ServiceContext } from './context.js';
import { deleteOldDayCounts, keepFinalDayCounts } from './overview.js';

export interface PurgeCounts {
  rememberedDevices: number;
}

export async function purgeExpiredRecords(ctx: ServiceContext, options: { activityRetentionDays?: number } = {}): Promise<PurgeCounts> {
  const nowMs = ctx.now();
  await deleteSessionsIdleSince(ctx.db, nowMs - ctx.sessionLifetime.idleTimeoutInMs, nowMs - ctx.sessionLifetime.absoluteTimeoutInMs);
  await deleteExpiredSignInAttempts(ctx.db, nowMs);
  const rememberedDevices = await deleteExpiredRememberedDevices(ctx.db, nowMs);
  await deleteExpiredTotpEnrollments(ctx.db, nowMs);
  await deleteExpiredTwoFactorActivations(ctx.db, nowMs);
  await deleteExpiredRecoveryCodeReveals(ctx.db, nowMs);
  await deleteExpiredWebauthnChallenges(ctx.db, nowMs);
  await deleteExpiredSetupTokens(ctx.db, nowMs);
  await deleteWindowsStartedBefore(ctx.db, nowMs - MAX_WINDOW_IN_MS);
  await deleteExpiredSmsCodes(ctx.db, nowMs);
  // The OpenID Provider's codes, tokens, sessions and interactions past their lifetime,
  // and signing keys retired long enough that nothing they signed is still valid.
  await deleteExpiredOidcPayloads(ctx.db, nowMs);
  // A browser unseen for over a year is new again (its next sign-in is emailed).
  await deleteKnownBrowsersNotSeenSince(ctx.db, nowMs - KNOWN_BROWSER_FORGOTTEN_AFTER_IN_MS);
  await deleteSigningKeysRetiredBefore(ctx.db, nowMs - RETIRED_KEY_PUBLISHED_FOR_IN_MS);
  if (options.activityRetentionDays !== undefined) await deleteSecurityEventsOlderThan(ctx.db, nowMs - options.activityRetentionDays * 86_400_000);
  // Not a purge, but the same rhythm: days that have ended are counted for the admin
  // Overview here, so its page rarely has to.
  await keepFinalDayCounts(ctx, nowMs);
  await deleteOldDayCounts(ctx, nowMs);
  return { rememberedDevices };
}
