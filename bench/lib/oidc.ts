// The OpenID Provider under load: an app signing in someone already signed in to
// Twofold (authorize → Twofold's interaction → code → token endpoint), refresh-token
// rotation, and userinfo. PKCE and the code exchange are done as an app does them.
import { createHash, randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { deriveServerKeys } from '../../src/crypto/server-key.js';
import { createServiceContext } from '../../src/runtime.js';
import { addClient } from '../../src/services/oidc/clients.js';
import type { Store } from '../../src/store/db.js';
import type { FlowClient } from './load.js';
import { BENCH_SECRET } from './seed-twofold.js';

export const BENCH_CALLBACK = 'http://localhost:4999/callback';

export interface BenchApp {
  clientId: string;
  clientSecret: string;
}

/** Registers the bench app straight through the services, keyed like the bench server. */
export async function registerBenchApp(store: Store): Promise<BenchApp> {
  const services = createServiceContext(loadConfig({ TWOFOLD_SECRET: BENCH_SECRET, DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent' }), store, deriveServerKeys(BENCH_SECRET));
  const { clientId, clientSecret } = await addClient(services, { name: 'Bench CRM', redirectUris: [BENCH_CALLBACK] });
  return { clientId, clientSecret: clientSecret! };
}

const pathOf = (location: string) => {
  const url = new URL(location, 'http://x');
  return url.pathname + url.search;
};

export interface Tokens {
  access_token: string;
  refresh_token: string;
  id_token: string;
}

/**
 * One app sign-in for a browser already signed in to Twofold: the authorization request,
 * the interaction (no page: the session answers), the resume, and the code exchanged at
 * the token endpoint. Returns the tokens, or null when a step answered otherwise.
 */
export async function appSignIn(client: FlowClient, app: BenchApp): Promise<Tokens | null> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({ client_id: app.clientId, response_type: 'code', scope: 'openid email profile', redirect_uri: BENCH_CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', state: 's', nonce: 'n' });
  let reply = await client.request('GET', `/oidc/auth?${query}`);
  for (let hop = 0; hop < 5; hop++) {
    // A redirect, or the "Back to the app" page that moves on by meta refresh.
    const location = reply.headers.location ?? /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(reply.body)?.[1]?.replaceAll('&amp;', '&');
    if (typeof location !== 'string') return null;
    if (location.startsWith(BENCH_CALLBACK)) {
      const code = new URL(location).searchParams.get('code');
      if (!code) return null;
      return tokenRequest(client, app, { grant_type: 'authorization_code', code, redirect_uri: BENCH_CALLBACK, code_verifier: verifier });
    }
    reply = await client.request('GET', pathOf(location));
  }
  return null;
}

export async function tokenRequest(client: FlowClient, app: BenchApp, fields: Record<string, string>): Promise<Tokens | null> {
  const basic = Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.clientSecret)}`).toString('base64');
  const reply = await client.request('POST', '/oidc/token', new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', { authorization: `Basic ${basic}` });
  return reply.status === 200 ? (JSON.parse(reply.body) as Tokens) : null;
}
