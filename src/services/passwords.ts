// Changing one's password in My password and security.
import { judgeNewPassword } from '../domain/passwords.js';
import { TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { deleteUserSignInAttempts } from '../store/sign-in-attempts.js';
import { findOrganizationById } from '../store/organizations.js';
import { findUserById, updatePasswordHash } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { forgetAllRememberedDevices } from './remembered-devices.js';
import { notifySecurityChange } from './notifications.js';
import { checkReenteredPassword } from './password-guesses.js';
import { inTransaction } from './transaction.js';
import { replaceAllUserSessions } from './sessions.js';

/** Throws the table's error for a password we would not accept. */
/**
 * What a password must not be made of: the person's email and name, and the names of
 * their firm and its aggregator ("samleeharbour" for Sam Lee of Harbour is a guess away).
 */
export async function wordsAboutPerson(ctx: ServiceContext, person: { email: string; name: string; orgId: string }): Promise<string[]> {
  const org = await findOrganizationById(ctx.db, person.orgId);
  const parent = org?.parent_id ? await findOrganizationById(ctx.db, org.parent_id) : undefined;
  return [person.email, person.name, org?.name ?? '', parent?.name ?? '', 'twofold'];
}

export function assertAcceptableNewPassword(password: unknown, confirmation: unknown, relatedWords: string[]): string {
  if (typeof password !== 'string' || password.length === 0) throw new TwofoldError('password_missing');
  if (confirmation !== undefined && confirmation !== password) throw new TwofoldError('passwords_do_not_match');
  const verdict = judgeNewPassword(password, relatedWords);
  if (!verdict.acceptable) throw new TwofoldError(verdict.problem);
  return password;
}

/** Returns the new session token for this browser; every other session has ended. */
export async function changePassword(
  ctx: ServiceContext,
  userId: string,
  input: { currentPassword: unknown; newPassword: unknown; confirmation: unknown },
  meta: RequestMeta,
): Promise<string> {
  const user = await findUserById(ctx.db, userId);
  if (!user?.password_hash) throw new TwofoldError('sign_in_required');
  await checkReenteredPassword(ctx, user, input.currentPassword, meta, { missing: 'password_missing', wrong: 'current_password_wrong' });
  const newPassword = assertAcceptableNewPassword(input.newPassword, input.confirmation, await wordsAboutPerson(ctx, { email: user.email, name: user.name, orgId: user.org_id }));
  const newHash = await ctx.hasher.hash(newPassword);
  const nowMs = ctx.now();
  // All of it or none: a new password with the old sessions still alive (a crash half-way)
  // would leave a thief signed in after the owner changed it.
  return inTransaction(ctx, async (tx) => {
    await updatePasswordHash(tx.db, userId, newHash, nowMs);
    await deleteUserSignInAttempts(tx.db, userId);
    await forgetAllRememberedDevices(tx, userId, meta, 'password changed');
    await appendSecurityEvent(tx.db, { type: 'password_changed', userId, ip: meta.ip, userAgent: meta.userAgent, atMs: nowMs });
    await notifySecurityChange(tx, userId, 'password_changed', meta);
    return replaceAllUserSessions(tx, userId, meta, ['pwd']);
  });
}
