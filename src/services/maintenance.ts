// Housekeeping: what has expired is deleted, so no table grows without bound.
// The security log loses only what is older than ACTIVITY_RETENTION_DAYS.
import { MAX_WINDOW_IN_MS } from '../domain/limits.js';
import { deleteExpiredRememberedDevices } from '../store/remembered-devices.js';
import { deleteSecurityEventsOlderThan } from '../store/security-events.js';
import { deleteExpiredSmsCodes } from '../store/sms-codes.js';
import { deleteSessionsIdleSince } from '../store/sessions.js';
import { deleteExpiredSignInAttempts } from '../store/sign-in-attempts.js';
import type { ServiceContext } from './context.js';

export interface PurgeCounts {
  rememberedDevices: number;
}

export async function purgeExpiredRecords(ctx: ServiceContext, options: { activityRetentionDays?: number } = {}): Promise<PurgeCounts> {
  const nowMs = ctx.now();
  await deleteSessionsIdleSince(ctx.db, nowMs - ctx.sessionLifetime.idleTimeoutInMs, nowMs - ctx.sessionLifetime.absoluteTimeoutInMs);
  await deleteExpiredSignInAttempts(ctx.db, nowMs);
  const rememberedDevices = await deleteExpiredRememberedDevices(ctx.db, nowMs);
  await ctx.db.deleteFrom('totp_enrollments').where('expires_at', '<=', nowMs).execute();
  await ctx.db.deleteFrom('setup_tokens').where('expires_at', '<=', nowMs).execute();
  await ctx.db.deleteFrom('throttles').where('window_started_at', '<=', nowMs - MAX_WINDOW_IN_MS).execute();
  await deleteExpiredSmsCodes(ctx.db, nowMs);
  if (options.activityRetentionDays !== undefined) await deleteSecurityEventsOlderThan(ctx.db, nowMs - options.activityRetentionDays * 86_400_000);
  return { rememberedDevices };
}
