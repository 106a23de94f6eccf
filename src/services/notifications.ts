// "An email for every security change": the person is told what happened, when,
// from where, and what to do if it wasn't them.
import { type SecurityNoticeKind, type SecurityNoticeValues, securityNoticeEmail } from '../domain/emails.js';
import { describeUserAgent } from '../domain/user-agent.js';
import { enqueueEmail } from '../store/email-queue.js';
import { findUserById } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { whenCommitted } from './transaction.js';

/** Queues the notice with the change: in its transaction when `ctx` is one (the worker is woken after the commit). */
export async function notifySecurityChange(
  ctx: ServiceContext,
  userId: string,
  kind: SecurityNoticeKind,
  meta: RequestMeta,
  values: SecurityNoticeValues = {},
): Promise<void> {
  const user = await findUserById(ctx.db, userId);
  if (!user) return;
  const nowMs = ctx.now();
  const content = securityNoticeEmail(kind, { name: user.name, atMs: nowMs, ip: meta.ip, browser: meta.userAgent ? describeUserAgent(meta.userAgent) : 'unknown' }, values);
  await enqueueEmail(ctx.db, { to: user.email, content, kind: `notice:${kind}`, nowMs });
  whenCommitted(ctx, () => ctx.onEmailQueued?.());
}
