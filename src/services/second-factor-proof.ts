// A signed-in person proves their second factor again before a change that could become
// a way into the account (adding a mobile number while 2FA is on). Checked as at the code
// step: the same verifiers (an authenticator step is accepted once, a recovery code is
// spent), and counted toward the account's wrong-code lock before the check.
import { codeLockDurationInMs } from '../domain/limits.js';
import { normalizeRecoveryCode } from '../domain/recovery-codes.js';
import { TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import type { TwoFactorRow } from '../store/two-factor.js';
import { type UserRow, clearCodeFailures, findUserById, reserveCodeGuess } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { recoveryCodesLeft } from './recovery-codes.js';
import { recoveryCodeVerifier, totpVerifier } from './sign-in/factors.js';
import { inTransaction } from './transaction.js';

const minutesFrom = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

/**
 * Checks `typed`: a code from the authenticator app (method totp), or an unused recovery
 * code (any method). Throws the table's refusal; a wrong or replayed code is recorded and
 * counted like a wrong code at sign-in. `why` goes in the security log.
 */
export async function proveCurrentSecondFactor(ctx: ServiceContext, user: UserRow, twoFactor: TwoFactorRow, typed: unknown, meta: RequestMeta, why: string): Promise<void> {
  if (typeof typed !== 'string' || typed.trim() === '') throw new TwofoldError('current_factor_code_missing');
  const nowMs = ctx.now();
  // Only the app's codes are 6 digits, only recovery codes are 16 characters: what was typed says which.
  const verifier = twoFactor.method === 'totp' && normalizeRecoveryCode(typed) === null ? totpVerifier : recoveryCodeVerifier;
  // One transaction: the reserved failure, the check and its record commit together.
  // Refusals are returned, not thrown, so the counted failure is committed.
  const refusal = await inTransaction(ctx, async (tx): Promise<TwofoldError | null> => {
    // Counted as wrong (and the account's code step locked at a lock point) before the check.
    const failures = await reserveCodeGuess(tx.db, user.id, nowMs);
    if (failures === null) {
      const lockedUntil = (await findUserById(tx.db, user.id))?.code_locked_until ?? nowMs;
      return new TwofoldError('code_step_locked', { minutes: minutesFrom(lockedUntil - nowMs) });
    }
    const check = await verifier.check(tx, { user, twoFactor, attemptId: '', typed, nowMs });
    const event = { userId: user.id, ip: meta.ip, userAgent: meta.userAgent, atMs: nowMs };
    if (check.valid) {
      await clearCodeFailures(tx.db, user.id);
      if (verifier === recoveryCodeVerifier) {
        const left = await recoveryCodesLeft(tx, user.id);
        await appendSecurityEvent(tx.db, { type: 'recovery_code_used_to_confirm', ...event, detail: why });
        await notifySecurityChange(tx, user.id, 'recovery_code_used', meta, { left });
      }
      return null;
    }
    await appendSecurityEvent(tx.db, { type: check.replayed ? 'code_replayed' : 'code_failed', ...event, detail: why });
    if (codeLockDurationInMs(failures) > 0) {
      await appendSecurityEvent(tx.db, { type: 'code_step_locked', ...event, detail: `${failures} consecutive wrong codes` });
      await notifySecurityChange(tx, user.id, 'code_step_locked', meta);
    }
    return new TwofoldError(check.error);
  });
  if (refusal) throw refusal;
}
