// An app signing in through Twofold, as openid-client (a client nobody here wrote) does it.
import * as oidc from 'openid-client';
import type { ServiceContext } from '../../src/services/context.js';
import { addClient } from '../../src/services/oidc/clients.js';
import { type Reply, TestClient } from './client.js';
import type { TestDatabase } from './databases.js';
import { type TestServer, startTestServerAtPublicUrl } from './server.js';
import { type TestUser, codeFor } from './fixtures.js';

/**
 * A Twofold at its own PUBLIC_URL over a fresh database of `database`'s kind, with the
 * test app registered (for one organisation when `prepare` names one). `close` ends both.
 */
export async function startProvider(
  database: TestDatabase,
  prepare?: (server: TestServer) => Promise<{ organizationName?: string }>,
): Promise<{ server: TestServer; app: TestApp; close: () => Promise<void> }> {
  const created = await database.create();
  const server = await startTestServerAtPublicUrl(created.store);
  const options = prepare ? await prepare(server) : {};
  const app = await registerTestApp(server.services, server.url, options);
  return {
    server,
    app,
    close: async () => {
      await server.close();
      await created.destroy();
    },
  };
}

export const CALLBACK = 'http://localhost:4999/callback';
export const SCOPES = 'openid email profile organization';

export interface TestApp {
  clientId: string;
  clientSecret: string;
  config: oidc.Configuration;
}

export async function registerTestApp(services: ServiceContext, issuer: string, options: { organizationName?: string; public?: boolean; postLogoutRedirectUris?: string[] } = {}): Promise<TestApp> {
  const { clientId, clientSecret } = await addClient(services, {
    name: 'Harbour CRM',
    redirectUris: [CALLBACK],
    postLogoutRedirectUris: options.postLogoutRedirectUris ?? ['http://localhost:4999/signed-out'],
    ...(options.organizationName ? { organizationName: options.organizationName } : {}),
    ...(options.public ? { public: true } : {}),
  });
  const auth = clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None();
  const config = await oidc.discovery(new URL(issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
  return { clientId, clientSecret: clientSecret ?? '', config };
}

/** A fresh authorization request: its URL and what the app keeps to check the answer. */
export async function startAuthorization(app: TestApp, extra: Record<string, string> = {}) {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(app.config, {
    redirect_uri: CALLBACK,
    scope: SCOPES,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...extra,
  });
  return { url, codeVerifier, nonce, state };
}

export async function exchangeCode(app: TestApp, callbackUrl: string, request: { codeVerifier: string; nonce: string; state: string }) {
  return oidc.authorizationCodeGrant(app.config, new URL(callbackUrl), { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state, idTokenExpected: true });
}

/**
 * Follows a browser from an authorization request through Twofold's pages back to the
 * app; returns the callback URL. `first`: the reply to the authorization request when
 * another node answered it (the rest goes to `browser`'s node).
 */
/** Where a "Back to the app" page (a meta refresh, not a redirect) moves on to. */
export function continueUrlOf(html: string): string | null {
  const url = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(html)?.[1];
  return url ? url.replaceAll('&amp;', '&') : null;
}

export async function signInThroughApp(server: { clock: { now(): number; advance(ms: number): void } }, browser: TestClient, url: URL, user: TestUser | null, options: { code?: boolean; first?: Reply } = {}): Promise<string> {
  let reply = options.first ?? (await browser.get(url.pathname + url.search));
  for (let hop = 0; hop < 12; hop++) {
    const location = reply.location ?? continueUrlOf(reply.body);
    if (!location) throw new Error(`stuck at ${reply.status}: ${reply.body.slice(0, 300)}`);
    if (location.startsWith(CALLBACK)) return location;
    const path = location.startsWith('http') ? new URL(location).pathname + new URL(location).search : location;
    if (path.startsWith('/sign-in?') && user) {
      // A person takes a moment to type: the sign-in comes after the app's request.
      server.clock.advance(1);
      const page = await browser.get(path);
      const next = /name="next" value="([^"]+)"/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
      const secondFactor = page.body.includes('name="second_factor"');
      reply = await browser.post('/sign-in', { email: user.email, password: user.password, ...(next ? { next } : {}), ...(secondFactor ? { second_factor: 'required' } : {}) });
      continue;
    }
    if (path === '/sign-in/code' && user && options.code !== false) {
      await browser.get(path);
      reply = await browser.post('/sign-in/code', { code: codeFor(user, server.clock.now()) });
      continue;
    }
    reply = await browser.get(path);
  }
  throw new Error('too many redirects');
}

export { oidc };
