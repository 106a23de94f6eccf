// What the operator does from the CLI, outside any organisation's admin area.
import { normalizeEmail } from '../domain/accounts.js';
import { requireAustralianMobile } from './mobile-number.js';
import { cleanFreeText } from '../domain/text.js';
import { TwofoldError } from '../errors.js';
import { type AdminScope, type ManagedUserRow, findManagedUserByEmail, findUserPlace, listAllOrganizations, listPeopleForOperator, findManagedUserRow } from '../store/admin.js';
import { countPasskeysOf } from '../store/passkeys.js';
import { maskMobileForAdmin } from '../domain/phone.js';
import { deactivateAccount, reactivateAccount } from './account-status.js';
import { organizationNamed } from './accounts.js';
import { findOrganizationById } from '../store/organizations.js';
import { findUserByEmail } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { unlockCodeEntry } from './code-unlock.js';
import { resetTwoFactor } from './two-factor-reset.js';

export async function resetTwoFactorAsOperator(ctx: ServiceContext, input: { email: unknown; reason: unknown; mobile?: unknown }): Promise<void> {
  const email = normalizeEmail(input.email);
  if (email === null) throw new TwofoldError('email_invalid');
  const reason = cleanFreeText(input.reason, 500);
  if (reason.length < 3) throw new TwofoldError('reset_reason_required');
  let newMobile: string | null = null;
  if (input.mobile !== undefined) {
    newMobile = requireAustralianMobile(input.mobile);
  }
  const user = await findUserByEmail(ctx.db, email);
  if (!user) throw new TwofoldError('user_unknown');
  // As in the admin area: a reset signs the person out everywhere, so it needs a reason to.
  const standing = await findManagedUserRow(ctx.db, user.id, ctx.now());
  if (standing && standing.two_factor_method === null && standing.remembered_devices === 0) throw new TwofoldError('nothing_to_reset');
  const place = await findUserPlace(ctx.db, user.id);
  const aggregator = place ? await findOrganizationById(ctx.db, place.org_parent_id ?? place.org_id) : undefined;
  await resetTwoFactor(
    ctx,
    { targetUserId: user.id, actorUserId: null, actorName: 'the Twofold operator', organizationName: aggregator?.name ?? 'your aggregator', reason, verification: 'operator (command line)', newMobile },
    { ip: 'cli', userAgent: 'twofold cli' },
  );
}

/** `user unlock <email>`: lifts a code entry pause, recorded as the operator's and emailed. */
export async function unlockCodeEntryAsOperator(ctx: ServiceContext, input: { email: unknown }): Promise<void> {
  const email = normalizeEmail(input.email);
  if (email === null) throw new TwofoldError('email_invalid');
  const user = await findUserByEmail(ctx.db, email);
  if (!user) throw new TwofoldError('user_unknown');
  await unlockCodeEntry(ctx, { targetUserId: user.id, actorUserId: null, actorName: 'the Twofold operator' }, { ip: 'cli', userAgent: 'twofold cli' });
}

const OPERATOR = { actorUserId: null, actorName: 'the Twofold operator' } as const;
const CLI_META: RequestMeta = { ip: 'cli', userAgent: 'twofold cli' };

async function personByEmail(ctx: ServiceContext, typed: unknown) {
  const email = normalizeEmail(typed);
  if (email === null) throw new TwofoldError('email_invalid');
  const user = await findUserByEmail(ctx.db, email);
  if (!user) throw new TwofoldError('user_unknown');
  return user;
}

/** `user deactivate <email>`: the admin area's deactivation, recorded with no admin as the actor. */
export async function deactivateAsOperator(ctx: ServiceContext, input: { email: unknown }): Promise<void> {
  const user = await personByEmail(ctx, input.email);
  await deactivateAccount(ctx, { targetUserId: user.id, ...OPERATOR }, CLI_META);
}

export async function reactivateAsOperator(ctx: ServiceContext, input: { email: unknown }): Promise<void> {
  const user = await personByEmail(ctx, input.email);
  await reactivateAccount(ctx, { targetUserId: user.id, ...OPERATOR }, CLI_META);
}

export interface OrganizationNode {
  id: string;
  name: string;
  people: number;
  firms: Array<{ id: string; name: string; people: number }>;
}

/** `org list`: the aggregators, each with its firms, by name. */
export async function organizationTree(ctx: ServiceContext): Promise<OrganizationNode[]> {
  const rows = await listAllOrganizations(ctx.db);
  const people = (row: { people: unknown }) => Number(row.people ?? 0);
  return rows
    .filter((row) => row.parent_id === null)
    .map((agg) => ({
      id: agg.id,
      name: agg.name,
      people: people(agg),
      firms: rows.filter((row) => row.parent_id === agg.id).map((firm) => ({ id: firm.id, name: firm.name, people: people(firm) })),
    }));
}

/** What the operator's list and `user show` print of a person: plain values, times as ISO 8601, the mobile masked. */
export interface PersonSummary {
  email: string;
  name: string;
  organization: string;
  role: string;
  status: 'active' | 'deactivated';
  deactivatedAt: string | null;
  /** the second factor that is on, or null */
  twoFactor: 'totp' | 'sms' | 'webauthn' | null;
  awaitingPassword: boolean;
  mobile: string | null;
  lastSignInAt: string | null;
  codeEntryPausedUntil: string | null;
  rememberedDevices: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function summaryOf(row: ManagedUserRow, nowMs: number): PersonSummary {
  return {
    email: row.email,
    name: row.name,
    organization: row.org_name,
    role: row.role,
    status: row.deactivated_at === null ? 'active' : 'deactivated',
    deactivatedAt: iso(row.deactivated_at),
    twoFactor: row.two_factor_method,
    awaitingPassword: row.awaiting_password,
    mobile: row.mobile ? maskMobileForAdmin(row.mobile) : null,
    lastSignInAt: iso(row.last_sign_in_at),
    codeEntryPausedUntil: row.code_locked_until !== null && row.code_locked_until > nowMs ? iso(row.code_locked_until) : null,
    rememberedDevices: row.remembered_devices,
  };
}

/** `user list [--org name]`: everyone, or everyone of one organisation (an aggregator with its firms). */
export async function listPeopleAsOperator(ctx: ServiceContext, input: { orgName?: unknown }): Promise<PersonSummary[]> {
  let scope: AdminScope | null = null;
  if (input.orgName !== undefined) {
    const org = await organizationNamed(ctx, input.orgName);
    scope = org.parent_id === null ? { aggregatorId: org.id } : { firmId: org.id };
  }
  const nowMs = ctx.now();
  return (await listPeopleForOperator(ctx.db, scope, nowMs)).map((row) => summaryOf(row, nowMs));
}

/** `user show <email>`: the list's summary, with every way they can prove who they are. */
export async function showPersonAsOperator(ctx: ServiceContext, input: { email: unknown }): Promise<PersonSummary & { passkeys: number; recoveryCodesLeft: number }> {
  const email = normalizeEmail(input.email);
  if (email === null) throw new TwofoldError('email_invalid');
  const nowMs = ctx.now();
  const row = await findManagedUserByEmail(ctx.db, email, nowMs);
  if (!row) throw new TwofoldError('user_unknown');
  return { ...summaryOf(row, nowMs), passkeys: await countPasskeysOf(ctx.db, row.id), recoveryCodesLeft: row.recovery_codes_left };
}
