// A person's standing, changed by an aggregator admin or by the operator: deactivated
// (cannot sign in at all) or active again, and their role. Shared by the admin area and
// the CLI so both end the same sign-ins, record the same events and tell the person the
// same way.
import type { Role } from '../domain/accounts.js';
import { TwofoldError } from '../errors.js';
import { voidAccountTokens } from '../store/account-tokens.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { deleteEverySignInOf } from '../store/sessions.js';
import { clearDeactivated, markDeactivated, setRole } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { inTransaction } from './transaction.js';

export interface StandingChange {
  targetUserId: string;
  /** null: the operator, from the CLI */
  actorUserId: string | null;
  /** as the person reads it: "Alex Admin (Harbour Aggregation)" */
  actorName: string;
}

/**
 * Deactivates the person: every way they are or could be signed in ends (sessions with
 * their apps' grants and tokens, half-way sign-ins, remembered devices), and every
 * emailed link (invitation, password reset) stops working; all in one transaction with
 * the event and the email. `already_deactivated` when they were.
 */
export async function deactivateAccount(ctx: ServiceContext, change: StandingChange, meta: RequestMeta): Promise<void> {
  const nowMs = ctx.now();
  const done = await inTransaction(ctx, async (tx) => {
    if (!(await markDeactivated(tx.db, change.targetUserId, nowMs))) return false;
    await deleteEverySignInOf(tx.db, change.targetUserId);
    await voidAccountTokens(tx.db, change.targetUserId, nowMs);
    await appendSecurityEvent(tx.db, { type: 'account_deactivated', userId: change.targetUserId, actorId: change.actorUserId, ip: meta.ip, userAgent: meta.userAgent, detail: `by ${change.actorName}`, atMs: nowMs });
    await notifySecurityChange(tx, change.targetUserId, 'account_deactivated', meta, { actor: change.actorName });
    return true;
  });
  if (!done) throw new TwofoldError('already_deactivated');
}

/**
 * Lets the person sign in again with what they had: nothing else is given back (their
 * sessions, devices and links ended for good). Someone who never chose a password needs
 * a new invitation, which the admin can send. `not_deactivated` when they were not.
 */
export async function reactivateAccount(ctx: ServiceContext, change: StandingChange, meta: RequestMeta): Promise<void> {
  const nowMs = ctx.now();
  const done = await inTransaction(ctx, async (tx) => {
    if (!(await clearDeactivated(tx.db, change.targetUserId))) return false;
    await appendSecurityEvent(tx.db, { type: 'account_reactivated', userId: change.targetUserId, actorId: change.actorUserId, ip: meta.ip, userAgent: meta.userAgent, detail: `by ${change.actorName}`, atMs: nowMs });
    await notifySecurityChange(tx, change.targetUserId, 'account_reactivated', meta, { actor: change.actorName });
    return true;
  });
  if (!done) throw new TwofoldError('not_deactivated');
}

const ROLE_AS_READ: Record<Role, string> = { member: 'a member', admin: 'an administrator' };

/**
 * Member ↔ admin. The session check reads the role on every request, so the change
 * holds at the person's next click on every node; nothing else needs to end.
 */
export async function changeRole(ctx: ServiceContext, change: StandingChange & { role: Role }, meta: RequestMeta): Promise<void> {
  const nowMs = ctx.now();
  const done = await inTransaction(ctx, async (tx) => {
    if (!(await setRole(tx.db, change.targetUserId, change.role))) return false;
    await appendSecurityEvent(tx.db, { type: 'role_changed', userId: change.targetUserId, actorId: change.actorUserId, ip: meta.ip, userAgent: meta.userAgent, detail: `now ${change.role}, by ${change.actorName}`, atMs: nowMs });
    await notifySecurityChange(tx, change.targetUserId, 'role_changed', meta, { actor: change.actorName, role: ROLE_AS_READ[change.role] });
    return true;
  });
  if (!done) throw new TwofoldError('role_unchanged');
}
