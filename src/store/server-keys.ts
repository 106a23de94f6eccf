// server_keys: keys and checks sealed under the master secret, by name (sealed and opened by the services).
import type { Kysely, Selectable } from 'kysely';
import type { Database, ServerKeysTable } from './schema.js';

type Db = Kysely<Database>;
export type ServerKeyRow = Selectable<ServerKeysTable>;

export function findServerKey(db: Db, purpose: string): Promise<ServerKeyRow | undefined> {
  return db.selectFrom('server_keys').selectAll().where('purpose', '=', purpose).executeTakeFirst();
}

/** Nodes starting together each try: the first one's row stays, and every node then reads that one. */
export async function insertServerKeyIfAbsent(db: Db, row: ServerKeyRow): Promise<void> {
  await db.insertInto('server_keys').values(row).onConflict((oc) => oc.column('purpose').doNothing()).execute();
}

/** One sealed TOTP secret, to test a master secret against before anything records it as the right one. */
export function anySealedTotpSecret(db: Db): Promise<{ user_id: string; totp_secret: string | null } | undefined> {
  return db.selectFrom('two_factor').select(['user_id', 'totp_secret']).where('totp_secret', 'is not', null).limit(1).executeTakeFirst();
}
