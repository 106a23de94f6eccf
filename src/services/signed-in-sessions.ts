// "Where you're signed in" (My password and security): every live session of the person,
// with Sign out for one and Sign out everywhere else. Ending one is a row deleted: the
// session check on every node refuses it from the next request on.
import { createHash } from 'node:crypto';
import { describeUserAgent } from '../domain/user-agent.js';
import { TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { deleteOtherSessionsOf, deleteSessionOf, listLiveSessionsOf } from '../store/sessions.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { inTransaction } from './transaction.js';

export interface SignedInSessionView {
  /** public name of the session for the Sign out button: not its id, which is a token's hash */
  handle: string;
  description: string;
  ip: string;
  signedInAtMs: number;
  lastActiveAtMs: number;
  isThisBrowser: boolean;
}

const handleOf = (sessionId: string) => createHash('sha256').update(`session-handle:${sessionId}`).digest('base64url').slice(0, 32);

export async function listSignedInSessions(ctx: ServiceContext, userId: string, currentSessionId: string): Promise<SignedInSessionView[]> {
  const nowMs = ctx.now();
  const rows = await listLiveSessionsOf(ctx.db, userId, nowMs - ctx.sessionLifetime.idleTimeoutInMs, nowMs - ctx.sessionLifetime.absoluteTimeoutInMs);
  // This browser first: the list is read as "me, then the others".
  const ordered = [...rows.filter((row) => row.id === currentSessionId), ...rows.filter((row) => row.id !== currentSessionId)];
  return ordered.map((row) => ({
    handle: handleOf(row.id),
    description: describeUserAgent(row.user_agent),
    ip: row.ip,
    signedInAtMs: row.created_at,
    lastActiveAtMs: row.last_seen_at,
    isThisBrowser: row.id === currentSessionId,
  }));
}

/** "Sign out" of one of the person's other sessions, named by its handle. */
export async function endSignedInSession(ctx: ServiceContext, userId: string, handle: unknown, meta: RequestMeta & { sessionId: string }): Promise<void> {
  if (typeof handle !== 'string' || handle.length > 64) throw new TwofoldError('session_not_found');
  const nowMs = ctx.now();
  const rows = await listLiveSessionsOf(ctx.db, userId, 0, 0);
  const target = rows.find((row) => handleOf(row.id) === handle);
  // This browser signs out with Sign out at the top: here only the others.
  if (!target || target.id === meta.sessionId) throw new TwofoldError('session_not_found');
  await inTransaction(ctx, async (tx) => {
    if (!(await deleteSessionOf(tx.db, userId, target.id))) throw new TwofoldError('session_not_found');
    await appendSecurityEvent(tx.db, { type: 'session_ended', userId, ip: meta.ip, userAgent: meta.userAgent, detail: `${describeUserAgent(target.user_agent)} at ${target.ip}`, atMs: nowMs });
  });
}

/** "Sign out everywhere else": returns how many sessions ended. */
export async function endOtherSignedInSessions(ctx: ServiceContext, userId: string, meta: RequestMeta & { sessionId: string }): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    const ended = await deleteOtherSessionsOf(tx.db, userId, meta.sessionId);
    if (ended > 0) await appendSecurityEvent(tx.db, { type: 'session_ended', userId, ip: meta.ip, userAgent: meta.userAgent, detail: `${ended} other ${ended === 1 ? 'session' : 'sessions'}`, atMs: ctx.now() });
    return ended;
  });
}
