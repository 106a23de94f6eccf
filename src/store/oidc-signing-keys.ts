// The OpenID Provider's signing keys (private halves sealed by the service layer).
import type { Kysely, Selectable } from 'kysely';
import type { Database, OidcSigningKeysTable } from './schema.js';

type Db = Kysely<Database>;
export type OidcSigningKeyRow = Selectable<OidcSigningKeysTable>;

/** False when a key of that kid is there already (another node made it first). */
export async function insertSigningKeyIfAbsent(db: Db, row: OidcSigningKeyRow): Promise<boolean> {
  const result = await db.insertInto('oidc_signing_keys').values(row).onConflict((oc) => oc.column('kid').doNothing()).executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

export function listSigningKeys(db: Db): Promise<OidcSigningKeyRow[]> {
  return db.selectFrom('oidc_signing_keys').selectAll().orderBy('signs_from', 'desc').execute();
}

/** Retires every key of `alg` but `keepKid`; they stay published (see the service). */
export async function retireSigningKeysBut(db: Db, alg: string, keepKid: string, atMs: number): Promise<void> {
  await db.updateTable('oidc_signing_keys').set({ retired_at: atMs }).where('alg', '=', alg).where('kid', '<>', keepKid).where('retired_at', 'is', null).execute();
}

export async function deleteSigningKeysRetiredBefore(db: Db, beforeMs: number): Promise<number> {
  const result = await db.deleteFrom('oidc_signing_keys').where('retired_at', '<', beforeMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
