// Recovery codes: made when a second factor is proved (and on "Get new recovery codes"),
// shown to the session that made them until the person says they saved them, spent one
// at a time in place of a second-factor code.
import { randomBytes } from 'node:crypto';
import { hashRecoveryCode, newRecoveryCodeSalt, recoveryCodeMatches } from '../crypto/recovery-codes.js';
import { RECOVERY_CODE_REVEAL_LIFETIME_IN_MS, generateRecoveryCodes, normalizeRecoveryCode, recoveryCodesFile } from '../domain/recovery-codes.js';
import { TwofoldError } from '../errors.js';
import { timeOrderedId } from '../store/ids.js';
import {
  countUnusedRecoveryCodes,
  deleteRecoveryCodeReveal,
  findRecoveryCodeReveal,
  listUnusedRecoveryCodes,
  replaceRecoveryCodes,
  spendRecoveryCode,
  upsertRecoveryCodeReveal,
} from '../store/recovery-codes.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { findTwoFactorActivation } from '../store/two-factor-activations.js';
import { findTwoFactor } from '../store/two-factor.js';
import { findUserById } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { checkReenteredPassword } from './password-guesses.js';
import { inTransaction } from './transaction.js';
import { sealedPurpose } from '../domain/sealed-values.js';
import { requireCurrentMasterSecret } from './master-secret.js';

const revealPurpose = sealedPurpose.recoveryCodeReveal;

/**
 * A new set for the person: the old set stops working, and the plain codes are kept
 * sealed for `sessionId` to be shown until saved. Call inside the transaction of the
 * change it belongs to. Returns the codes (as shown: `XXXX-XXXX-XXXX-XXXX`).
 */
export async function issueRecoveryCodes(ctx: ServiceContext, userId: string, sessionId: string | null): Promise<string[]> {
  const nowMs = ctx.now();
  // Codes hashed with the stored key, their reveal sealed: not by a node whose secret was replaced.
  await requireCurrentMasterSecret(ctx);
  const codes = generateRecoveryCodes((size) => new Uint8Array(randomBytes(size)));
  const rows = codes.map((code) => {
    const salt = newRecoveryCodeSalt();
    return { id: timeOrderedId(nowMs), user_id: userId, salt, code_hash: hashRecoveryCode(ctx.recoveryCodeKey, salt, normalizeRecoveryCode(code)!), created_at: nowMs, used_at: null };
  });
  await replaceRecoveryCodes(ctx.db, userId, rows);
  const sealed = ctx.secretBox.seal(Buffer.from(JSON.stringify(codes), 'utf8'), revealPurpose(userId));
  await upsertRecoveryCodeReveal(ctx.db, { user_id: userId, session_id: sessionId, sealed_codes: sealed, created_at: nowMs, expires_at: nowMs + RECOVERY_CODE_REVEAL_LIFETIME_IN_MS });
  return codes;
}

export interface ShownRecoveryCodes {
  codes: string[];
  createdAtMs: number;
  /** a proved second factor waits for "I have saved my recovery codes" to turn on */
  turnsOnTwoFactor: boolean;
}

/** The codes of a new set, to the session that made it, until saved or 30 minutes pass. */
export async function shownRecoveryCodes(ctx: ServiceContext, userId: string, sessionId: string | null): Promise<ShownRecoveryCodes | null> {
  const nowMs = ctx.now();
  const reveal = await findRecoveryCodeReveal(ctx.db, userId);
  if (!reveal || reveal.expires_at <= nowMs || reveal.session_id !== sessionId) return null;
  const codes = JSON.parse(Buffer.from(ctx.secretBox.open(reveal.sealed_codes, revealPurpose(userId))).toString('utf8')) as string[];
  const activation = await findTwoFactorActivation(ctx.db, userId);
  const turnsOnTwoFactor = activation !== undefined && activation.session_id === sessionId && activation.expires_at > nowMs;
  return { codes, createdAtMs: reveal.created_at, turnsOnTwoFactor };
}

/** The "Download" file, or null when there is nothing to show this session. */
export async function recoveryCodesDownload(ctx: ServiceContext, userId: string, sessionId: string | null): Promise<string | null> {
  const shown = await shownRecoveryCodes(ctx, userId, sessionId);
  const user = await findUserById(ctx.db, userId);
  if (!shown || !user) return null;
  return recoveryCodesFile({ codes: shown.codes, email: user.email, issuer: ctx.issuer, createdAtMs: shown.createdAtMs });
}

/** "I have saved my recovery codes" for a new set of a person whose 2FA is already on. */
export async function forgetShownRecoveryCodes(ctx: ServiceContext, userId: string): Promise<void> {
  await deleteRecoveryCodeReveal(ctx.db, userId);
}

/** "Get new recovery codes": password first; the old set stops working at once. */
export async function regenerateRecoveryCodes(ctx: ServiceContext, userId: string, password: unknown, meta: RequestMeta): Promise<void> {
  const user = await findUserById(ctx.db, userId);
  if (!user?.password_hash) throw new TwofoldError('sign_in_required');
  if (!(await findTwoFactor(ctx.db, userId))) throw new TwofoldError('two_factor_not_on');
  await checkReenteredPassword(ctx, user, password, meta, { missing: 'password_missing', wrong: 'current_password_wrong' });
  await inTransaction(ctx, async (tx) => {
    await issueRecoveryCodes(tx, userId, meta.sessionId ?? null);
    await appendSecurityEvent(tx.db, { type: 'recovery_codes_replaced', userId, ip: meta.ip, userAgent: meta.userAgent, atMs: tx.now() });
    await notifySecurityChange(tx, userId, 'recovery_codes_replaced', meta);
  });
}

export function recoveryCodesLeft(ctx: ServiceContext, userId: string): Promise<number> {
  return countUnusedRecoveryCodes(ctx.db, userId);
}

/** `spent`: this call used the code up; `replayed`: the code was right but another request spent it first. */
export type RecoveryCodeCheck = { spent: true } | { spent: false; replayed: boolean };

/** Checks a typed code against every unused code of the person (each has its own salt) and spends the one it matches. */
export async function spendTypedRecoveryCode(ctx: ServiceContext, userId: string, typed: unknown): Promise<RecoveryCodeCheck> {
  const code = normalizeRecoveryCode(typed);
  if (code === null) return { spent: false, replayed: false };
  // Every row is hashed, match or not: the time taken says nothing about which code matched.
  const rows = await listUnusedRecoveryCodes(ctx.db, userId);
  const match = rows.filter((row) => recoveryCodeMatches(ctx.recoveryCodeKey, row, code))[0];
  if (!match) return { spent: false, replayed: false };
  if (await spendRecoveryCode(ctx.db, match.id, ctx.now())) return { spent: true };
  return { spent: false, replayed: true };
}
