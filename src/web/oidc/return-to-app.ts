// "Require two-factor authentication for everyone" stops an app's sign-in at the set-up
// pages. The app's sign-in request is remembered in this browser for the time it lives,
// so turning 2FA on leads back to it instead of stranding the person in settings.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OIDC_TTL_IN_SECONDS } from '../../domain/oidc.js';

const COOKIE = 'twofold_return_to_app';
const INTERACTION_PATH = /^\/interaction\/[A-Za-z0-9_-]{1,64}$/;

export function rememberAppSignInRequest(request: FastifyRequest, reply: FastifyReply, secure: boolean): void {
  const path = request.url.split('?')[0]!;
  if (request.method !== 'GET' || !INTERACTION_PATH.test(path)) return;
  reply.setCookie(COOKIE, path, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: OIDC_TTL_IN_SECONDS.Interaction });
}

/** The app sign-in request to go back to (once), or null. */
export function takeAppSignInRequest(request: FastifyRequest, reply: FastifyReply, secure: boolean): string | null {
  const path = request.cookies[COOKIE];
  if (path === undefined) return null;
  reply.clearCookie(COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
  return INTERACTION_PATH.test(path) ? path : null;
}
