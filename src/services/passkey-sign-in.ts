// Signing in with a passkey or security key: as the second factor after the password
// (the sign-in attempt's challenge, only the person's own keys), or alone ("Sign in with
// a passkey": a discoverable credential, user verification required).
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { generateAuthenticationOptions, verifyAuthenticationResponse } from '@simplewebauthn/server';
import { generateToken, hashToken, isWellFormedToken } from '../crypto/tokens.js';
import { windowRetryAfterInMs } from '../domain/limits.js';
import { PASSKEY_SIGN_INS_PER_IP, WEBAUTHN_CHALLENGE_LIFETIME_IN_MS, isSignCountAcceptable, parseStoredTransports } from '../domain/passkeys.js';
import { authMethodsOf, passkeyMethodOf } from '../domain/auth-methods.js';
import type { ErrorCode } from '../errors.js';
import { TwofoldError } from '../errors.js';
import { type PasskeyRow, findPasskey, findWebauthnUserHandle, listPasskeysOf, recordPasskeyUse } from '../store/passkeys.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { findUserById } from '../store/users.js';
import { countInWindow } from '../store/throttles.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { createSession } from './sessions.js';
import { noticeSignInFromNewBrowser } from './known-browsers.js';
import { inTransaction } from './transaction.js';
import { credentialForVerifier, parseAuthenticationJson, relyingPartyOf, rememberChallenge, takeChallengeOf } from './passkey-webauthn.js';

/** `method`: what the key counts as in `amr` (a synced passkey or a device-bound key). */
export type PasskeyCheck = { valid: true; credentialId: string; method: 'hwk' | 'swk' } | { valid: false; error: ErrorCode };

const refused = (error: ErrorCode): { valid: false; error: ErrorCode } => ({ valid: false, error });

/** Options for startAuthentication at the code step: only this person's keys are offered. */
export async function startPasskeySecondFactor(ctx: ServiceContext, attemptId: string, userId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const rows = await listPasskeysOf(ctx.db, userId);
  const rp = relyingPartyOf(ctx);
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: rows.map((row) => ({ id: row.id, transports: parseStoredTransports(row.transports) })),
    // The password was the first factor: a touch of the key is the second.
    userVerification: 'discouraged',
    timeout: WEBAUTHN_CHALLENGE_LIFETIME_IN_MS,
  });
  await rememberChallenge(ctx, options.challenge, { purpose: 'second_factor', boundTo: attemptId, userId });
  return options;
}

/**
 * The second-factor check: the answer must use up this attempt's challenge, come from one
 * of this person's own keys, verify for our origin, and move the key's counter forward.
 * Use inside the code step's transaction.
 */
export async function checkPasskeyAssertion(ctx: ServiceContext, input: { userId: string; attemptId: string; responseJson: unknown; nowMs: number; meta?: RequestMeta }): Promise<PasskeyCheck> {
  const response = parseAuthenticationJson(input.responseJson);
  if (!response) return refused('passkey_failed');
  const challenge = await takeChallengeOf(ctx, response, { purpose: 'second_factor', boundTo: input.attemptId, userId: input.userId });
  if (challenge === null) return refused('passkey_request_expired');
  const row = await findPasskey(ctx.db, response.id);
  // Another person's key, even a valid one, proves nothing about this person.
  if (!row || row.user_id !== input.userId) return refused('passkey_failed');
  return verifyAndRecordUse(ctx, row, response, challenge, { requireUserVerification: false, nowMs: input.nowMs, meta: input.meta });
}

/**
 * "Sign in with a passkey": options for startAuthentication (no credentials listed: the
 * authenticator offers its discoverable ones), and a token for this browser (a cookie)
 * without which the answer is refused. Only the token's SHA-256 is stored.
 */
export async function startPasskeySignIn(ctx: ServiceContext, meta: RequestMeta): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; browserToken: string }> {
  const window = await countInWindow(ctx.db, PASSKEY_SIGN_INS_PER_IP, meta.ip, ctx.now());
  if (window.count > PASSKEY_SIGN_INS_PER_IP.max) {
    throw new TwofoldError('passkey_sign_ins_rate_limited', { minutes: Math.max(1, Math.ceil(windowRetryAfterInMs(window, ctx.now(), PASSKEY_SIGN_INS_PER_IP) / 60_000)) });
  }
  const rp = relyingPartyOf(ctx);
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', timeout: WEBAUTHN_CHALLENGE_LIFETIME_IN_MS });
  const browserToken = generateToken();
  await rememberChallenge(ctx, options.challenge, { purpose: 'sign_in', boundTo: hashToken(browserToken), userId: null });
  return { options, browserToken };
}

/**
 * Checks the answer to startPasskeySignIn. Returns the user id it proves (the caller
 * creates the session and logs the sign-in), or throws the table's error.
 */
export async function finishPasskeySignIn(ctx: ServiceContext, browserToken: unknown, responseJson: unknown, meta: RequestMeta): Promise<{ userId: string; credentialId: string }> {
  const check = await provePasskeySignIn(ctx, browserToken, responseJson, meta);
  if (!check.valid) throw new TwofoldError(check.error);
  return { userId: check.userId, credentialId: check.credentialId };
}

/**
 * "Sign in with a passkey" to the end: the check, the session and the log entry in one
 * transaction. Returns the new session token. The refusal is thrown after the commit, so
 * a used-up challenge and a copied key's log entry stay recorded.
 */
export async function completePasskeySignIn(ctx: ServiceContext, browserToken: unknown, responseJson: unknown, meta: RequestMeta): Promise<{ userId: string; sessionToken: string }> {
  const outcome = await inTransaction(ctx, async (tx): Promise<{ refused: ErrorCode } | { userId: string; sessionToken: string }> => {
    const check = await provePasskeySignIn(tx, browserToken, responseJson, meta);
    if (!check.valid) return { refused: check.error };
    // user verification is required for this way in: the key alone counts as two factors
    const sessionToken = await createSession(tx, check.userId, meta, authMethodsOf([check.method], { userVerified: true }));
    await appendSecurityEvent(tx.db, { type: 'signed_in', userId: check.userId, ip: meta.ip, userAgent: meta.userAgent, detail: 'passkey', atMs: ctx.now() });
    await noticeSignInFromNewBrowser(tx, check.userId, meta);
    return { userId: check.userId, sessionToken };
  });
  if ('refused' in outcome) throw new TwofoldError(outcome.refused);
  return outcome;
}

async function provePasskeySignIn(ctx: ServiceContext, browserToken: unknown, responseJson: unknown, meta: RequestMeta): Promise<{ valid: true; userId: string; credentialId: string; method: 'hwk' | 'swk' } | { valid: false; error: ErrorCode }> {
  if (!isWellFormedToken(browserToken)) return refused('passkey_request_expired');
  const response = parseAuthenticationJson(responseJson);
  if (!response) return refused('passkey_failed');
  const challenge = await takeChallengeOf(ctx, response, { purpose: 'sign_in', boundTo: hashToken(browserToken), userId: null });
  if (challenge === null) return refused('passkey_request_expired');
  const row = await findPasskey(ctx.db, response.id);
  if (!row) return refused('passkey_failed');
  // A discoverable credential names its person: that must be the person the key is stored for.
  const handle = await findWebauthnUserHandle(ctx.db, row.user_id);
  if (handle === undefined || response.response.userHandle !== handle) {
    await appendSecurityEvent(ctx.db, { type: 'passkey_failed', userId: row.user_id, ip: meta.ip, userAgent: meta.userAgent, detail: 'user handle did not match', atMs: ctx.now() });
    return refused('passkey_failed');
  }
  const check = await verifyAndRecordUse(ctx, row, response, challenge, { requireUserVerification: true, nowMs: ctx.now(), meta });
  if (!check.valid) return check;
  // Said only once the key proved who this is, as the password step says it after the right password.
  if ((await findUserById(ctx.db, row.user_id))?.deactivated_at != null) {
    await appendSecurityEvent(ctx.db, { type: 'sign_in_refused_deactivated', userId: row.user_id, ip: meta.ip, userAgent: meta.userAgent, detail: 'passkey', atMs: ctx.now() });
    return refused('account_deactivated');
  }
  return { valid: true, userId: row.user_id, credentialId: row.id, method: check.method };
}

async function verifyAndRecordUse(
  ctx: ServiceContext,
  row: PasskeyRow,
  response: AuthenticationResponseJSON,
  challenge: string,
  options: { requireUserVerification: boolean; nowMs: number; meta: RequestMeta | undefined },
): Promise<PasskeyCheck> {
  const rp = relyingPartyOf(ctx);
  const event = (type: 'passkey_failed' | 'passkey_clone_suspected', detail: string) =>
    appendSecurityEvent(ctx.db, { type, userId: row.user_id, ip: options.meta?.ip ?? null, userAgent: options.meta?.userAgent ?? null, detail, atMs: options.nowMs });
  let newCounter: number;
  try {
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: credentialForVerifier(row),
      requireUserVerification: options.requireUserVerification,
    });
    if (!verification.verified) throw new Error('not verified');
    newCounter = verification.authenticationInfo.newCounter;
  } catch {
    // A wrong origin or RP id, a bad signature, or no user verification where it is required.
    await event('passkey_failed', row.name);
    return refused('passkey_failed');
  }
  // The counter rule, then the same rule again in the UPDATE for answers racing this one.
  if (!isSignCountAcceptable(row.sign_count, newCounter) || !(await recordPasskeyUse(ctx.db, row.id, row.user_id, newCounter, options.nowMs))) {
    await event('passkey_clone_suspected', `${row.name}: use count ${newCounter}, expected more than ${row.sign_count}`);
    return refused('passkey_clone_suspected');
  }
  return { valid: true, credentialId: row.id, method: passkeyMethodOf(row.device_type) };
}
