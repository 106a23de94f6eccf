// What every passkey use case shares: who the relying party is, how a challenge is
// issued and used up, and reading an answer the browser posted.
import { createHash } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON, WebAuthnCredential } from '@simplewebauthn/server';
import { WEBAUTHN_CHALLENGE_LIFETIME_IN_MS, parseStoredTransports } from '../domain/passkeys.js';
import type { PasskeyRow } from '../store/passkeys.js';
import type { WebauthnChallengePurpose } from '../store/schema.js';
import { consumeWebauthnChallenge, insertWebauthnChallenge } from '../store/webauthn-challenges.js';
import type { ServiceContext } from './context.js';

export interface RelyingParty {
  /** the RP id: PUBLIC_URL's hostname (an IP address cannot be one) */
  id: string;
  /** the one origin an answer may come from: PUBLIC_URL's, exactly */
  origin: string;
  name: string;
}

export function relyingPartyOf(ctx: ServiceContext): RelyingParty {
  const url = new URL(ctx.publicUrl);
  return { id: url.hostname, origin: url.origin, name: ctx.issuer };
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Keeps the SHA-256 of a challenge the library generated, bound to what asked for it. */
export async function rememberChallenge(ctx: ServiceContext, challenge: string, binding: { purpose: WebauthnChallengePurpose; boundTo: string; userId: string | null }): Promise<void> {
  const nowMs = ctx.now();
  await insertWebauthnChallenge(ctx.db, {
    id: sha256Hex(challenge),
    purpose: binding.purpose,
    user_id: binding.userId,
    bound_to: binding.boundTo,
    created_at: nowMs,
    expires_at: nowMs + WEBAUTHN_CHALLENGE_LIFETIME_IN_MS,
  });
}

/**
 * Uses up the challenge an answer carries, if it is live and was started by `boundTo`.
 * Returns the challenge (to give the verifier) or null.
 */
export async function takeChallengeOf(
  ctx: ServiceContext,
  response: { response: { clientDataJSON: string } },
  binding: { purpose: WebauthnChallengePurpose; boundTo: string; userId: string | null },
): Promise<string | null> {
  const challenge = challengeInClientData(response.response.clientDataJSON);
  if (challenge === null) return null;
  const taken = await consumeWebauthnChallenge(ctx.db, { id: sha256Hex(challenge), ...binding }, ctx.now());
  return taken ? challenge : null;
}

function challengeInClientData(clientDataJSON: string): string | null {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const challenge = (data as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(challenge) ? challenge : null;
  } catch {
    return null;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The JSON a browser posted (startAuthentication's answer), or null when it is not one. */
function parseCredentialJson(input: unknown): (Record<string, unknown> & { id: string; response: Record<string, unknown> }) | null {
  if (!isString(input) || input.length > 12_000) return null;
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch {
    return null;
  }
  if (!isObject(value) || !isString(value.id) || value.rawId !== value.id || value.type !== 'public-key' || !isObject(value.response)) return null;
  if (!isString(value.response.clientDataJSON)) return null;
  if (!isObject(value.clientExtensionResults)) value.clientExtensionResults = {};
  return value as Record<string, unknown> & { id: string; response: Record<string, unknown> };
}

export function parseRegistrationJson(input: unknown): RegistrationResponseJSON | null {
  const value = parseCredentialJson(input);
  return value && isString(value.response.attestationObject) ? (value as unknown as RegistrationResponseJSON) : null;
}

export function parseAuthenticationJson(input: unknown): AuthenticationResponseJSON | null {
  const value = parseCredentialJson(input);
  return value && isString(value.response.authenticatorData) && isString(value.response.signature) ? (value as unknown as AuthenticationResponseJSON) : null;
}

/**
 * The stored credential as the verifier wants it. The counter given is 0 on purpose:
 * the library would then throw on a counter that went backwards without saying so, and
 * that case must be told apart (refused, and logged as a copied key). Our rule
 * (isSignCountAcceptable) and the conditional UPDATE (recordPasskeyUse) apply it instead.
 */
export function credentialForVerifier(row: PasskeyRow): WebAuthnCredential {
  return { id: row.id, publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64url')), counter: 0, transports: parseStoredTransports(row.transports) };
}
