// One verifier per second factor. The code step asks the person's factor to check what
// was typed; a new factor (recovery codes, passkeys) is one more verifier here, and the
// code step, its limits and its session do not change.
import { normalizeTypedCode } from '../../domain/codes.js';
import { checkTotpCode } from '../../domain/totp.js';
import type { AuthMethod } from '../../domain/auth-methods.js';
import type { ErrorCode } from '../../errors.js';

export type SecondFactorMethod = Exclude<AuthMethod, 'pwd' | 'mfa'>;
import { type TwoFactorRow, claimTotpStep } from '../../store/two-factor.js';
import type { UserRow } from '../../store/users.js';
import type { ServiceContext } from '../context.js';
import { checkSmsCode } from '../sms-codes.js';
import { openTotpSecret } from '../two-factor.js';
import { spendTypedRecoveryCode } from '../recovery-codes.js';
import type { SecurityEventType } from '../../domain/activity.js';
import { passkeyVerifier } from './passkey-factor.js';

/**
 * `method`: what the factor counts as in `amr`; `replayed`: a valid code used before;
 * `codeDead`: no more tries at this code (the attempt ends).
 */
export type CodeCheck = { valid: true; method: SecondFactorMethod } | { valid: false; error: ErrorCode; replayed: boolean; codeDead: boolean };

export interface CodeVerifier {
  /** how the person signed in, for the security log */
  readonly how: string;
  readonly signedInEvent: SecurityEventType;
  check(ctx: ServiceContext, input: { user: UserRow; twoFactor: TwoFactorRow; attemptId: string; typed: unknown; nowMs: number }): Promise<CodeCheck>;
}

const wrong = (error: ErrorCode): CodeCheck => ({ valid: false, error, replayed: false, codeDead: false });

/** The authenticator app: RFC 6238, each step accepted once (claimTotpStep). */
export const totpVerifier: CodeVerifier = {
  how: 'password and authenticator app',
  signedInEvent: 'signed_in',
  async check(ctx, { user, twoFactor, typed, nowMs }) {
    const code = normalizeTypedCode(typed);
    if (code === null || twoFactor.totp_secret === null) return wrong('wrong_code');
    const check = checkTotpCode({ secret: openTotpSecret(ctx, user.id, twoFactor.totp_secret), code, timeInMs: nowMs, lastUsedStep: twoFactor.last_used_step });
    if (check.valid && (await claimTotpStep(ctx.db, user.id, check.step))) return { valid: true, method: 'otp' };
    // A valid code that lost the race for its step, or one already used, is a replay.
    const replayed = check.valid || check.reason === 'already_used';
    return { valid: false, error: replayed ? 'code_already_used' : 'wrong_code', replayed, codeDead: false };
  },
};

function smsVerifier(purpose: 'sign_in' | 'recovery', how: string, signedInEvent: SecurityEventType): CodeVerifier {
  return {
    how,
    signedInEvent,
    async check(ctx, { user, attemptId, typed }) {
      if (!user.mobile) return wrong('sms_code_expired');
      const check = await checkSmsCode(ctx, { userId: user.id, purpose, attemptId, mobile: user.mobile }, typed);
      if (check.valid) return { valid: true, method: 'sms' };
      if (check.reason === 'sms_code_expired') return wrong('sms_code_expired');
      return { valid: false, error: 'wrong_sms_code', replayed: false, codeDead: check.reason === 'sms_code_tries_exhausted' };
    },
  };
}

/** SMS as the second factor: the code texted after the password. */
export const smsSignInVerifier: CodeVerifier = smsVerifier('sign_in', 'password and SMS code', 'signed_in');
/** "Lost your two-factor device": the code texted after the last 4 digits matched. */
export const lostDeviceVerifier: CodeVerifier = smsVerifier('recovery', 'password and SMS code (lost device)', 'signed_in_lost_device');

/** "Use a recovery code": one of the person's saved codes, spent once (spendTypedRecoveryCode). */
export const recoveryCodeVerifier: CodeVerifier = {
  how: 'password and recovery code',
  signedInEvent: 'recovery_code_used',
  async check(ctx, { user, typed }) {
    const check = await spendTypedRecoveryCode(ctx, user.id, typed);
    // a recovery code is a one-time password in RFC 8176's words
    if (check.spent) return { valid: true, method: 'otp' };
    return { valid: false, error: check.replayed ? 'recovery_code_already_used' : 'wrong_recovery_code', replayed: check.replayed, codeDead: false };
  },
};

/** Which way the code step was asked to check what was typed. */
export type CodeRoute = 'second_factor' | 'recovery_code' | 'lost_device_sms' | 'passkey';

export function verifierFor(twoFactor: TwoFactorRow, via: CodeRoute): CodeVerifier {
  if (via === 'lost_device_sms') return lostDeviceVerifier;
  if (via === 'recovery_code') return recoveryCodeVerifier;
  if (via === 'passkey' || twoFactor.method === 'webauthn') return passkeyVerifier;
  return twoFactor.method === 'sms' ? smsSignInVerifier : totpVerifier;
}
