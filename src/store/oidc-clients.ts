// Apps registered with the OpenID Provider by the operator.
import type { Kysely, Selectable } from 'kysely';
import type { Database, OidcClientsTable } from './schema.js';

type Db = Kysely<Database>;
export type OidcClientRow = Selectable<OidcClientsTable>;

export async function insertOidcClient(db: Db, row: OidcClientRow): Promise<void> {
  await db.insertInto('oidc_clients').values(row).execute();
}

export function findOidcClient(db: Db, clientId: string): Promise<OidcClientRow | undefined> {
  return db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export function listOidcClients(db: Db): Promise<OidcClientRow[]> {
  return db.selectFrom('oidc_clients').selectAll().orderBy('created_at').execute();
}

export async function deleteOidcClient(db: Db, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/** Whatever the app was given under this client id goes with it. */
export async function deleteOidcPayloadsOfClient(db: Db, clientId: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('client_id', '=', clientId).execute();
}

export async function updateOidcClientSecret(db: Db, clientId: string, secretSealed: string, atMs: number): Promise<boolean> {
  const result = await db.updateTable('oidc_clients').set({ secret_sealed: secretSealed, secret_rotated_at: atMs }).where('client_id', '=', clientId).where('secret_sealed', 'is not', null).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
