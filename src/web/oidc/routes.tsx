// The OpenID Provider in the Fastify app: its endpoints (under /oidc/, discovery at
// /.well-known/openid-configuration) and the page an app's sign-in request lands on,
// /interaction/<uid>, which hands the person to Twofold's own sign-in pages and back.
import type { IncomingMessage, ServerResponse } from 'node:http';
import middie from '@fastify/middie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { errors as providerErrors } from 'oidc-provider';
import { acrOf, usedTwoFactors } from '../../domain/auth-methods.js';
import { SIGNING_KEY_RELOAD_INTERVAL_IN_MS } from '../../domain/oidc.js';
import { errorMessage } from '../../errors.js';
import { interactionStartedAt } from '../../services/oidc/adapter.js';
import { checkAppSignIn, recordAppSignIn } from '../../services/oidc/app-sign-in.js';
import { getTwoFactorStatus } from '../../services/two-factor.js';
import { ensureSigningKeys, loadSigningJwks, signingKeysVersion } from '../../services/oidc/signing-keys.js';
import { invalidateSession, validateSessionToken } from '../../services/sessions.js';
import type { SignedInUser } from '../../services/sessions.js';
import { type WebContext, sendPage } from '../context.js';
import { requestMeta } from '../form.js';
import { applySecurityHeaders } from '../security-headers.js';
import { AppRefusedPage, ContinueToAppPage, InteractionExpiredPage } from '../views/oidc.js';
import { renderPage } from '../views/layout.js';
import { type KoaContextWithOIDC, OIDC_ROUTES, asksForTwoFactors, createProvider, interactionPath } from './provider.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** loads the signing keys again when they changed (the timer does it every minute) */
    reloadSigningKeys: () => Promise<void>;
  }
}

const PROVIDER_PREFIXES = ['/oidc/', '/.well-known/openid-configuration'];
const isProviderPath = (url: string | undefined) => url !== undefined && PROVIDER_PREFIXES.some((prefix) => url.startsWith(prefix));

/** The provider now serving, rebuilt when another node (or the CLI) changed the signing keys. */
class ProviderHolder {
  provider!: Provider;
  handle!: (req: IncomingMessage, res: ServerResponse) => void;
  version = '';

  constructor(private readonly build: () => Promise<Provider>) {}

  async reload(version: string): Promise<void> {
    const provider = await this.build();
    this.provider = provider;
    this.handle = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;
    this.version = version;
  }
}

export async function registerOidcRoutes(app: FastifyInstance, web: WebContext, cookieKey: Buffer): Promise<void> {
  const { services } = web;
  await ensureSigningKeys(services);
  const holder = new ProviderHolder(async () => {
    const provider = createProvider({ issuer: web.config.publicUrl, services, cookies: web.cookies, cookieKey, jwks: await loadSigningJwks(services), trustProxy: web.config.trustProxy !== false });
    watchProvider(app, web, provider);
    return provider;
  });
  await holder.reload(await signingKeysVersion(services));
  // Another node or the CLI may have rotated the keys: publish what the database holds.
  const reloadIfChanged = async () => {
    const version = await signingKeysVersion(services);
    if (version !== holder.version) await holder.reload(version);
  };
  app.decorate('reloadSigningKeys', reloadIfChanged);
  const timer = setInterval(() => {
    reloadIfChanged().catch((error: unknown) => app.log.warn({ message: error instanceof Error ? error.message : String(error) }, 'could not reload the OpenID signing keys'));
  }, SIGNING_KEY_RELOAD_INTERVAL_IN_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  // The provider parses its own requests: no body parser of ours runs before it.
  await app.register(middie, { hook: 'onRequest' });
  app.use((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    if (!isProviderPath(req.url)) return next();
    applySecurityHeaders(res, web.cookies.secure, true);
    holder.handle(req, res);
  });

  registerInteractionRoutes(app, web, () => holder.provider);
}

/**
 * response_mode=form_post answers with a form that posts the code to the app: the CSP
 * (form-action 'self') must name the app's origin for that one page, or the browser
 * stops there. The redirect URI has passed the provider's exact match by then.
 */
function allowFormPostToApp(ctx: KoaContextWithOIDC): void {
  const params = ctx.oidc?.params as { response_mode?: unknown; redirect_uri?: unknown } | undefined;
  // Only once the provider has checked the redirect URI against the app's: never on the
  // error page for one it refused.
  const checked = (ctx.oidc as { redirectUriCheckPerformed?: boolean } | undefined)?.redirectUriCheckPerformed === true;
  if (!checked || params?.response_mode !== 'form_post' || typeof params.redirect_uri !== 'string' || !ctx.response.is('html')) return;
  const policy = ctx.response.get('Content-Security-Policy');
  if (!policy) return;
  let origin: string;
  try {
    origin = new URL(params.redirect_uri).origin;
  } catch {
    return;
  }
  ctx.set('Content-Security-Policy', policy.replace("form-action 'self'", `form-action 'self' ${origin}`));
}

/** What the provider does that Twofold must answer for: ending the Twofold sign-in on an app's sign-out, and logging its errors. */
function watchProvider(app: FastifyInstance, web: WebContext, provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    allowFormPostToApp(ctx as KoaContextWithOIDC);
    const confirmed = ctx.method === 'POST' && ctx.path === `${OIDC_ROUTES.end_session}/confirm` && ctx.status >= 300 && ctx.status < 400;
    if (!confirmed) return;
    // Back to the app by a page that moves on, not a redirect after a form (see ContinueToAppPage).
    const location = ctx.response.get('Location');
    const signedOut = Boolean((ctx as KoaContextWithOIDC).oidc?.params?.logout);
    if (location && new URL(location, web.config.publicUrl).origin !== new URL(web.config.publicUrl).origin) {
      ctx.status = 200;
      ctx.remove('Location');
      ctx.type = 'html';
      ctx.body = renderPage(ContinueToAppPage({ url: location, appName: (ctx as KoaContextWithOIDC).oidc?.client?.clientName ?? null, signingOut: signedOut }));
    }
    if (!signedOut) return;
    const name = web.cookies.names.session;
    const user = await validateSessionToken(web.services, ctx.cookies.get(name, { signed: false }));
    if (user) await invalidateSession(web.services, user.sessionId);
    ctx.cookies.set(name, null, { path: '/', httpOnly: true, sameSite: 'lax', secure: web.cookies.secure, signed: false });
  });
  provider.on('server_error', (_ctx, error: Error) => app.log.error({ message: error.message }, 'OpenID provider error'));
}

function registerInteractionRoutes(app: FastifyInstance, web: WebContext, provider: () => Provider): void {
  /** The interaction behind this browser's cookie, if it is the one in the address and still live. */
  const interactionOf = async (request: FastifyRequest, reply: FastifyReply) => {
    const uid = (request.params as { uid?: string }).uid;
    try {
      const details = await provider().interactionDetails(request.raw, reply.raw);
      return details.uid === uid ? details : null;
    } catch (error) {
      if (error instanceof providerErrors.SessionNotFound || error instanceof providerErrors.InvalidRequest) return null;
      throw error;
    }
  };
  const expired = (reply: FastifyReply) => sendPage(reply, 400, <InteractionExpiredPage message={errorMessage('oidc_interaction_expired')} />);
  const signInAgain = (reply: FastifyReply, uid: string, secondFactor: boolean) =>
    reply.redirect(`/sign-in?again=1${secondFactor ? '&second_factor=1' : ''}&next=${encodeURIComponent(interactionPath(uid))}`, 303);

  // Each rung: no request → not signed in → signed in too long ago, or not the way the
  // app asked → not for this app → tell the app who signed in and how.
  app.get('/interaction/:uid', async (request, reply) => {
    const details = await interactionOf(request, reply);
    if (!details) return expired(reply);
    const uid = details.uid;
    const user = request.user;
    if (!user) return reply.redirect(`/sign-in?next=${encodeURIComponent(interactionPath(uid))}`, 303);

    const reasons = details.prompt.reasons;
    const params = details.params as { client_id?: string; max_age?: number | string; acr_values?: string };
    const startedAtMs = (await interactionStartedAt(web.services, uid)) ?? web.services.now();
    // Strictly after: a sign-in of the same millisecond cannot have answered this request.
    const signedInSinceRequest = user.signedInAtMs > startedAtMs;
    const maxAgeInMs = params.max_age === undefined ? null : Number(params.max_age) * 1000;
    const tooOld = maxAgeInMs !== null && Number.isFinite(maxAgeInMs) && web.services.now() - user.signedInAtMs > maxAgeInMs;
    const wantsFreshSignIn = reasons.includes('login_prompt') || reasons.includes('id_token_hint') || reasons.includes('claims_id_token_sub_value');
    if ((wantsFreshSignIn || tooOld) && !signedInSinceRequest) return signInAgain(reply, uid, false);

    const client = await checkAppSignIn(web.services, user.userId, params.client_id ?? '', requestMeta(request));
    if (!client.allowed) {
      const message = errorMessage('oidc_client_not_for_you', { app: client.appName, organization: client.organizationName, email: user.email });
      return refusedPage(request, reply, uid, user, 'This app is not for your account', message, false);
    }
    if (asksForTwoFactors(params.acr_values) && !usedTwoFactors(user.authMethods)) {
      if (!(await getTwoFactorStatus(web.services, user.userId)).enabled) {
        return refusedPage(request, reply, uid, user, 'This app asks for two-factor authentication', errorMessage('oidc_two_factor_needed', { app: client.appName }), true);
      }
      // Signed in again for this very request and still one factor: a loop would follow.
      if (signedInSinceRequest) return expired(reply);
      return signInAgain(reply, uid, true);
    }

    await recordAppSignIn(web.services, user.userId, client.appName, requestMeta(request));
    const returnTo = await provider().interactionResult(
      request.raw,
      reply.raw,
      { login: { accountId: user.userId, ts: Math.floor(user.signedInAtMs / 1000), amr: user.authMethods, acr: acrOf(user.authMethods), remember: false } },
      { mergeWithLastSubmission: false },
    );
    return sendPage(reply, 200, <ContinueToAppPage url={returnTo} appName={client.appName} />);
  });

  // "Go back to the app": the app learns the sign-in was refused (access_denied).
  app.post('/interaction/:uid/abort', async (request, reply) => {
    const details = await interactionOf(request, reply);
    if (!details) return expired(reply);
    const returnTo = await provider().interactionResult(request.raw, reply.raw, { error: 'access_denied', error_description: 'The person could not sign in to this app with Twofold.' }, { mergeWithLastSubmission: false });
    return sendPage(reply, 200, <ContinueToAppPage url={returnTo} appName={null} />);
  });

  const refusedPage = (request: FastifyRequest, reply: FastifyReply, uid: string, user: SignedInUser, title: string, message: string, offerTwoFactorSetUp: boolean) =>
    sendPage(
      reply,
      403,
      <AppRefusedPage
        title={title}
        message={message}
        csrfToken={web.csrf.tokenFor(request, reply)}
        abortAction={`${interactionPath(uid)}/abort`}
        offerTwoFactorSetUp={offerTwoFactorSetUp}
        signedInAs={user.email}
      />,
    );
}
