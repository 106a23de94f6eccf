// What the operator does from the CLI, outside any organisation's admin area.
import { normalizeEmail } from '../domain/accounts.js';
import { requireAustralianMobile } from './mobile-number.js';
import { cleanFreeText } from '../domain/text.js';
import { TwofoldError } from '../errors.js';
import { findUserPlace } from '../store/admin.js';
import { findOrganizationById } from '../store/organizations.js';
import { findUserByEmail } from '../store/users.js';
import type { ServiceContext } from './context.js';
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
