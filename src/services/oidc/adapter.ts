// The OpenID Provider's storage (its "adapter" interface), in Twofold's own database:
// sessions, grants, codes, tokens, interactions and replay marks, one row each, so a
// flow started on one node finishes on another. Expiry is on the service clock.
import { errors } from 'oidc-provider';
import { consumeOidcPayload, deleteOidcPayload, deleteOidcPayloadsOfGrant, findOidcPayload, findOidcPayloadBy, findOidcPayloadCreatedAt, type OidcPayloadRow, upsertOidcPayload } from '../../store/oidc-payloads.js';
import { isPlausibleProviderId as isPlausibleId } from '../../domain/oidc.js';
import type { ServiceContext } from '../context.js';
import { clientMetadataFor } from './clients.js';

/** The provider's JSON for one piece of state; only the fields the adapter indexes are named. */
export interface ProviderPayload {
  [key: string]: unknown;
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  clientId?: string;
  consumed?: unknown;
}

export interface ProviderAdapter {
  upsert(id: string, payload: ProviderPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<ProviderPayload | undefined>;
  findByUserCode(userCode: string): Promise<ProviderPayload | undefined>;
  findByUid(uid: string): Promise<ProviderPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

function parse(row: OidcPayloadRow | undefined): ProviderPayload | undefined {
  if (!row) return undefined;
  const payload = JSON.parse(row.payload) as ProviderPayload;
  // The provider reads `consumed` (a time) to refuse a second use of a code or token.
  return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
}

/** Apps are registered by the operator (oidc_clients); the provider only reads them. */
function clientAdapter(ctx: ServiceContext): ProviderAdapter {
  const readOnly = async () => {
    throw new Error('apps are registered with `twofold client add`, not through the provider');
  };
  return {
    find: async (id) => (isPlausibleId(id) ? clientMetadataFor(ctx, id) : undefined),
    upsert: readOnly,
    findByUserCode: async () => undefined,
    findByUid: async () => undefined,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: async () => undefined,
  };
}

export function createProviderAdapter(ctx: ServiceContext, model: string): ProviderAdapter {
  if (model === 'Client') return clientAdapter(ctx);
  return {
    async upsert(id, payload, expiresIn) {
      const nowMs = ctx.now();
      await upsertOidcPayload(ctx.db, {
        model,
        id,
        payload: JSON.stringify(payload),
        grantId: payload.grantId ?? null,
        uid: payload.uid ?? null,
        userCode: payload.userCode ?? null,
        accountId: payload.accountId ?? null,
        clientId: payload.clientId ?? null,
        expiresAt: expiresIn === undefined ? null : nowMs + expiresIn * 1000,
        atMs: nowMs,
      });
    },
    find: async (id) => (isPlausibleId(id) ? parse(await findOidcPayload(ctx.db, model, id, ctx.now())) : undefined),
    findByUid: async (uid) => (isPlausibleId(uid) ? parse(await findOidcPayloadBy(ctx.db, model, 'uid', uid, ctx.now())) : undefined),
    findByUserCode: async (userCode) => (isPlausibleId(userCode) ? parse(await findOidcPayloadBy(ctx.db, model, 'user_code', userCode, ctx.now())) : undefined),
    // Race prevented: two exchanges of one code (or one refresh token) at once. Both read
    // it unused; only one UPDATE finds consumed_at empty. The other is a reuse: like the
    // provider's own check, it revokes all the grant issued, and the exchange fails.
    async consume(id) {
      if (await consumeOidcPayload(ctx.db, model, id, ctx.now())) return;
      const row = parse(await findOidcPayload(ctx.db, model, id, ctx.now()));
      if (row?.grantId) await deleteOidcPayloadsOfGrant(ctx.db, row.grantId);
      throw new errors.InvalidGrant(`${model === 'AuthorizationCode' ? 'authorization code' : 'token'} already used`);
    },
    destroy: async (id) => (isPlausibleId(id) ? deleteOidcPayload(ctx.db, model, id) : undefined),
    revokeByGrantId: (grantId) => deleteOidcPayloadsOfGrant(ctx.db, grantId),
  };
}

/** When an app's sign-in request (an interaction) reached Twofold, on the service clock; null when unknown. */
export async function interactionStartedAt(ctx: ServiceContext, uid: string): Promise<number | null> {
  return (await findOidcPayloadCreatedAt(ctx.db, 'Interaction', uid)) ?? null;
}
