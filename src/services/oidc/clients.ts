// Apps that sign people in through Twofold, registered by the operator from the CLI.
// A confidential app's secret is shown once and stored sealed with the server key.
import { randomBytes } from 'node:crypto';
import { type SigningAlg, checkRedirectUri } from '../../domain/oidc.js';
import { TwofoldError } from '../../errors.js';
import { deleteOidcClient, deleteOidcPayloadsOfClient, findOidcClient, insertOidcClient, listOidcClients, updateOidcClientSecret, type OidcClientRow } from '../../store/oidc-clients.js';
import { findOrganizationById } from '../../store/organizations.js';
import { organizationNamed } from '../accounts.js';
import type { ServiceContext } from '../context.js';
import { inTransaction } from '../transaction.js';
import { sealedPurpose } from '../../domain/sealed-values.js';
import { requireCurrentMasterSecret } from '../master-secret.js';

const secretPurpose = sealedPurpose.oidcClientSecret;
const MAX_NAME_LENGTH = 100;

export interface NewClient {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** a public app (a single-page or native app) has no secret: PKCE alone */
  public?: boolean;
  /** only people under this organisation (a firm, or an aggregator with its firms) */
  organizationName?: string;
  /** the ID token's signature: ES256, or RS256 for an app too old for it */
  idTokenAlg?: SigningAlg;
}

export interface ClientSummary {
  clientId: string;
  name: string;
  public: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  organizationId: string | null;
  organizationName: string | null;
  idTokenAlg: string;
  createdAtMs: number;
}

function checkUris(uris: readonly string[]): string[] {
  for (const uri of uris) {
    const why = checkRedirectUri(uri);
    if (why) throw new TwofoldError('oidc_redirect_uri_invalid', { uri, why });
  }
  return [...new Set(uris)];
}

/** `twofold client add`: returns the client id and, for a confidential app, the secret (shown once). */
export async function addClient(ctx: ServiceContext, input: NewClient): Promise<{ clientId: string; clientSecret: string | null }> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw new TwofoldError('oidc_client_name_invalid');
  if (input.redirectUris.length === 0) throw new TwofoldError('oidc_redirect_uri_missing');
  const redirectUris = checkUris(input.redirectUris);
  const postLogoutRedirectUris = checkUris(input.postLogoutRedirectUris ?? []);
  let orgId: string | null = null;
  if (input.organizationName !== undefined) {
    const org = await organizationNamed(ctx, input.organizationName);
    orgId = org.id;
  }
  await requireCurrentMasterSecret(ctx);
  const clientId = randomBytes(16).toString('hex');
  const clientSecret = input.public ? null : randomBytes(32).toString('base64url');
  await insertOidcClient(ctx.db, {
    client_id: clientId,
    name,
    secret_sealed: clientSecret === null ? null : ctx.secretBox.seal(Buffer.from(clientSecret, 'utf8'), secretPurpose(clientId)),
    redirect_uris: JSON.stringify(redirectUris),
    post_logout_redirect_uris: JSON.stringify(postLogoutRedirectUris),
    org_id: orgId,
    id_token_alg: input.idTokenAlg ?? 'ES256',
    created_at: ctx.now(),
    secret_rotated_at: null,
  });
  return { clientId, clientSecret };
}

async function summaryOf(ctx: ServiceContext, row: OidcClientRow): Promise<ClientSummary> {
  const org = row.org_id ? await findOrganizationById(ctx.db, row.org_id) : undefined;
  return {
    clientId: row.client_id,
    name: row.name,
    public: row.secret_sealed === null,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    organizationId: row.org_id,
    organizationName: org?.name ?? null,
    idTokenAlg: row.id_token_alg,
    createdAtMs: row.created_at,
  };
}

export async function listClients(ctx: ServiceContext): Promise<ClientSummary[]> {
  return Promise.all((await listOidcClients(ctx.db)).map((row) => summaryOf(ctx, row)));
}

/** `twofold client remove`: the app and every session, grant and token it held. */
export async function removeClient(ctx: ServiceContext, clientId: string): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    if (!(await deleteOidcClient(tx.db, clientId))) throw new TwofoldError('oidc_client_unknown');
    await deleteOidcPayloadsOfClient(tx.db, clientId);
  });
}

/** `twofold client rotate-secret`: a new secret at once; the old one stops working. */
export async function rotateClientSecret(ctx: ServiceContext, clientId: string): Promise<string> {
  const row = await findOidcClient(ctx.db, clientId);
  if (!row) throw new TwofoldError('oidc_client_unknown');
  if (row.secret_sealed === null) throw new TwofoldError('oidc_client_is_public');
  await requireCurrentMasterSecret(ctx);
  const clientSecret = randomBytes(32).toString('base64url');
  if (!(await updateOidcClientSecret(ctx.db, clientId, ctx.secretBox.seal(Buffer.from(clientSecret, 'utf8'), secretPurpose(clientId)), ctx.now()))) {
    throw new TwofoldError('oidc_client_unknown');
  }
  return clientSecret;
}

/**
 * What the provider needs to know of an app (its "client metadata"): only the
 * authorization code flow, PKCE, exact redirect URIs, the secret opened for comparison.
 */
export async function clientMetadataFor(ctx: ServiceContext, clientId: string): Promise<Record<string, unknown> | undefined> {
  const row = await findOidcClient(ctx.db, clientId);
  if (!row) return undefined;
  const secret = row.secret_sealed === null ? null : Buffer.from(ctx.secretBox.open(row.secret_sealed, secretPurpose(clientId))).toString('utf8');
  return {
    client_id: row.client_id,
    client_name: row.name,
    redirect_uris: JSON.parse(row.redirect_uris) as string[],
    post_logout_redirect_uris: JSON.parse(row.post_logout_redirect_uris) as string[],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: row.id_token_alg,
    ...(secret === null ? { token_endpoint_auth_method: 'none' } : { client_secret: secret, token_endpoint_auth_method: 'client_secret_basic' }),
  };
}
