// Twofold as an OpenID Provider: panva's oidc-provider (certified by the OpenID
// Foundation), configured for the authorization code flow with PKCE only, its state in
// Twofold's database, its sign-in on Twofold's own pages (web/oidc/routes.tsx).
import type { JsonWebKey } from 'node:crypto';
import Provider, { type Configuration, type KoaContextWithOIDC, interactionPolicy } from 'oidc-provider';
import { ACR_TWO_FACTORS, ACR_VALUES, acrOf, usedTwoFactors } from '../../domain/auth-methods.js';
import { bindAppSession, isAppSessionLive, isGrantOfSignIn, revokeGrant } from '../../services/oidc/app-sign-in.js';
import type { SignedInUser } from '../../services/sessions.js';
import { OIDC_TTL_IN_SECONDS } from '../../domain/oidc.js';
import type { ServiceContext } from '../../services/context.js';
import { accountClaimsOf, claimsForClient } from '../../services/oidc/accounts.js';
import { createProviderAdapter } from '../../services/oidc/adapter.js';
import { validateSessionToken } from '../../services/sessions.js';
import type { Cookies } from '../cookies.js';
import { renderPage } from '../views/layout.js';
import { AppErrorPage, SignOutOfAppsPage, SignedOutOfAppsPage } from '../views/oidc.js';

/** Where the provider's endpoints live; discovery stays at the issuer's /.well-known. */
export const OIDC_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/me',
  jwks: '/oidc/jwks',
  end_session: '/oidc/session/end',
  revocation: '/oidc/token/revocation',
} as const;

const OIDC_COOKIE_NAMES = { session: 'twofold_oidc_session', interaction: 'twofold_oidc_interaction', resume: 'twofold_oidc_resume' } as const;

/** Sign-in for an app happens at /interaction/<uid> (web/oidc/routes.tsx). */
export const interactionPath = (uid: string) => `/interaction/${uid}`;

/** Whether an app asked for two factors: `acr_values` naming the two-factor value and not the one-factor one. */
export function asksForTwoFactors(acrValues: unknown): boolean {
  if (typeof acrValues !== 'string') return false;
  const values = acrValues.split(' ');
  return values.includes(ACR_TWO_FACTORS) && !values.includes(ACR_VALUES[0]);
}

export interface ProviderOptions {
  issuer: string;
  services: ServiceContext;
  cookies: Cookies;
  cookieKey: Buffer;
  jwks: JsonWebKey[];
  trustProxy: boolean;
}

const { REQUEST_PROMPT, NO_NEED_TO_PROMPT } = interactionPolicy.Check;

/** The live Twofold sign-in of this browser, read once per request. */
async function twofoldSignInOf(options: ProviderOptions, ctx: KoaContextWithOIDC): Promise<SignedInUser | null> {
  const state = ctx.state as { twofoldUser?: SignedInUser | null };
  if (state.twofoldUser === undefined) state.twofoldUser = await validateSessionToken(options.services, ctx.cookies.get(options.cookies.names.session, { signed: false }));
  return state.twofoldUser;
}

function loginPolicy(options: ProviderOptions) {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  // An app's sign-in rests on one Twofold sign-in: this browser's, now. Signed out of
  // Twofold, signed in again (perhaps with fewer factors: a remembered device), or as
  // someone else, and the app's sign-in is made anew from the sign-in that is live, so
  // its acr, amr and auth_time are never those of a sign-in that has ended.
  login.checks.add(
    new interactionPolicy.Check('twofold_sign_in', 'the app sign-in does not rest on the live Twofold sign-in of this browser', 'login_required', async (ctx) => {
      const user = await twofoldSignInOf(options, ctx);
      const session = ctx.oidc.session;
      if (!user || !session || user.userId !== session.accountId) return REQUEST_PROMPT;
      if (session.loginTs !== Math.floor(user.signedInAtMs / 1000) || session.acr !== acrOf(user.authMethods)) return REQUEST_PROMPT;
      await bindAppSession(options.services, session.uid, user.sessionId);
      return NO_NEED_TO_PROMPT;
    }),
    0,
  );
  // An app for one organisation: anyone else is sent to the page that says so (or, with
  // prompt=none, the app hears login_required), never given a code.
  login.checks.add(
    new interactionPolicy.Check('app_not_for_this_person', 'the app is only for another organisation', 'login_required', async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (!accountId || !clientId) return NO_NEED_TO_PROMPT;
      return (await claimsForClient(options.services, accountId, clientId)).allowed ? NO_NEED_TO_PROMPT : REQUEST_PROMPT;
    }),
  );
  login.checks.add(
    new interactionPolicy.Check('two_factors_required', 'the app asks for two factors', 'login_required', async (ctx) => {
      if (!asksForTwoFactors(ctx.oidc.params?.acr_values)) return NO_NEED_TO_PROMPT;
      const user = await twofoldSignInOf(options, ctx);
      return user && usedTwoFactors(user.authMethods) && ctx.oidc.acr === ACR_TWO_FACTORS ? NO_NEED_TO_PROMPT : REQUEST_PROMPT;
    }),
  );
  return policy;
}

function configuration(options: ProviderOptions): Configuration {
  const { services } = options;
  const secure = new URL(options.issuer).protocol === 'https:';
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure, signed: true };
  return {
    adapter: (name: string) => createProviderAdapter(services, name),
    clients: [],
    jwks: { keys: options.jwks as never },
    routes: OIDC_ROUTES,
    responseTypes: ['code'],
    scopes: ['openid', 'email', 'profile', 'organization', 'offline_access'],
    claims: {
      acr: null,
      amr: null,
      auth_time: null,
      sid: null,
      // How and when the person signed in travels with every ID token.
      openid: ['sub', 'auth_time', 'acr', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      organization: ['role', 'organization', 'aggregator'],
    },
    acrValues: [...ACR_VALUES],
    // The ID token carries the claims of the scopes granted, as most apps expect.
    conformIdTokenClaims: false,
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true },
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], id_token_signed_response_alg: 'ES256', response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
    enabledJWA: { idTokenSigningAlgValues: ['ES256', 'RS256'], userinfoSigningAlgValues: ['ES256', 'RS256'] },
    ttl: { ...OIDC_TTL_IN_SECONDS },
    // Every refresh gives a new refresh token; the old one used again revokes the grant.
    rotateRefreshToken: () => true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // A refresh token lives no longer than the sign-in it came from.
    expiresWithSession: async () => true,
    async findAccount(ctx, sub, token) {
      // With a token (the code exchange, a refresh, userinfo): the sign-in it came from must
      // still be live, and an app for one organisation loses a person who moved out. Without
      // one (the authorization request) the login policy above has decided already.
      const clientId = ctx.oidc.client?.clientId;
      if (token && !(await isAppSessionLive(services, token as { sessionUid?: unknown; grantId?: unknown }, sub))) return undefined;
      const found = token && clientId ? await claimsForClient(services, sub, clientId) : { allowed: true as const, claims: await accountClaimsOf(services, sub) };
      if (!found.allowed || !found.claims) return undefined;
      const claims = found.claims;
      return { accountId: sub, claims: async () => ({ ...claims }) };
    },
    // Apps are registered by the operator, so they are first-party: no consent page. The
    // grant covers what the app asked for.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      if (!oidc.client || !oidc.session?.accountId) return undefined;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
      let existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      // A grant from an earlier sign-in in this browser is not carried over: it ends (with
      // its tokens) and this sign-in gets its own.
      const user = await twofoldSignInOf(options, ctx);
      if (existing && grantId && user && !(await isGrantOfSignIn(services, grantId, user.signedInAtMs))) {
        await revokeGrant(services, grantId);
        existing = undefined;
      }
      const grant = existing ?? new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      const requested = [...(oidc.requestParamScopes ?? [])].join(' ');
      if (requested) grant.addOIDCScope(requested);
      const claims = [...(oidc.requestParamClaims ?? [])];
      if (claims.length > 0) grant.addOIDCClaims(claims);
      await grant.save();
      return grant;
    },
    interactions: { url: async (_ctx, interaction) => interactionPath(interaction.uid), policy: loginPolicy(options) },
    cookies: { names: { ...OIDC_COOKIE_NAMES }, keys: [options.cookieKey.toString('base64url')], long: cookieOptions, short: cookieOptions },
    features: {
      devInteractions: { enabled: false },
      // Not offered: its endpoint would sit outside /oidc/, and nothing here needs it.
      pushedAuthorizationRequests: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = renderPage(SignOutOfAppsPage({ form, appName: ctx.oidc.client?.clientName ?? null }));
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = renderPage(SignedOutOfAppsPage({ appName: ctx.oidc.client?.clientName ?? null }));
        },
      },
    },
    // Apps on other sites may call the token endpoint from a browser (public apps): only from their own origins.
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = renderPage(AppErrorPage({ error: String(out.error ?? 'error'), description: typeof out.error_description === 'string' ? out.error_description : undefined }));
    },
  };
}

export function createProvider(options: ProviderOptions): Provider {
  const provider = new Provider(options.issuer, configuration(options));
  // Behind a proxy (TRUST_PROXY), X-Forwarded-Proto says the request came over HTTPS.
  provider.proxy = options.trustProxy;
  return provider;
}

export type { KoaContextWithOIDC };
