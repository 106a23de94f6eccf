// Harbour CRM's side of "Sign in with Twofold": OpenID Connect's authorization code flow
// with PKCE, done by openid-client (which also checks the ID token's signature, issuer,
// audience, nonce and expiry). Twofold is found through its discovery document.
import * as oidc from 'openid-client';

export const SCOPES = 'openid email profile organization';
export const ACR_TWO_FACTORS = 'urn:twofold:acr:2fa';

/** How a sign-in is asked for: plainly, with two factors demanded, or with the password typed again. */
export type SignInKind = 'plain' | 'two-factors' | 'again';

export interface TwofoldSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** where the CRM is reached, e.g. http://localhost:4000 (its callback and sign-out addresses hang off it) */
  baseUrl: string;
}

/** Plain http is only acceptable to a Twofold on this machine (trying it out); anywhere else, https. */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

export class TwofoldSignIn {
  readonly callbackUrl: string;
  readonly signedOutUrl: string;
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: TwofoldSettings) {
    this.callbackUrl = new URL('/callback', settings.baseUrl).toString();
    this.signedOutUrl = new URL('/signed-out', settings.baseUrl).toString();
  }

  /** Discovery on first use (Twofold may start after the CRM), tried again after a failure. */
  private config(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const issuer = new URL(this.settings.issuer);
      this.configuration = oidc
        .discovery(issuer, this.settings.clientId, undefined, oidc.ClientSecretBasic(this.settings.clientSecret), isLoopbackHttp(issuer) ? { execute: [oidc.allowInsecureRequests] } : {})
        .catch((error: unknown) => {
          this.configuration = undefined;
          throw error;
        });
    }
    return this.configuration;
  }

  /** A fresh request: the URL to send the browser to, and what the answer must match (kept by the CRM). */
  async start(kind: SignInKind): Promise<{ url: URL; codeVerifier: string; nonce: string; state: string }> {
    const config = await this.config();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.callbackUrl,
      scope: SCOPES,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      ...(kind === 'two-factors' ? { acr_values: ACR_TWO_FACTORS } : {}),
      ...(kind === 'again' ? { prompt: 'login' } : {}),
    });
    return { url, codeVerifier, nonce, state };
  }

  /**
   * The browser came back to /callback: the code is exchanged (with the PKCE verifier and
   * client secret) and the ID token checked. Throws oidc.AuthorizationResponseError when
   * Twofold answered with an error (access_denied…).
   */
  async finish(currentUrl: URL, expected: { codeVerifier: string; nonce: string; state: string }): Promise<{ claims: Record<string, unknown>; idToken: string }> {
    const tokens = await oidc.authorizationCodeGrant(await this.config(), currentUrl, {
      pkceCodeVerifier: expected.codeVerifier,
      expectedNonce: expected.nonce,
      expectedState: expected.state,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new Error('Twofold sent no ID token');
    return { claims: { ...claims }, idToken: tokens.id_token };
  }

  /** Twofold's sign-out page, which sends the browser back to /signed-out. */
  async signOutUrl(idToken: string): Promise<URL> {
    return oidc.buildEndSessionUrl(await this.config(), { id_token_hint: idToken, post_logout_redirect_uri: this.signedOutUrl });
  }
}

export { oidc };
