// Queries behind the admin area. Every one is scoped by organisation in SQL: a
// person outside the admin's reach is never even loaded.
import type { Role } from '../domain/accounts.js';
import { type Kysely, sql } from 'kysely';
import type { Database, TwoFactorMethod } from './schema.js';

type Db = Kysely<Database>;

export interface ManagedUserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  org_id: string;
  org_parent_id: string | null;
  org_name: string;
  mobile: string | null;
  last_sign_in_at: number | null;
  code_locked_until: number | null;
  two_factor_method: TwoFactorMethod | null;
  remembered_devices: number;
  recovery_codes_left: number;
  /** invited, no password chosen yet */
  awaiting_password: boolean;
}

/** LIKE with the person's text taken literally: % and _ match only themselves. */
function likePattern(search: string): string {
  return `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** What an admin sees of a person: one query shape for the list and for one person. */
function managedUsersQuery(db: Db, nowMs: number) {
  return db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.org_id')
    .leftJoin('two_factor', 'two_factor.user_id', 'users.id')
    .select((eb) => [
      'users.id',
      'users.email',
      'users.name',
      'users.role',
      'users.org_id',
      'organizations.parent_id as org_parent_id',
      'organizations.name as org_name',
      'users.mobile',
      'users.last_sign_in_at',
      'users.code_locked_until',
      'two_factor.method as two_factor_method',
      eb.case().when('users.password_hash', 'is', null).then(1).else(0).end().as('awaiting_password'),
      eb
        .selectFrom('remembered_devices')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('remembered_devices.user_id', '=', 'users.id')
        .where('remembered_devices.expires_at', '>', nowMs)
        .as('remembered_devices'),
      eb
        .selectFrom('recovery_codes')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('recovery_codes.user_id', '=', 'users.id')
        .where('recovery_codes.used_at', 'is', null)
        .as('recovery_codes_left'),
    ]);
}

type QueriedRow = Omit<ManagedUserRow, 'remembered_devices' | 'recovery_codes_left' | 'awaiting_password'> & { remembered_devices: unknown; recovery_codes_left: unknown; awaiting_password: unknown };
const toManagedUser = (row: QueriedRow): ManagedUserRow => ({
  ...row,
  remembered_devices: Number(row.remembered_devices ?? 0),
  recovery_codes_left: Number(row.recovery_codes_left ?? 0),
  awaiting_password: Number(row.awaiting_password) === 1,
});

export async function listManagedUsers(db: Db, scope: { aggregatorId?: string; firmId?: string }, search: string, limit: number, nowMs: number): Promise<ManagedUserRow[]> {
  let query = managedUsersQuery(db, nowMs);
  if (scope.aggregatorId !== undefined) {
    const aggregatorId = scope.aggregatorId;
    query = query.where((eb) => eb.or([eb('organizations.id', '=', aggregatorId), eb('organizations.parent_id', '=', aggregatorId)]));
  } else if (scope.firmId !== undefined) {
    query = query.where('organizations.id', '=', scope.firmId);
  } else {
    return [];
  }
  if (search.trim() !== '') {
    const pattern = likePattern(search.trim());
    query = query.where((eb) =>
      eb.or([eb(sql`lower(users.email)`, 'like', sql`${pattern} escape '\\'`), eb(sql`lower(users.name)`, 'like', sql`${pattern} escape '\\'`)]),
    );
  }
  const rows = await query.orderBy('users.name').orderBy('users.email').limit(limit).execute();
  return rows.map((row) => toManagedUser(row as QueriedRow));
}

/** One person as an admin sees them; the caller decides whether this admin may. */
export async function findManagedUserRow(db: Db, userId: string, nowMs: number): Promise<ManagedUserRow | undefined> {
  const row = await managedUsersQuery(db, nowMs).where('users.id', '=', userId).executeTakeFirst();
  return row ? toManagedUser(row as QueriedRow) : undefined;
}

/** The person's organisation and the aggregator above it (the operator's reset names it). */
export function findUserPlace(db: Db, userId: string) {
  return db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.org_id')
    .select(['users.org_id', 'organizations.parent_id as org_parent_id'])
    .where('users.id', '=', userId)
    .executeTakeFirst();
}
