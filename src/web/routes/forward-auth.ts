// Forward auth: a reverse proxy asks, before every request to an app behind it, whether
// this browser is signed in to Twofold (the session cookie comes along, COOKIE_DOMAIN
// making it reach the app's host). Yes: 200 and who it is, in Remote-* headers the proxy
// copies onto the app's request. No: the way to the sign-in page, back to the app after.
//   GET /api/authz/auth-request   nginx auth_request: 401, with Location for error_page
//   GET /api/authz/forward-auth   Traefik forwardAuth, Caddy forward_auth: 302 to sign-in
// Both run on every request of the protected app, so they do no more than /api/session:
// the session was looked up by the app-wide preHandler; nothing else is read.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { identityHeaders } from '../../domain/forward-auth.js';
import { allowedWayBack } from '../../domain/redirects.js';
import type { SignedInUser } from '../../services/sessions.js';
import type { WebContext } from '../context.js';
import { wayBackRuleOf } from '../way-back.js';

type Endpoint = 'auth_request' | 'forward_auth';

/** A header the proxy sent once, as text (a repeated one is not trusted to mean anything). */
function headerText(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Signed in all the way: a session (made only after every step) with no 2FA set-up owed to the aggregator. */
function passes(user: SignedInUser | null): user is SignedInUser {
  return user !== null && !user.twoFactorSetupRequired;
}

export function registerForwardAuthRoutes(app: FastifyInstance, web: WebContext): void {
  const rule = wayBackRuleOf(web.config);
  const signIn = new URL('/sign-in', web.config.publicUrl);
  /** Twofold's sign-in page, with `rd` back to `original` only when that is an allowed way back. */
  const signInUrlFor = (original: string | undefined): string => {
    const back = allowedWayBack(original, rule);
    return back === null ? signIn.href : `${signIn.href}?rd=${encodeURIComponent(back)}`;
  };
  const allow = (reply: FastifyReply, endpoint: Endpoint, user: SignedInUser) => {
    app.twofoldMetrics.forwardAuth.inc({ endpoint, outcome: 'allowed' });
    return reply.code(200).headers(identityHeaders(user)).send();
  };
  const refuse = (endpoint: Endpoint) => app.twofoldMetrics.forwardAuth.inc({ endpoint, outcome: 'refused' });

  app.get('/api/authz/auth-request', async (request, reply) => {
    if (passes(request.user)) return allow(reply, 'auth_request', request.user);
    refuse('auth_request');
    // nginx answers the 401 itself (error_page); Location is there for `$upstream_http_location`.
    return reply.code(401).header('Location', signInUrlFor(headerText(request, 'x-original-url'))).send();
  });

  app.get('/api/authz/forward-auth', async (request, reply) => {
    if (passes(request.user)) return allow(reply, 'forward_auth', request.user);
    refuse('forward_auth');
    // A form post or API call cannot be replayed after a sign-in page: refused, not redirected.
    const method = headerText(request, 'x-forwarded-method') ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return reply.code(401).send();
    const [proto, host, uri] = ['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-uri'].map((name) => headerText(request, name));
    return reply.redirect(signInUrlFor(proto && host ? `${proto}://${host}${uri ?? '/'}` : undefined), 302);
  });
}
