// Builds the HTTP application: plugins, hooks, routes. Thin by design: every rule
// lives in services/ and domain/; this file only wires requests to them.
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { ServiceContext } from '../services/context.js';
import { validateSessionToken } from '../services/sessions.js';
import { Cookies } from './cookies.js';
import { TwofoldMetrics } from './metrics.js';
import { Csrf } from './csrf.js';
import type { WebContext } from './context.js';
import { installErrorPages } from './errors.js';
import { pathForLog } from './logging.js';
import { addSecurityHeaders } from './security-headers.js';
import { registerSignedInRoutes, sendPage } from './context.js';
import { ErrorPage } from './views/error.js';
import { errorMessage } from '../errors.js';
import { registerAccountRoutes } from './routes/account.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAccountLinkRoutes } from './routes/account-links.js';
import { registerDevOutboxRoutes } from './routes/dev-outbox.js';
import { registerForwardAuthRoutes } from './routes/forward-auth.js';
import { formActionSourcesOf, wayBackRuleOf } from './way-back.js';
import { registerPasskeyRoutes, registerSignedInPasskeyRoutes } from './routes/passkeys.js';
import { registerSetupRoutes } from './routes/setup.js';
import { registerSignInRoutes } from './routes/sign-in.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerOidcRoutes } from './oidc/routes.js';
import { rememberAppSignInRequest } from './oidc/return-to-app.js';
import { hkdfSync } from 'node:crypto';

// (forward auth answers the proxy itself: a 401 there, not this page's redirect)
const ALLOWED_DURING_REQUIRED_SETUP = ['/settings', '/sign-out', '/assets/', '/healthz', '/dev/outbox', '/api/authz/'];
function isAllowedDuringRequiredSetup(url: string): boolean {
  const path = url.split('?')[0]!;
  return ALLOWED_DURING_REQUIRED_SETUP.some((allowed) => path === allowed || path.startsWith(allowed.endsWith('/') ? allowed : `${allowed}/`));
}

/** Whether a parsed request part holds a NUL character anywhere (keys included). */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 4) return false;
  return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || holdsNul(inner, depth + 1));
}

/** Forms are small; anything larger is refused before it is parsed. */
const BODY_LIMIT_IN_BYTES = 16 * 1024;

export interface AppOptions {
  config: Config;
  services: ServiceContext;
  csrfKey: Buffer;
  /** createLogger(level) from ./logging.js; none: silent */
  logger?: FastifyBaseLogger;
  metrics?: TwofoldMetrics;
  /** signs the OpenID provider's cookies (ServerKeys.oidcCookies); derived from csrfKey when not given */
  oidcCookieKey?: Buffer;
  /** with DEV_OUTBOX=1: the key /dev/outbox asks for (main prints it once) */
  devOutboxKey?: string;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, services } = options;
  const https = new URL(config.publicUrl).protocol === 'https:';
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // A hop count is valid at run time (proxy-addr); Fastify's types omit it.
    trustProxy: config.trustProxy as boolean | string[],
    bodyLimit: BODY_LIMIT_IN_BYTES,
    // Never let a client-supplied request id into our logs as an identifier.
    genReqId: undefined,
    routerOptions: { maxParamLength: 200 },
  });
  const cookies = new Cookies(https, config.cookieDomain);
  const web: WebContext = { services, config, cookies, csrf: new Csrf(options.csrfKey, cookies, new URL(config.publicUrl).origin) };

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: BODY_LIMIT_IN_BYTES });
  addSecurityHeaders(app, https, formActionSourcesOf(wayBackRuleOf(config)));
  const metrics = options.metrics ?? new TwofoldMetrics();
  metrics.install(app, config.metricsToken);
  app.decorate('twofoldMetrics', metrics);
  installErrorPages(app);

  app.decorateRequest('user', null);
  // One hook, not four: it runs before every handler (the session check and forward auth
  // are called on every request of every app behind Twofold), and each hook Fastify runs
  // costs about as much as what these do. The order is the order of the checks below.
  app.addHook('preHandler', async (request, reply) => {
    // NUL is in no address, form or id Twofold uses, and PostgreSQL refuses it in text (a
    // 500 where SQLite would answer): refused before anything reads it, the same on both.
    if (holdsNul(request.params) || holdsNul(request.query) || holdsNul(request.body)) {
      return sendPage(reply, 400, <ErrorPage title="That did not work" message={errorMessage('bad_request')} />);
    }
    if (request.url.startsWith('/assets/') || request.url === '/healthz') return;
    request.user = await validateSessionToken(services, cookies.read(request, 'session'));
    // "Require 2FA for everyone": until it is set up, only the set-up pages and sign-out answer.
    if (request.user?.twoFactorSetupRequired && !isAllowedDuringRequiredSetup(request.url)) {
      if (request.url.startsWith('/api/')) return reply.code(403).send({ signedIn: true, twoFactorSetupRequired: true });
      rememberAppSignInRequest(request, reply, https);
      return reply.redirect('/settings/two-factor', 303);
    }
    if (request.method === 'POST' && !web.csrf.isRequestTrusted(request)) {
      request.log.info({ url: pathForLog(request.url) }, 'form refused: CSRF check failed');
      return sendPage(reply, 403, <ErrorPage title="Not allowed" message={errorMessage('csrf_rejected')} />);
    }
  });

  registerSystemRoutes(app, web);
  registerForwardAuthRoutes(app, web);
  registerSetupRoutes(app, web);
  registerSignInRoutes(app, web);
  registerPasskeyRoutes(app, web);
  await registerSignedInRoutes(app, (scope) => {
    registerAccountRoutes(scope, web);
    registerAdminRoutes(scope, web);
    registerSignedInPasskeyRoutes(scope, web);
  });
  registerAccountLinkRoutes(app, web);
  await registerOidcRoutes(app, web, options.oidcCookieKey ?? Buffer.from(hkdfSync('sha256', options.csrfKey, 'twofold', 'oidc-provider-cookies', 32)));
  registerDevOutboxRoutes(app, web, options.devOutboxKey);
  return app;
}
