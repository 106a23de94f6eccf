import type { Kysely } from 'kysely';
import type { Selectable } from 'kysely';
import type { Database, OrganizationsTable } from './schema.js';

type Db = Kysely<Database>;

export type OrganizationRow = Selectable<OrganizationsTable>;

export function findOrganizationByName(db: Db, name: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
}

export function findOrganizationById(db: Db, id: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertOrganization(db: Db, org: Omit<OrganizationRow, 'require_two_factor'>): Promise<void> {
  await db.insertInto('organizations').values(org).execute();
}

export async function setRequireTwoFactor(db: Db, aggregatorId: string, required: boolean): Promise<void> {
  await db.updateTable('organizations').set({ require_two_factor: required ? 1 : 0 }).where('id', '=', aggregatorId).where('parent_id', 'is', null).execute();
}

/** Every organisation's name, for "did you mean" (a deployment has tens or hundreds). */
export async function listOrganizationNames(db: Db): Promise<string[]> {
  return (await db.selectFrom('organizations').select('name').orderBy('name').execute()).map((row) => row.name);
}
