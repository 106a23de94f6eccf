// Passkeys and security keys on a person's account: adding one (WebAuthn registration),
// listing, renaming and removing them. Adding a key does not turn two-factor
// authentication on: the "Protect my account" step decides that.
// Signing in with one: passkey-sign-in.ts.
import { randomBytes } from 'node:crypto';
import { type PublicKeyCredentialCreationOptionsJSON, generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import {
  DEFAULT_PASSKEY_NAME,
  MAX_PASSKEYS_PER_USER,
  WEBAUTHN_CHALLENGE_LIFETIME_IN_MS,
  WEBAUTHN_USER_HANDLE_SIZE_IN_BYTES,
  cleanPasskeyName,
  cleanTransports,
  parseStoredTransports,
} from '../domain/passkeys.js';
import { TwofoldError } from '../errors.js';
import { countPasskeysOf, deletePasskeyRow, ensureWebauthnUserHandle, insertPasskey, listPasskeysOf, renamePasskeyRow } from '../store/passkeys.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { findUserById } from '../store/users.js';
import { deleteExpiredWebauthnChallenges } from '../store/webauthn-challenges.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { parseRegistrationJson, relyingPartyOf, rememberChallenge, takeChallengeOf } from './passkey-webauthn.js';
import { inTransaction } from './transaction.js';

export interface PasskeySummary {
  /** the credential id (base64url): what Rename and Remove name */
  id: string;
  name: string;
  /** true for a passkey that syncs between devices (a password manager, iCloud Keychain…) */
  synced: boolean;
  transports: string[];
  createdAtMs: number;
  lastUsedAtMs: number | null;
}

/**
 * The WebAuthn user handle: random and stored (webauthn_user_handles), neither the email
 * nor the user id, so an authenticator, or anyone reading it, learns nothing about the
 * account. Stored rather than derived with an HMAC: rotating the server secret must not
 * orphan every passkey, and a stored value can be compared without any key.
 */
async function userHandleOf(ctx: ServiceContext, userId: string): Promise<string> {
  return ensureWebauthnUserHandle(ctx.db, userId, randomBytes(WEBAUTHN_USER_HANDLE_SIZE_IN_BYTES).toString('base64url'));
}

/** Options for the browser's startRegistration, for the signed-in session `sessionId`. */
export async function startPasskeyRegistration(ctx: ServiceContext, userId: string, sessionId: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new TwofoldError('sign_in_required');
  const existing = await listPasskeysOf(ctx.db, userId);
  if (existing.length >= MAX_PASSKEYS_PER_USER) throw new TwofoldError('passkey_limit_reached');
  const rp = relyingPartyOf(ctx);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name,
    userID: new Uint8Array(Buffer.from(await userHandleOf(ctx, userId), 'base64url')),
    timeout: WEBAUTHN_CHALLENGE_LIFETIME_IN_MS,
    attestationType: 'none',
    // The same authenticator twice is refused by the browser itself.
    excludeCredentials: existing.map((row) => ({ id: row.id, transports: parseStoredTransports(row.transports) })),
    // Discoverable: the key itself can say whose it is, for "Sign in with a passkey".
    // Verification is asked for, not required: a security key without a PIN still serves
    // as a second factor (passwordless sign-in then requires it, and refuses such a key).
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  await rememberChallenge(ctx, options.challenge, { purpose: 'register', boundTo: sessionId, userId });
  return options;
}

/**
 * Checks the browser's answer to startPasskeyRegistration and keeps the new credential.
 * `responseJson`: the hidden field the page's script filled in. Returns the credential id.
 */
export async function finishPasskeyRegistration(ctx: ServiceContext, userId: string, sessionId: string, responseJson: unknown, name: unknown, meta: RequestMeta): Promise<string> {
  const response = parseRegistrationJson(responseJson);
  if (!response) throw new TwofoldError('passkey_failed');
  const challenge = await takeChallengeOf(ctx, response, { purpose: 'register', boundTo: sessionId, userId });
  if (challenge === null) throw new TwofoldError('passkey_request_expired');
  const rp = relyingPartyOf(ctx);
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: false });
  } catch {
    // A wrong origin, RP id, challenge or signature: the library says which in its message, which is not for the person.
    throw new TwofoldError('passkey_failed');
  }
  if (!verification.verified) throw new TwofoldError('passkey_failed');
  const info = verification.registrationInfo;
  const nowMs = ctx.now();
  const cleanName = cleanPasskeyName(name) ?? DEFAULT_PASSKEY_NAME;
  // One transaction: the credential and its event, or neither.
  await inTransaction(ctx, async (tx) => {
    if ((await countPasskeysOf(tx.db, userId)) >= MAX_PASSKEYS_PER_USER) throw new TwofoldError('passkey_limit_reached');
    const stored = await insertPasskey(tx.db, {
      id: info.credential.id,
      user_id: userId,
      public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
      sign_count: info.credential.counter,
      transports: JSON.stringify(cleanTransports(response.response.transports ?? info.credential.transports)),
      device_type: info.credentialDeviceType,
      backed_up: info.credentialBackedUp ? 1 : 0,
      aaguid: info.aaguid,
      name: cleanName,
      created_at: nowMs,
      last_used_at: null,
    });
    if (!stored) throw new TwofoldError('passkey_already_added');
    await appendSecurityEvent(tx.db, { type: 'passkey_added', userId, ip: meta.ip, userAgent: meta.userAgent, detail: cleanName, atMs: nowMs });
    await notifySecurityChange(tx, userId, 'passkey_added', meta);
  });
  return info.credential.id;
}

export async function listPasskeys(ctx: ServiceContext, userId: string): Promise<PasskeySummary[]> {
  const rows = await listPasskeysOf(ctx.db, userId);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    synced: row.backed_up === 1,
    transports: parseStoredTransports(row.transports),
    createdAtMs: row.created_at,
    lastUsedAtMs: row.last_used_at,
  }));
}

export function countPasskeys(ctx: ServiceContext, userId: string): Promise<number> {
  return countPasskeysOf(ctx.db, userId);
}

export async function renamePasskey(ctx: ServiceContext, userId: string, credentialId: unknown, name: unknown, meta: RequestMeta): Promise<void> {
  const cleanName = cleanPasskeyName(name);
  if (cleanName === null) throw new TwofoldError('passkey_name_invalid');
  if (typeof credentialId !== 'string') throw new TwofoldError('passkey_not_found');
  await inTransaction(ctx, async (tx) => {
    if (!(await renamePasskeyRow(tx.db, userId, credentialId, cleanName))) throw new TwofoldError('passkey_not_found');
    await appendSecurityEvent(tx.db, { type: 'passkey_renamed', userId, ip: meta.ip, userAgent: meta.userAgent, detail: cleanName, atMs: ctx.now() });
  });
}

/**
 * Removes one of the person's passkeys; returns how many they have left (the caller
 * decides what no passkey left means for a passkey second factor).
 */
export async function deletePasskey(ctx: ServiceContext, userId: string, credentialId: unknown, meta: RequestMeta): Promise<number> {
  if (typeof credentialId !== 'string') throw new TwofoldError('passkey_not_found');
  return inTransaction(ctx, async (tx) => {
    if (!(await deletePasskeyRow(tx.db, userId, credentialId))) throw new TwofoldError('passkey_not_found');
    await appendSecurityEvent(tx.db, { type: 'passkey_removed', userId, ip: meta.ip, userAgent: meta.userAgent, atMs: ctx.now() });
    return countPasskeysOf(tx.db, userId);
  });
}

/** Housekeeping: challenges nobody answered in time. Returns how many went. */
export function purgeExpiredPasskeyChallenges(ctx: ServiceContext): Promise<number> {
  return deleteExpiredWebauthnChallenges(ctx.db, ctx.now());
}
