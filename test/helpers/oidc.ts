// An app signing in through Twofold, as openid-client (a client nobody here wrote) does it.
import * as oidc from 'openid-client';
import type { ServiceContext } from '../../src/services/context.js';
import { addClient } from '../../src/services/oidc/clients.js';

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

export { oidc };
