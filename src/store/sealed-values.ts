// Every value sealed under the master secret, read and replaced for `twofold secret rotate`.
import { type Kysely, sql } from 'kysely';
import type { SealedTable } from '../domain/sealed-values.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** Where each table keeps its sealed value and the id it is bound to (names from this fixed list only, never from input). */
const COLUMNS: Record<SealedTable, { id: string; sealed: string }> = {
  two_factor: { id: 'user_id', sealed: 'totp_secret' },
  totp_enrollments: { id: 'user_id', sealed: 'totp_secret' },
  two_factor_activations: { id: 'user_id', sealed: 'totp_secret' },
  recovery_code_reveals: { id: 'user_id', sealed: 'sealed_codes' },
  oidc_clients: { id: 'client_id', sealed: 'secret_sealed' },
  oidc_signing_keys: { id: 'kid', sealed: 'private_jwk_sealed' },
  server_keys: { id: 'purpose', sealed: 'sealed' },
};

export interface SealedValue {
  table: SealedTable;
  id: string;
  sealed: string;
}

/** The sealed values of one table (rows without one, like an SMS second factor's, are left out). */
export async function listSealedValues(db: Db, table: SealedTable): Promise<SealedValue[]> {
  const { id, sealed } = COLUMNS[table];
  const { rows } = await sql<{ id: string; sealed: string }>`select ${sql.ref(id)} as id, ${sql.ref(sealed)} as sealed from ${sql.table(table)} where ${sql.ref(sealed)} is not null`.execute(db);
  return rows.map((row) => ({ table, id: row.id, sealed: row.sealed }));
}

/**
 * Replaces one sealed value, only if it is still the one read: a value changed in between
 * (a server still running, enrolling someone) is not overwritten with a stale re-sealing.
 */
export async function replaceSealedValue(db: Db, value: SealedValue, resealed: string): Promise<boolean> {
  const { id, sealed } = COLUMNS[value.table];
  const result = await sql`update ${sql.table(value.table)} set ${sql.ref(sealed)} = ${resealed} where ${sql.ref(id)} = ${value.id} and ${sql.ref(sealed)} = ${value.sealed}`.execute(db);
  return result.numAffectedRows === 1n;
}
