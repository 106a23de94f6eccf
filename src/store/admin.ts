// Queries behind the admin area. Every one is scoped by organisation in SQL: a
// person outside the admin's reach is never even loaded.
import type { Role } from '../domain/accounts.js';
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
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
  /** when they were deactivated; null while they may sign in */
  deactivated_at: number | null;
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
      'users.deactivated_at',
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

/** Whose people an admin sees: an aggregator's (itself and its firms) or one firm's. */
export type AdminScope = { aggregatorId: string } | { firmId: string };

/** Which people the list shows: one firm of the scope, and one state of two-factor. */
export interface PeopleFilter {
  firmId?: string;
  /** off: has a password, no second factor; invited: no password chosen yet */
  twoFactor?: TwoFactorMethod | 'off' | 'invited';
  /** active: may sign in; deactivated: may not */
  status?: 'active' | 'deactivated';
}

/** `organizations.id` within the scope, in SQL: a firm outside it matches no one. */
function inScope(scope: AdminScope) {
  return (eb: ExpressionBuilder<Database, 'organizations'>) =>
    'aggregatorId' in scope ? eb.or([eb('organizations.id', '=', scope.aggregatorId), eb('organizations.parent_id', '=', scope.aggregatorId)]) : eb('organizations.id', '=', scope.firmId);
}

/**
 * `users.org_id` within the scope, as a subquery over the few organisations: the people
 * are then found through the organisation index, never by reading everyone.
 */
function personInScope(db: Db, scope: AdminScope) {
  return (eb: ExpressionBuilder<Database, 'users'>) => eb('users.org_id', 'in', db.selectFrom('organizations').select('organizations.id').where(inScope(scope)));
}

export async function listManagedUsers(db: Db, scope: AdminScope, search: string, limit: number, nowMs: number, filter: PeopleFilter = {}): Promise<ManagedUserRow[]> {
  let query = managedUsersQuery(db, nowMs).where(personInScope(db, scope));
  if (filter.firmId !== undefined) query = query.where('organizations.id', '=', filter.firmId);
  if (filter.twoFactor === 'off') query = query.where('two_factor.method', 'is', null).where('users.password_hash', 'is not', null).where('users.deactivated_at', 'is', null);
  else if (filter.twoFactor === 'invited') query = query.where('users.password_hash', 'is', null);
  else if (filter.twoFactor !== undefined) query = query.where('two_factor.method', '=', filter.twoFactor);
  if (filter.status === 'active') query = query.where('users.deactivated_at', 'is', null);
  else if (filter.status === 'deactivated') query = query.where('users.deactivated_at', 'is not', null);
  if (search.trim() !== '') {
    const pattern = likePattern(search.trim());
    query = query.where((eb) =>
      eb.or([eb(sql`lower(users.email)`, 'like', sql`${pattern} escape '\\'`), eb(sql`lower(users.name)`, 'like', sql`${pattern} escape '\\'`)]),
    );
  }
  const rows = await query.orderBy('users.name').orderBy('users.email').limit(limit).execute();
  return rows.map((row) => toManagedUser(row as QueriedRow));
}

/** The organisations in the scope, the aggregator first, then its firms by name. */
export function listOrganizationsInScope(db: Db, scope: AdminScope) {
  return db
    .selectFrom('organizations')
    .select(['organizations.id', 'organizations.name', 'organizations.parent_id'])
    .where(inScope(scope))
    .orderBy(sql`case when organizations.parent_id is null then 0 else 1 end`)
    .orderBy('organizations.name')
    .execute();
}

export interface AdoptionCount {
  org_id: string;
  /** null: no second factor */
  method: TwoFactorMethod | null;
  /** invited, no password chosen yet */
  awaiting_password: boolean;
  count: number;
}

/** People per organisation of the scope, by second factor and by whether they have a password yet. */
export async function countAdoptionByOrg(db: Db, scope: AdminScope): Promise<AdoptionCount[]> {
  const rows = await db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.org_id')
    .leftJoin('two_factor', 'two_factor.user_id', 'users.id')
    .select((eb) => [
      'users.org_id',
      'two_factor.method',
      eb.case().when('users.password_hash', 'is', null).then(1).else(0).end().as('awaiting_password'),
      eb.fn.countAll<number>().as('count'),
    ])
    .where(personInScope(db, scope))
    // A deactivated person cannot sign in: neither protected nor exposed, so not counted.
    .where('users.deactivated_at', 'is', null)
    .groupBy(['users.org_id', 'two_factor.method', 'awaiting_password'])
    .execute();
  return rows.map((row) => ({ org_id: row.org_id, method: row.method, awaiting_password: Number(row.awaiting_password) === 1, count: Number(row.count) }));
}

/** How many of the scope's people without a second factor were reminded after `sinceMs`. */
export async function countRemindedWithoutTwoFactor(db: Db, scope: AdminScope, sinceMs: number): Promise<number> {
  const row = await db
    .selectFrom('two_factor_reminders')
    .innerJoin('users', 'users.id', 'two_factor_reminders.user_id')
    .innerJoin('organizations', 'organizations.id', 'users.org_id')
    .leftJoin('two_factor', 'two_factor.user_id', 'users.id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(personInScope(db, scope))
    .where('users.deactivated_at', 'is', null)
    .where('two_factor.user_id', 'is', null)
    .where('two_factor_reminders.sent_at', '>', sinceMs)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** People of the scope (or one firm of it) with a password and no second factor: whom a reminder is for. */
export async function listPeopleWithoutTwoFactor(db: Db, scope: AdminScope, page: { firmId?: string; afterId: string; limit: number }): Promise<Array<{ id: string; email: string; name: string; org_name: string }>> {
  let query = db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.org_id')
    .leftJoin('two_factor', 'two_factor.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.name', 'organizations.name as org_name'])
    .where(personInScope(db, scope))
    .where('two_factor.user_id', 'is', null)
    .where('users.password_hash', 'is not', null)
    // a deactivated person cannot sign in to turn it on
    .where('users.deactivated_at', 'is', null);
  if (page.firmId !== undefined) query = query.where('organizations.id', '=', page.firmId);
  return query.where('users.id', '>', page.afterId).orderBy('users.id').limit(page.limit).execute();
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

/** Every organisation, aggregators first, for the operator's tree. */
export function listAllOrganizations(db: Db) {
  return db
    .selectFrom('organizations')
    .select((eb) => [
      'organizations.id',
      'organizations.name',
      'organizations.parent_id',
      eb.selectFrom('users').select((e) => e.fn.countAll<number>().as('n')).whereRef('users.org_id', '=', 'organizations.id').as('people'),
    ])
    .orderBy('organizations.name')
    .execute();
}

/** Everyone (or everyone of the scope), for the operator's list: the admin list's shape, unlimited. */
export async function listPeopleForOperator(db: Db, scope: AdminScope | null, nowMs: number): Promise<ManagedUserRow[]> {
  let query = managedUsersQuery(db, nowMs);
  if (scope !== null) query = query.where(personInScope(db, scope));
  const rows = await query.orderBy('organizations.name').orderBy('users.name').orderBy('users.email').execute();
  return rows.map((row) => toManagedUser(row as QueriedRow));
}

/** The person behind an email, as an admin sees them (the operator's `user show`). */
export async function findManagedUserByEmail(db: Db, email: string, nowMs: number): Promise<ManagedUserRow | undefined> {
  const row = await managedUsersQuery(db, nowMs).where('users.email', '=', email).executeTakeFirst();
  return row ? toManagedUser(row as QueriedRow) : undefined;
}
