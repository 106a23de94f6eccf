import type { Kysely } from 'kysely';
import type { Database, OrganizationsTable } from './schema.js';

type Db = Kysely<Database>;

export function findOrganizationByName(db: Db, name: string): Promise<OrganizationsTable | undefined> {
  return db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
}

export function findOrganizationById(db: Db, id: string): Promise<OrganizationsTable | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertOrganization(db: Db, org: OrganizationsTable): Promise<void> {
  await db.insertInto('organizations').values(org).execute();
}
