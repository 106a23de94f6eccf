// Signed-in sessions: a random token in a cookie, its SHA-256 in the database.
import type { Role } from '../domain/accounts.js';
import { type AuthMethod, formatAuthMethods, parseAuthMethods } from '../domain/auth-methods.js';
import { generateToken, hashToken, isWellFormedToken } from '../crypto/tokens.js';
import { isSessionExpired, shouldTouchSession } from '../domain/sessions.js';
import { deleteAllUserSessions, deleteSession, findSession, insertSession, lookUpSessionForRequest, touchSession } from '../store/sessions.js';
import { recordSignIn } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';

export interface SignedInUser {
  sessionId: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  orgId: string;
  /** the aggregator the person is under: their organisation's parent, or it when it is an aggregator */
  aggregatorId: string;
  /** the person's aggregator requires 2FA and they have none yet */
  twoFactorSetupRequired: boolean;
  /** when this session signed in (an app's `auth_time`) */
  signedInAtMs: number;
  /** how it signed in (an app's `amr`) */
  authMethods: AuthMethod[];
}

const MAX_USER_AGENT_LENGTH = 256;

/**
 * `methods`: how the person proved who they are for this session (RFC 8176 values).
 * `signedInAtMs`: when they did, if not now (a session replaced after a change keeps it).
 */
export async function createSession(ctx: ServiceContext, userId: string, meta: RequestMeta, methods: readonly AuthMethod[] | string, signedInAtMs?: number): Promise<string> {
  const token = generateToken();
  const nowMs = ctx.now();
  await insertSession(ctx.db, {
    id: hashToken(token),
    user_id: userId,
    created_at: signedInAtMs ?? nowMs,
    last_seen_at: nowMs,
    ip: meta.ip,
    user_agent: meta.userAgent.slice(0, MAX_USER_AGENT_LENGTH),
    amr: typeof methods === 'string' ? methods : formatAuthMethods(methods),
  });
  if (signedInAtMs === undefined) await recordSignIn(ctx.db, userId, nowMs);
  return token;
}

/** The user behind a session cookie, or null if it is unknown or expired (then it is deleted). */
export async function validateSessionToken(ctx: ServiceContext, token: unknown): Promise<SignedInUser | null> {
  if (!isWellFormedToken(token)) return null;
  const sessionId = hashToken(token);
  const row = await lookUpSessionForRequest(ctx.db, sessionId);
  if (!row) return null;
  const nowMs = ctx.now();
  const times = { createdAtMs: row.created_at, lastSeenAtMs: row.last_seen_at };
  if (isSessionExpired(times, nowMs, ctx.sessionLifetime)) {
    await deleteSession(ctx.db, sessionId);
    return null;
  }
  if (shouldTouchSession(times, nowMs)) await touchSession(ctx.db, sessionId, nowMs);
  const required = (row.aggregator_requires ?? row.org_requires) === 1;
  return { sessionId, userId: row.user_id, email: row.email, name: row.name, role: row.role, orgId: row.org_id, aggregatorId: row.org_parent_id ?? row.org_id, twoFactorSetupRequired: required && row.has_factor === null, signedInAtMs: row.created_at, authMethods: parseAuthMethods(row.amr) };
}

export async function invalidateSession(ctx: ServiceContext, sessionId: string): Promise<void> {
  await deleteSession(ctx.db, sessionId);
}

/**
 * After a security change (password, second factor): every session of the user ends,
 * including this one, and this browser gets a fresh token, so a token stolen before
 * the change is worthless after it.
 */
export async function replaceAllUserSessions(ctx: ServiceContext, userId: string, meta: RequestMeta, methods: readonly AuthMethod[]): Promise<string> {
  // The new token carries the old session's sign-in: when and how the person proved who
  // they are. A change made inside a session is not a sign-in: an app asking for a fresh
  // one (prompt=login, max_age) must not be answered by turning 2FA on without a password.
  const current = meta.sessionId ? await findSession(ctx.db, meta.sessionId) : undefined;
  await deleteAllUserSessions(ctx.db, userId);
  if (current && current.user_id === userId) return createSession(ctx, userId, meta, current.amr, current.created_at);
  return createSession(ctx, userId, meta, methods);
}
