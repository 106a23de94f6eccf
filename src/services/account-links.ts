// "Forgot your password?" and invitations: single-use links by email. Only the
// token's hash is stored; links are built from PUBLIC_URL; setting a password this
// way never signs anyone in past their second factor.
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
import { findUserByEmail, findUserById } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { assertAcceptableNewPassword } from './passwords.js';
import { runInTransaction } from '../store/transactions.js';

type Purpose = 'password_reset' | 'invitation';

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
  if (!user) return;
  // Race prevented: two requests at once must not both pass the 5-minute rule; the
  // check and the new token are one transaction, and SQLite/PostgreSQL serialise the
  // conflicting writes on the user's row (the touch below).
  await runInTransaction(ctx.db, async (trx) => {
    await trx.updateTable('users').set({ email: user.email }).where('id', '=', user.id).execute();
    const recent = await trx
      .selectFrom('account_tokens')
      .select('id')
      .where('user_id', '=', user.id)
      .where('purpose', '=', 'password_reset')
      .where('created_at', '>', nowMs - PASSWORD_RESET_EMAIL_INTERVAL_IN_MS)
      .executeTakeFirst();
    if (recent) return;
    const token = generateToken();
    await trx.insertInto('account_tokens').values({ id: hashToken(token), user_id: user.id, purpose: 'password_reset', created_at: nowMs, expires_at: nowMs + PASSWORD_RESET_LIFETIME_IN_MS, used_at: null }).execute();
    await enqueueEmail(trx, { to: user.email, content: passwordResetEmail({ name: user.name, url: linkFor(ctx, '/reset-password', token) }), kind: 'password_reset', nowMs });
  });
  ctx.onEmailQueued?.();
}

/** Queues an invitation (in `db`, the transaction that created the person). Earlier invitations stop working. */
export async function queueInvitation(ctx: ServiceContext, db: ServiceContext['db'], userId: string): Promise<void> {
  const user = await db.selectFrom('users').select(['id', 'email', 'name', 'org_id', 'password_hash']).where('id', '=', userId).executeTakeFirst();
  if (!user) throw new TwofoldError('not_found');
  if (user.password_hash !== null) throw new TwofoldError('already_has_password');
  const nowMs = ctx.now();
  await db.updateTable('account_tokens').set({ used_at: nowMs }).where('user_id', '=', userId).where('purpose', '=', 'invitation').where('used_at', 'is', null).execute();
  const token = generateToken();
  await db.insertInto('account_tokens').values({ id: hashToken(token), user_id: userId, purpose: 'invitation', created_at: nowMs, expires_at: nowMs + INVITATION_LIFETIME_IN_MS, used_at: null }).execute();
  const org = await findOrganizationById(db, user.org_id);
  await enqueueEmail(db, { to: user.email, content: invitationEmail({ name: user.name, organization: org?.name ?? 'Your organisation', url: linkFor(ctx, '/invitation', token) }), kind: 'invitation', nowMs });
  await appendSecurityEvent(db, { type: 'invitation_sent', userId, actorId: null, atMs: nowMs });
}

export type LinkState = { valid: true; userId: string; email: string; name: string } | { valid: false; reason: 'expired_or_used' };

export async function checkAccountLink(ctx: ServiceContext, token: unknown, purpose: Purpose): Promise<LinkState> {
  if (!isWellFormedToken(token)) return { valid: false, reason: 'expired_or_used' };
  const row = await ctx.db.selectFrom('account_tokens').selectAll().where('id', '=', hashToken(token)).where('purpose', '=', purpose).executeTakeFirst();
  if (!row || row.used_at !== null || row.expires_at <= ctx.now()) return { valid: false, reason: 'expired_or_used' };
  const user = await findUserById(ctx.db, row.user_id);
  return user ? { valid: true, userId: user.id, email: user.email, name: user.name } : { valid: false, reason: 'expired_or_used' };
}

/**
 * Sets the password from a link. Every session ends and every remembered device is
 * forgotten; nobody is signed in: they sign in with the new password and then their
 * second factor, as always.
 */
export async function setPasswordFromLink(
  ctx: ServiceContext,
  input: { token: unknown; password: unknown; confirmation: unknown; purpose: Purpose },
  meta: RequestMeta,
): Promise<void> {
  const link = await checkAccountLink(ctx, input.token, input.purpose);
  if (!link.valid) throw new TwofoldError(input.purpose === 'invitation' ? 'invitation_link_invalid' : 'reset_link_invalid');
  const password = assertAcceptableNewPassword(input.password, input.confirmation, [link.email, link.name]);
  const hash = await ctx.hasher.hash(password);
  const nowMs = ctx.now();
  await runInTransaction(ctx.db, async (trx) => {
    // Race prevented: the same link opened in two tabs sets a password once; using the
    // token is a conditional UPDATE, and the loser's transaction changes nothing.
    const used = await trx
      .updateTable('account_tokens')
      .set({ used_at: nowMs })
      .where('id', '=', hashToken(input.token as string))
      .where('used_at', 'is', null)
      .where('expires_at', '>', nowMs)
      .executeTakeFirst();
    if (used.numUpdatedRows !== 1n) throw new TwofoldError(input.purpose === 'invitation' ? 'invitation_link_invalid' : 'reset_link_invalid');
    // The wrong-code count stays: whoever holds the mailbox must not restart the doubling lock.
    await trx.updateTable('users').set({ password_hash: hash, password_changed_at: nowMs }).where('id', '=', link.userId).execute();
    // Any other reset link still out there dies with this one.
    await trx.updateTable('account_tokens').set({ used_at: nowMs }).where('user_id', '=', link.userId).where('used_at', 'is', null).execute();
    await deleteEverySignInOf(trx, link.userId);
    await appendSecurityEvent(trx, { type: input.purpose === 'invitation' ? 'password_changed' : 'password_reset', userId: link.userId, ip: meta.ip, userAgent: meta.userAgent, atMs: nowMs });
    if (input.purpose === 'password_reset') await notifySecurityChange(ctx, trx, link.userId, 'password_reset', meta);
  });
}
