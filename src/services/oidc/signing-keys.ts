// The provider's signing keys: made on first start (ES256, and RS256 for older apps),
// stored sealed with the server key, the same for every node. `twofold keys rotate`
// adds new ones that every node publishes before any signs with them.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { NEW_KEY_SIGNS_AFTER_IN_MS, RETIRED_KEY_PUBLISHED_FOR_IN_MS, SIGNING_ALGS, type SigningAlg, orderKeysForProvider } from '../../domain/oidc.js';
import { deleteSigningKeysRetiredBefore, insertSigningKeyIfAbsent, listSigningKeys, retireSigningKeysBut } from '../../store/oidc-signing-keys.js';
import type { ServiceContext } from '../context.js';
import { inTransaction } from '../transaction.js';
import { sealedPurpose } from '../../domain/sealed-values.js';
import { requireCurrentMasterSecret } from '../master-secret.js';

const purposeOf = sealedPurpose.oidcSigningKey;

function generatePrivateJwk(alg: SigningAlg, kid: string): JsonWebKey {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...pair.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

async function addKey(ctx: ServiceContext, alg: SigningAlg, kid: string, signsFromMs: number): Promise<boolean> {
  await requireCurrentMasterSecret(ctx);
  const jwk = generatePrivateJwk(alg, kid);
  const sealed = ctx.secretBox.seal(Buffer.from(JSON.stringify(jwk), 'utf8'), purposeOf(kid));
  return insertSigningKeyIfAbsent(ctx.db, { kid, alg, private_jwk_sealed: sealed, created_at: ctx.now(), signs_from: signsFromMs, retired_at: null });
}

/**
 * First start: one key per algorithm. Their kids are fixed, so nodes starting together
 * insert one key each, not one each per node (the second insert finds the first).
 */
export async function ensureSigningKeys(ctx: ServiceContext): Promise<void> {
  const existing = await listSigningKeys(ctx.db);
  for (const alg of SIGNING_ALGS) {
    if (!existing.some((k) => k.alg === alg)) await addKey(ctx, alg, `${alg.toLowerCase()}-initial`, ctx.now());
  }
}

/** The private JWKs to give the provider, the signing one of each algorithm first. */
export async function loadSigningJwks(ctx: ServiceContext): Promise<JsonWebKey[]> {
  const rows = await listSigningKeys(ctx.db);
  const ordered = orderKeysForProvider(
    rows.map((row) => ({ kid: row.kid, alg: row.alg, signsFromMs: row.signs_from, retiredAtMs: row.retired_at, row })),
    ctx.now(),
  );
  return ordered.map(({ row }) => JSON.parse(Buffer.from(ctx.secretBox.open(row.private_jwk_sealed, purposeOf(row.kid))).toString('utf8')) as JsonWebKey);
}

/**
 * What the provider's key set depends on: the keys published and, of them, which sign
 * now. It changes when a key is added or retired, and when a new key's time to sign comes.
 */
export async function signingKeysVersion(ctx: ServiceContext): Promise<string> {
  const rows = await listSigningKeys(ctx.db);
  const ordered = orderKeysForProvider(rows.map((row) => ({ kid: row.kid, alg: row.alg, signsFromMs: row.signs_from, retiredAtMs: row.retired_at })), ctx.now());
  return ordered.map((k) => k.kid).join(',');
}

export interface SigningKeyInfo {
  kid: string;
  alg: string;
  createdAtMs: number;
  signsFromMs: number;
  retiredAtMs: number | null;
  state: 'signing' | 'published' | 'retiring';
}

export async function listSigningKeyInfo(ctx: ServiceContext): Promise<SigningKeyInfo[]> {
  const rows = await listSigningKeys(ctx.db);
  const nowMs = ctx.now();
  const ordered = orderKeysForProvider(rows.map((row) => ({ kid: row.kid, alg: row.alg, signsFromMs: row.signs_from, retiredAtMs: row.retired_at, row })), nowMs);
  const signing = new Set(SIGNING_ALGS.map((alg) => ordered.find((k) => k.alg === alg)?.kid));
  return ordered.map(({ row }) => ({
    kid: row.kid,
    alg: row.alg,
    createdAtMs: row.created_at,
    signsFromMs: row.signs_from,
    retiredAtMs: row.retired_at,
    state: signing.has(row.kid) ? 'signing' : row.retired_at !== null ? 'retiring' : 'published',
  }));
}

/**
 * `twofold keys rotate`: a new key per algorithm, published at once, signing once every
 * node has had time to publish it; the old ones are retired and stay published until
 * the tokens they signed have expired. Keys retired long ago are deleted.
 */
export async function rotateSigningKeys(ctx: ServiceContext, options: { signsAfterMs?: number } = {}): Promise<SigningKeyInfo[]> {
  const nowMs = ctx.now();
  const signsFromMs = nowMs + (options.signsAfterMs ?? NEW_KEY_SIGNS_AFTER_IN_MS);
  await inTransaction(ctx, async (tx) => {
    for (const alg of SIGNING_ALGS) {
      const kid = `${alg.toLowerCase()}-${new Date(nowMs).toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
      await addKey(tx, alg, kid, signsFromMs);
      // Retired from the moment the new key signs: until then the old one still does.
      await retireSigningKeysBut(tx.db, alg, kid, signsFromMs);
    }
    await deleteSigningKeysRetiredBefore(tx.db, nowMs - RETIRED_KEY_PUBLISHED_FOR_IN_MS);
  });
  return listSigningKeyInfo(ctx);
}
