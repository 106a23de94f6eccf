// "Forgot your password?" and invitations: single-use links by email. Only the
// token's hash is stored; links are built from PUBLIC_URL; setting a password this
// way never signs anyone in past their second factor.
import { findTwoFactor } from '../store/two-factor.js';
import { generateToken, hashToken, isWellFormedToken } from '../crypto/tokens.js';
import { normalizeEmail } from '../domain/accounts.js';
import { INVITATION_LIFETIME_IN_MS, PASSWORD_RESET_EMAIL_INTERVAL_IN_MS, PASSWORD_RESET_LIFETIME_IN_MS, invitationEmail, passwordResetEmail } from '../domain/emails.js';
import { FORGOT_PASSWORD_PER_IP } from '../domain/limits.js';
import { TwofoldError } from '../errors.js';
import { enqueueEmail } from '../store/email-queue.js';
import { findOrganizationById } from '../store/organizations.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { countInWindow } from '../store/throttles.js';
import { deleteEverySignInOf } from '../store/sessions.js';
import { findAccountToken, hasAccountTokenSince, insertAccountToken, useAccountToken, voidAccountTokens } from '../store/account-tokens.js';
import { findUserByEmail, findUserById, lockUserRow, markEmailVerified, updatePasswordHash } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { assertAcceptableNewPassword, wordsAboutPerson } from './passwords.js';
import type { AccountTokenPurpose } from '../store/schema.js';
import { type TransactionContext, inTransaction } from './transaction.js';

function linkFor(ctx: ServiceContext, path: string, token: string): string {
  return new URL(`${path}?token=${token}`, ctx.publicUrl).toString();
}

/**
 * Always answers the same way, whether or not the email has an account: the caller
 * shows one sentence for both. At most one email per account every 5 minutes.
 */
export async function requestPasswordReset(ctx: ServiceContext, typedEmail: unknown, meta: RequestMeta): Promise<void> {
  const email = normalizeEmail(typedEmail);
  if (email === null) throw new TwofoldError('email_invalid');
  const nowMs = ctx.now();
  const window = await countInWindow(ctx.db, FORGOT_PASSWORD_PER_IP, meta.ip, nowMs);
  if (window.count > FORGOT_PASSWORD_PER_IP.max) return;
  const user = await findUserByEmail(ctx.db, email);
  // A deactivated person gets no link (it would not work): the same answer as for no account.
  if (!user || user.deactivated_at !== null) return;
  // Race prevented: two requests at once must not both pass the 5-minute rule; the
  // check and the new token are one transaction, and SQLite/PostgreSQL serialise the
  // conflicting writes on the user's row (lockUserRow).
  await inTransaction(ctx, async (tx) => {
    const trx = tx.db;
    await lockUserRow(trx, user.id);
    if (await hasAccountTokenSince(trx, user.id, 'password_reset', nowMs - PASSWORD_RESET_EMAIL_INTERVAL_IN_MS)) return;
    const token = generateToken();
    await insertAccountToken(trx, { id: hashToken(token), user_id: user.id, purpose: 'password_reset', created_at: nowMs, expires_at: nowMs + PASSWORD_RESET_LIFETIME_IN_MS, used_at: null });
    await enqueueEmail(trx, { to: user.email, content: passwordResetEmail({ name: user.name, url: linkFor(ctx, '/reset-password', token), twoFactorOn: (await findTwoFactor(trx, user.id)) !== undefined }), kind: 'password_reset', nowMs });
    tx.afterCommit(() => ctx.onEmailQueued?.());
  });
}

/** Queues an invitation, in the transaction that created the person or in one of its own. Earlier invitations stop working. */
export async function queueInvitation(ctx: ServiceContext, userId: string): Promise<void> {
  return inTransaction(ctx, (tx) => queueInvitationIn(tx, userId));
}

async function queueInvitationIn(ctx: TransactionContext, userId: string): Promise<void> {
  const { db } = ctx;
  const user = await findUserById(db, userId);
  if (!user) throw new TwofoldError('not_found');
  if (user.password_hash !== null) throw new TwofoldError('already_has_password');
  if (user.deactivated_at !== null) throw new TwofoldError('target_deactivated');
  const nowMs = ctx.now();
  await voidAccountTokens(db, userId, nowMs, 'invitation');
  const token = generateToken();
  await insertAccountToken(db, { id: hashToken(token), user_id: userId, purpose: 'invitation', created_at: nowMs, expires_at: nowMs + INVITATION_LIFETIME_IN_MS, used_at: null });
  const org = await findOrganizationById(db, user.org_id);
  await enqueueEmail(db, { to: user.email, content: invitationEmail({ name: user.name, organization: org?.name ?? 'Your organisation', url: linkFor(ctx, '/invitation', token) }), kind: 'invitation', nowMs });
  await appendSecurityEvent(db, { type: 'invitation_sent', userId, actorId: null, atMs: nowMs });
  ctx.afterCommit(() => ctx.onEmailQueued?.());
}

export type LinkState = { valid: true; userId: string; email: string; name: string } | { valid: false; reason: 'expired_or_used' };

export async function checkAccountLink(ctx: ServiceContext, token: unknown, purpose: AccountTokenPurpose): Promise<LinkState> {
  if (!isWellFormedToken(token)) return { valid: false, reason: 'expired_or_used' };
  const row = await findAccountToken(ctx.db, hashToken(token), purpose);
  if (!row || row.used_at !== null || row.expires_at <= ctx.now()) return { valid: false, reason: 'expired_or_used' };
  const user = await findUserById(ctx.db, row.user_id);
  // Deactivation voids every link; one made since (none should be) still may not set a password.
  return user && user.deactivated_at === null ? { valid: true, userId: user.id, email: user.email, name: user.name } : { valid: false, reason: 'expired_or_used' };
}

/**
 * Sets the password from a link. Every session ends and every remembered device is
 * forgotten; nobody is signed in: they sign in with the new password and then their
 * second factor, as always.
 */
export async function setPasswordFromLink(
  ctx: ServiceContext,
  input: { token: unknown; password: unknown; confirmation: unknown; purpose: AccountTokenPurpose },
  meta: RequestMeta,
): Promise<{ twoFactorOn: boolean }> {
  const link = await checkAccountLink(ctx, input.token, input.purpose);
  if (!link.valid) throw new TwofoldError(input.purpose === 'invitation' ? 'invitation_link_invalid' : 'reset_link_invalid');
  const person = await findUserById(ctx.db, link.userId);
  const password = assertAcceptableNewPassword(input.password, input.confirmation, await wordsAboutPerson(ctx, { email: link.email, name: link.name, orgId: person?.org_id ?? '' }));
  const hash = await ctx.hasher.hash(password);
  const nowMs = ctx.now();
  await inTransaction(ctx, async (tx) => {
    const trx = tx.db;
    if (!(await useAccountToken(trx, hashToken(input.token as string), nowMs))) throw new TwofoldError(input.purpose === 'invitation' ? 'invitation_link_invalid' : 'reset_link_invalid');
    // The wrong-code count stays: whoever holds the mailbox must not restart the doubling lock.
    await updatePasswordHash(trx, link.userId, hash, nowMs);
    tx.crashPoint?.('password-reset'); // TEST ONLY: a no-op unless TWOFOLD_TEST_CRASH_AT names it
    await markEmailVerified(trx, link.userId, nowMs);
    // Any other link still out there dies with this one.
    await voidAccountTokens(trx, link.userId, nowMs);
    await deleteEverySignInOf(trx, link.userId);
    await appendSecurityEvent(trx, { type: input.purpose === 'invitation' ? 'password_changed' : 'password_reset', userId: link.userId, ip: meta.ip, userAgent: meta.userAgent, atMs: nowMs });
    if (input.purpose === 'password_reset') await notifySecurityChange(tx, link.userId, 'password_reset', meta);
  });
  // What the sign-in page says next: a second factor is asked only of those who have one.
  return { twoFactorOn: (await findTwoFactor(ctx.db, link.userId)) !== undefined };
}
