// "An email for every security change": the person is told what happened, when,
// from where, and what to do if it wasn't them.
import type { Kysely } from 'kysely';
import { type SecurityNoticeKind, securityNoticeEmail } from '../domain/emails.js';
import { describeUserAgent } from '../domain/user-agent.js';
import { enqueueEmail } from '../store/email-queue.js';
import { findUserById } from '../store/users.js';
import type { Database } from '../store/schema.js';
import type { RequestMeta, ServiceContext } from './context.js';

/** Queues the notice on `db`: pass the transaction of the change itself where there is one. */
export async function notifySecurityChange(
  ctx: ServiceContext,
  db: Kysely<Database>,
  userId: string,
  kind: SecurityNoticeKind,
  meta: RequestMeta,
  values: { actor?: string } = {},
): Promise<void> {
  const user = await findUserById(db, userId);
  if (!user) return;
  const nowMs = ctx.now();
  const content = securityNoticeEmail(kind, { name: user.name, atMs: nowMs, ip: meta.ip, browser: meta.userAgent ? describeUserAgent(meta.userAgent) : 'unknown' }, values);
  await enqueueEmail(db, { to: user.email, content, kind: `notice:${kind}`, nowMs });
  ctx.onEmailQueued?.();
}
